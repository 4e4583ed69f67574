# Log-based metrics over the functions' JSON logs (fields `outcome`, `reason`, `failureClass`, `tenantId`,
# `function`: DESIGN section 10), and the alerts an operator acts on.
locals {
  function_logs = "resource.type=\"cloud_run_revision\" AND resource.labels.service_name=(${join(" OR ", [for name in keys(local.services) : "\"${name}\""])})"

  log_metrics = {
    dead_lettered = {
      description = "Messages a function gave up on (outcome dead_lettered), by tenant and function."
      filter      = "${local.function_logs} AND jsonPayload.outcome=\"dead_lettered\""
    }
    needs_reauth = {
      description = "QBO auth failures that flag the tenant needs_reauth (failureClass auth), by tenant and function."
      filter      = "${local.function_logs} AND (jsonPayload.failureClass=\"auth\" OR jsonPayload.reason=\"needs_reauth\")"
    }
    parked = {
      description = "Items parked for a person (outcome parked), by tenant, function and reason."
      filter      = "${local.function_logs} AND jsonPayload.outcome=\"parked\""
    }
    # Our own IAM or credentials failing on Firestore, Pub/Sub or Secret Manager. Retried (never needs_reauth:
    # shared/errors.ts), so nothing is lost, but nothing moves either until someone restores the grant.
    gcp_permission = {
      description = "GCP PERMISSION_DENIED/UNAUTHENTICATED on our own resources (retried), by tenant and function."
      filter      = "${local.function_logs} AND jsonPayload.reason=(\"gcp_permission_denied\" OR \"gcp_unauthenticated\")"
    }
    # A push without our subscription's OIDC token: a misconfigured subscription (its messages will dead-letter) or
    # someone other than Pub/Sub calling a consumer.
    push_refused = {
      description = "Pushes a consumer refused for their OIDC token (reason push_*), by function."
      filter      = "${local.function_logs} AND jsonPayload.reason=~\"^push_\""
    }
  }
}

resource "google_logging_metric" "outcome" {
  for_each = local.log_metrics

  name        = "${var.topic_prefix}stripe_qbo/${each.key}"
  description = each.value.description
  filter      = each.value.filter

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    unit        = "1"

    labels {
      key        = "tenantId"
      value_type = "STRING"
    }
    labels {
      key        = "function"
      value_type = "STRING"
    }
    labels {
      key        = "reason"
      value_type = "STRING"
    }
  }

  label_extractors = {
    tenantId = "EXTRACT(jsonPayload.tenantId)"
    function = "EXTRACT(jsonPayload.function)"
    reason   = "EXTRACT(jsonPayload.reason)"
  }

  depends_on = [google_project_service.required]
}

resource "google_monitoring_alert_policy" "outcome" {
  for_each = {
    dead_lettered  = { severity = "ERROR", window = "300s", doc = "A message exhausted its 10 delivery attempts. Inspect it with `stripe-qbo dlq list`, fix the cause, then `stripe-qbo dlq redrive`. BigQuery: table dead_letters." }
    needs_reauth   = { severity = "CRITICAL", window = "300s", doc = "A tenant's QBO connection needs re-authorization. Run `stripe-qbo connect-qbo --tenant <tenantId>`; replay catches up afterwards." }
    parked         = { severity = "WARNING", window = "3600s", doc = "Items were parked for review (missing mapping, rejected by QBO, totals mismatch). See `stripe-qbo review list` and the open_failures view." }
    gcp_permission = { severity = "ERROR", window = "300s", doc = "A function was denied access to Firestore, Pub/Sub or Secret Manager (PERMISSION_DENIED/UNAUTHENTICATED). Its messages are being retried, not parked; restore the grant (infra/README.md lists each account's roles) before they dead-letter." }
    push_refused   = { severity = "WARNING", window = "300s", doc = "A consumer refused pushes for their OIDC token. If the function is one of ours and every push is refused, its subscription's audience or account does not match PUSH_AUDIENCE/PUSH_INVOKER_EMAIL; otherwise someone other than Pub/Sub is calling it." }
  }

  display_name          = "stripe-qbo-sync: ${replace(each.key, "_", " ")}"
  combiner              = "OR"
  severity              = each.value.severity
  notification_channels = var.notification_channels

  conditions {
    display_name = "${each.key} > 0"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"logging.googleapis.com/user/${google_logging_metric.outcome[each.key].name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = each.value.window
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.tenantId", "metric.label.function"]
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = each.value.doc
    mime_type = "text/markdown"
  }

  alert_strategy {
    auto_close = "86400s"
  }
}

# Pub/Sub's own count of dead-lettered messages catches what no log line reports (a function that crashed, timed
# out or was never reached).
resource "google_monitoring_alert_policy" "pubsub_dead_letters" {
  display_name          = "stripe-qbo-sync: Pub/Sub dead letters"
  combiner              = "OR"
  severity              = "ERROR"
  notification_channels = var.notification_channels

  conditions {
    display_name = "dead_letter_message_count > 0"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/dead_letter_message_count\" AND resource.label.subscription_id = starts_with(\"${var.topic_prefix}\")"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.label.subscription_id"]
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = "Pub/Sub moved messages to a dead-letter topic. `stripe-qbo dlq list` shows them; the dead_letters table keeps their envelopes."
    mime_type = "text/markdown"
  }
}

# A BigQuery subscription that cannot write (schema mismatch, lost permission) keeps retrying with no dead letter;
# its backlog ageing is the signal.
resource "google_monitoring_alert_policy" "bigquery_subscription_backlog" {
  display_name          = "stripe-qbo-sync: BigQuery subscription backlog"
  combiner              = "OR"
  severity              = "WARNING"
  notification_channels = var.notification_channels

  conditions {
    display_name = "oldest unacked message > 1 h"
    condition_threshold {
      filter          = "resource.type = \"pubsub_subscription\" AND metric.type = \"pubsub.googleapis.com/subscription/oldest_unacked_message_age\" AND (resource.label.subscription_id = ends_with(\"-to-bigquery\") OR resource.label.subscription_id = ends_with(\"-to-events-archive\"))"
      comparison      = "COMPARISON_GT"
      threshold_value = 3600
      duration        = "600s"

      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = "A Pub/Sub → BigQuery subscription is not writing. Check its state (`gcloud pubsub subscriptions describe`) and the table schema against ddl/schemas."
    mime_type = "text/markdown"
  }
}

# The webhook answers 5xx when it cannot publish or record (Stripe retries for three days, then disables the
# endpoint) or when it cannot start. Nothing else reports that: the failing requests never reach a log line of ours
# when the service cannot start. More than 5% of its requests over 5 minutes is an incident.
resource "google_monitoring_alert_policy" "webhook_5xx" {
  display_name          = "stripe-qbo-sync: webhook 5xx rate"
  combiner              = "OR"
  severity              = "CRITICAL"
  notification_channels = var.notification_channels

  conditions {
    display_name = "stripe-webhook 5xx > 5% of requests"
    condition_threshold {
      filter             = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name=\"${google_cloud_run_v2_service.public["stripe-webhook"].name}\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class=\"5xx\""
      denominator_filter = "resource.type = \"cloud_run_revision\" AND resource.labels.service_name=\"${google_cloud_run_v2_service.public["stripe-webhook"].name}\" AND metric.type = \"run.googleapis.com/request_count\""
      comparison         = "COMPARISON_GT"
      threshold_value    = 0.05
      duration           = "300s"

      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }

      denominator_aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_RATE"
        cross_series_reducer = "REDUCE_SUM"
      }

      trigger {
        count = 1
      }
    }
  }

  documentation {
    content   = "stripe-webhook answers 5xx: Stripe is retrying. Check the service's logs for `stripe webhook failed` (Pub/Sub or the audit topic unavailable, code unavailable) or a start-up failure; Stripe disables an endpoint that keeps failing for days."
    mime_type = "text/markdown"
  }

  alert_strategy {
    auto_close = "86400s"
  }
}
