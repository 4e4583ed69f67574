resource "google_pubsub_topic" "topic" {
  for_each = toset(local.topics)

  name   = "${var.topic_prefix}${each.key}"
  labels = local.labels
  # A day of retention lets an operator seek a subscription back after a bad deploy.
  message_retention_duration = "86400s"

  depends_on = [google_project_service.required]
}

resource "google_pubsub_topic" "dead_letter" {
  for_each = local.push_subscriptions

  name                       = "${var.topic_prefix}${each.key}-dead-letter"
  labels                     = local.labels
  message_retention_duration = "2678400s" # 31 days, the maximum: dead letters are evidence

  depends_on = [google_project_service.required]
}

# One invoker service account per push subscription: the identity in the OIDC token, and the only principal
# allowed to invoke that one function (DESIGN section 10).
resource "google_service_account" "push_invoker" {
  for_each = local.push_subscriptions

  account_id   = "${var.service_account_prefix}push-${each.value.function}"
  display_name = "Pub/Sub push invoker for ${each.value.function}"
}

# Consumers are HTTP functions behind our own push subscriptions, not Eventarc triggers: only a subscription we own
# carries the dead-letter policy, the 10 s-600 s retry backoff and message ordering (DESIGN section 2).
resource "google_pubsub_subscription" "push" {
  for_each = local.push_subscriptions

  name   = "${var.topic_prefix}${each.key}-to-${each.value.function}"
  topic  = google_pubsub_topic.topic[each.key].id
  labels = local.labels

  ack_deadline_seconds       = each.value.ack_deadline
  enable_message_ordering    = true
  message_retention_duration = "604800s" # 7 days, the maximum for unacked messages

  push_config {
    push_endpoint = google_cloudfunctions2_function.function[each.value.function].url

    # The consumer checks this token itself (shared/consumers/push-auth.ts) against PUSH_AUDIENCE and
    # PUSH_INVOKER_EMAIL, which functions.tf sets from the same values.
    oidc_token {
      service_account_email = google_service_account.push_invoker[each.key].email
      audience              = local.push_audiences[each.value.function]
    }
  }

  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead_letter[each.key].id
    max_delivery_attempts = 10
  }

  # Never expire: a quiet topic (ops-backfill) must not lose its subscription after 31 idle days.
  expiration_policy {
    ttl = ""
  }

  depends_on = [
    google_pubsub_topic_iam_member.dead_letter_publisher,
    google_cloud_run_v2_service_iam_member.push_invoker,
  ]
}

# Every dead-letter topic keeps its messages in a pull subscription: `stripe-qbo dlq list|redrive` reads it.
resource "google_pubsub_subscription" "dead_letter_archive" {
  for_each = local.push_subscriptions

  name   = "${var.topic_prefix}${each.key}-dead-letter-archive"
  topic  = google_pubsub_topic.dead_letter[each.key].id
  labels = local.labels

  ack_deadline_seconds       = 60
  message_retention_duration = "604800s" # 7 days, the maximum; the BigQuery copy below keeps the envelope for good
  retain_acked_messages      = true      # a redrive acks; seek can still bring the message back within 7 days

  expiration_policy {
    ttl = ""
  }
}

# The envelope of every dead letter (never the Stripe object: drop_unknown_fields drops it) in BigQuery, with the
# source subscription in `attributes` (CloudPubSubDeadLetterSourceSubscription), for analysts and alert triage.
resource "google_pubsub_subscription" "dead_letter_bigquery" {
  for_each = local.push_subscriptions

  name   = "${var.topic_prefix}${each.key}-dead-letter-to-bigquery"
  topic  = google_pubsub_topic.dead_letter[each.key].id
  labels = local.labels

  bigquery_config {
    table                 = "${var.project_id}.${google_bigquery_dataset.stripe_qbo.dataset_id}.${google_bigquery_table.table["dead_letters"].table_id}"
    use_table_schema      = true
    drop_unknown_fields   = true
    write_metadata        = true
    service_account_email = google_service_account.bigquery_writer.email
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_bigquery_table_iam_member.bigquery_writer, google_service_account_iam_member.pubsub_mints_bigquery_writer]
}

# --- The Pub/Sub service agent's roles -------------------------------------------------------------------------
# Dead lettering: the agent publishes to each dead-letter topic and must be a subscriber on the source
# subscription (to ack the message it forwarded). Without these the policy is accepted but never fires.
resource "google_pubsub_topic_iam_member" "dead_letter_publisher" {
  for_each = local.push_subscriptions

  topic  = google_pubsub_topic.dead_letter[each.key].name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  for_each = local.push_subscriptions

  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# Push OIDC: projects created before 2021-04-08 need the agent to hold Token Creator to mint tokens for the invoker
# account (newer projects get it through the agent's own role). Granted on each invoker account, not the project,
# so the agent cannot mint tokens for the functions' runtime accounts.
resource "google_service_account_iam_member" "pubsub_token_creator" {
  for_each = local.push_subscriptions

  service_account_id = google_service_account.push_invoker[each.key].name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}
