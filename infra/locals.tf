# The contract with the code (DESIGN sections 2 and 3). Everything else iterates over these maps, and
# test/unit/infra/terraform.test.ts reads them to check the wiring offline.
locals {
  # Function name → entry point and sizing (functions-framework functions, each behind its push subscription).
  # `push_topic` is the topic whose push subscription invokes it. Timeouts stay at or under the push subscription's
  # ack deadline (at most 600 s for push), so Pub/Sub never redelivers a message that an instance is still working on.
  functions = {
    "sync-customer" = {
      entry_point   = "syncCustomer"
      push_topic    = "stripe-customers"
      timeout       = 300
      ack_deadline  = 300
      memory        = "512Mi"
      max_instances = var.consumer_max_instances
      concurrency   = var.consumer_concurrency
    }
    "sync-invoice" = {
      entry_point   = "syncInvoice"
      push_topic    = "stripe-invoices"
      timeout       = 300
      ack_deadline  = 300
      memory        = "512Mi"
      max_instances = var.consumer_max_instances
      concurrency   = var.consumer_concurrency
    }
    "sync-payment" = {
      entry_point   = "syncPayment"
      push_topic    = "stripe-payments"
      timeout       = 300
      ack_deadline  = 300
      memory        = "512Mi"
      max_instances = var.consumer_max_instances
      concurrency   = var.consumer_concurrency
    }
    "sync-refund" = {
      entry_point   = "syncRefund"
      push_topic    = "stripe-refunds"
      timeout       = 300
      ack_deadline  = 300
      memory        = "512Mi"
      max_instances = var.consumer_max_instances
      concurrency   = var.consumer_concurrency
    }
    "sync-credit-note" = {
      entry_point   = "syncCreditNote"
      push_topic    = "stripe-credit-notes"
      timeout       = 300
      ack_deadline  = 300
      memory        = "512Mi"
      max_instances = var.consumer_max_instances
      concurrency   = var.consumer_concurrency
    }
    "sync-payout" = {
      entry_point   = "syncPayout"
      push_topic    = "stripe-payouts"
      timeout       = 300
      ack_deadline  = 300
      memory        = "512Mi"
      max_instances = var.consumer_max_instances
      concurrency   = var.consumer_concurrency
    }
    # replay and backfill page through the Stripe API; backfill publishes its own continuation before the
    # time limit (DESIGN section 8), so it gets the longest timeout a push subscription allows.
    "replay" = {
      entry_point   = "replay"
      push_topic    = "scheduler-ticks"
      timeout       = 540
      ack_deadline  = 600
      memory        = "1Gi"
      max_instances = 2
      concurrency   = 1
    }
    "backfill" = {
      entry_point   = "backfill"
      push_topic    = "ops-backfill"
      timeout       = 540
      ack_deadline  = 600
      memory        = "1Gi"
      max_instances = 2
      concurrency   = 1
    }
  }

  # Public endpoints: Cloud Run services from the image the Dockerfile builds out of the same source, each running
  # its own bounded HTTP server (shared/ingest/public-server.ts) instead of functions-framework, whose body parser
  # inflates and buffers up to 1 GiB before any code of ours runs (issue #17). `script` is what `node` runs.
  public_services = {
    "stripe-webhook" = {
      script        = "dist/functions/stripe-webhook.js"
      timeout       = 60
      memory        = "512Mi"
      max_instances = var.webhook_max_instances
      concurrency   = 40
    }
    # Intuit's https redirect for production connects (`stripe-qbo connect-qbo`): a browser lands here once per
    # connect, so one small instance is plenty.
    "qbo-connect" = {
      script        = "dist/functions/qbo-connect.js"
      timeout       = 60
      memory        = "512Mi"
      max_instances = 1
      concurrency   = 10
    }
  }

  # Every runtime identity: one service account per function and per public service.
  services = merge(local.functions, local.public_services)

  entity_topics  = ["stripe-customers", "stripe-invoices", "stripe-payments", "stripe-refunds", "stripe-credit-notes", "stripe-payouts"]
  control_topics = ["scheduler-ticks", "ops-backfill"]
  record_topics  = ["audit-records", "link-records"]
  topics         = concat(local.entity_topics, local.control_topics, local.record_topics)

  # One push subscription (and one dead-letter topic with its archive) per pushed topic.
  push_subscriptions = { for name, fn in local.functions : fn.push_topic => merge(fn, { function = name }) if fn.push_topic != null }

  consumers      = [for name, fn in local.functions : name if startswith(name, "sync-")]
  stripe_readers = concat(local.consumers, ["replay", "backfill"])

  # BigQuery tables: schema from ddl/schemas/<table>.json (the same columns as ddl/tables/<table>.sql).
  bigquery_tables = {
    audit_records  = { partition_field = "recordedAt", clustering = ["tenantId", "stripeId"], description = "One row per decision (audit-record messages)." }
    link_records   = { partition_field = "linkedAt", clustering = ["tenantId", "stripeId"], description = "One row per QBO object created, voided or linked (link-record messages)." }
    events_archive = { partition_field = "receivedAt", clustering = ["tenantId", "objectId"], description = "Envelope of every normalized event; never the Stripe object." }
    dead_letters   = { partition_field = "publish_time", clustering = ["tenantId", "objectId"], description = "Envelope and Pub/Sub metadata of every dead-lettered message; never the Stripe object." }
  }

  bigquery_views = ["links_current", "daily_summary", "open_failures", "payout_reconciliation"]

  # Records topics → their table. The events archive is fed from every entity topic (one subscription each).
  record_sinks = {
    "audit-records" = "audit_records"
    "link-records"  = "link_records"
  }

  # The audience in each push subscription's OIDC token, and what the consumer checks it against (PUSH_AUDIENCE).
  # The function's deterministic Cloud Run URL (https://<service>-<project number>.<region>.run.app): a URL of the
  # receiving service, which Cloud Run's IAM check accepts, and computable before the function exists, where the
  # function's own `url` attribute would make its environment depend on itself.
  push_audiences = { for name, fn in local.functions : name => "https://${name}-${data.google_project.this.number}.${var.region}.run.app" if fn.push_topic != null }

  # Pub/Sub's service agent: forwards dead letters, signs push OIDC tokens, mints the BigQuery writer's tokens.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  common_env = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    STORE                = "firestore"
    SECRETS              = "secret-manager"
    BQ_DATASET           = var.bigquery_dataset
    QBO_ENVIRONMENT      = var.qbo_environment
    TOPIC_PREFIX         = var.topic_prefix
    LOG_LEVEL            = var.log_level
    # Express (functions-framework) leaves stack traces out of its error pages only in production.
    NODE_ENV = "production"
  }

  labels = merge({ app = "stripe-qbo-sync" }, var.labels)
}

data "google_project" "this" {
  project_id = var.project_id
}
