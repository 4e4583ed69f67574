# Runtime roles, per function, granted on the narrowest resource that works. No project-wide role except Firestore
# (its IAM is project-level). No basic role (Owner, Editor) anywhere: the unit test scans every .tf file.
locals {
  # Which topics each function publishes to (DESIGN section 3's "published by" column).
  publishes = {
    "stripe-webhook"   = concat(local.entity_topics, ["audit-records"])
    "sync-customer"    = concat(local.entity_topics, local.record_topics)
    "sync-invoice"     = concat(local.entity_topics, local.record_topics)
    "sync-payment"     = concat(local.entity_topics, local.record_topics)
    "sync-refund"      = concat(local.entity_topics, local.record_topics)
    "sync-credit-note" = concat(local.entity_topics, local.record_topics)
    "sync-payout"      = concat(local.entity_topics, local.record_topics)
    "replay"           = concat(local.entity_topics, ["audit-records"])
    "backfill"         = concat(local.entity_topics, ["ops-backfill", "audit-records"])
  }

  topic_publishers = merge([
    for fn, topics in local.publishes : { for t in topics : "${fn}/${t}" => { function = fn, topic = t } }
  ]...)

  # Every function reads and writes Firestore: ledger and review queue (consumers), cursors, checkpoints and token
  # health (replay, backfill); qbo-connect closes the connect flows it completes. The webhook only reads tenant
  # settings: viewer (firestore_viewer below).
  firestore_users = concat(keys(local.functions), ["qbo-connect"])
}

resource "google_pubsub_topic_iam_member" "function_publisher" {
  for_each = local.topic_publishers

  topic  = google_pubsub_topic.topic[each.value.topic].name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.function[each.value.function].email}"
}

resource "google_project_iam_member" "firestore_viewer" {
  project = var.project_id
  role    = "roles/datastore.viewer"
  member  = "serviceAccount:${google_service_account.function["stripe-webhook"].email}"
}

resource "google_project_iam_member" "firestore_user" {
  for_each = toset(local.firestore_users)

  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.function[each.key].email}"
}
