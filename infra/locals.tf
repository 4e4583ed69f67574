# The contract with the code (DESIGN sections 2 and 3). Everything else iterates over these maps, and
# test/unit/infra/terraform.test.ts reads them to check the wiring offline.
locals {
  # Function name → entry point and sizing. `push_topic` is the topic whose push subscription invokes it (the webhook
  # is invoked by Stripe). Timeouts stay at or under the push subscription's ack deadline (at most 600 s for push),
  # so Pub/Sub never redelivers a message that an instance is still working on.
  functions = {
    "stripe-webhook" = {
      entry_point   = "stripeWebhook"
      push_topic    = null
      timeout       = 60
      ack_deadline  = null
      memory        = "512Mi"
      max_instances = var.webhook_max_instances
      concurrency   = 40
    }
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

  # Pub/Sub's service agent: forwards dead letters, signs push OIDC tokens, writes BigQuery subscriptions.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"

  common_env = {
    GOOGLE_CLOUD_PROJECT = var.project_id
    STORE                = "firestore"
    SECRETS              = "secret-manager"
    BQ_DATASET           = var.bigquery_dataset
    QBO_ENVIRONMENT      = var.qbo_environment
    TOPIC_PREFIX         = var.topic_prefix
    LOG_LEVEL            = var.log_level
  }

  labels = merge({ app = "stripe-qbo-sync" }, var.labels)
}

data "google_project" "this" {
  project_id = var.project_id
}
