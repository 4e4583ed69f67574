resource "google_bigquery_dataset" "stripe_qbo" {
  dataset_id  = var.bigquery_dataset
  location    = var.bigquery_location
  description = "stripe-qbo-sync audit trail, links, events archive and dead letters (DESIGN section 4)."
  labels      = local.labels

  depends_on = [google_project_service.required]
}

# Columns come from ddl/schemas/<table>.json, the file ddl/tables/<table>.sql and the local DuckDB store are held
# to. Names are the messages' camelCase JSON field names because the BigQuery subscriptions write with
# use_table_schema: a column is filled only from the JSON field of the same name.
resource "google_bigquery_table" "table" {
  for_each = local.bigquery_tables

  dataset_id          = google_bigquery_dataset.stripe_qbo.dataset_id
  table_id            = each.key
  description         = each.value.description
  labels              = local.labels
  schema              = file("${path.module}/../ddl/schemas/${each.key}.json")
  clustering          = each.value.clustering
  deletion_protection = true

  time_partitioning {
    type  = "DAY"
    field = each.value.partition_field
  }
}

# The analyst views, from the same SQL files a person can run by hand (ddl/views/*.sql, with ${project} and
# ${dataset} filled in). Terraform manages the view object, so the file's CREATE OR REPLACE wrapper is stripped.
resource "google_bigquery_table" "view" {
  for_each = toset(local.bigquery_views)

  dataset_id          = google_bigquery_dataset.stripe_qbo.dataset_id
  table_id            = each.key
  labels              = local.labels
  deletion_protection = false

  view {
    query = trimsuffix(trimspace(replace(
      templatefile("${path.module}/../ddl/views/${each.key}.sql", {
        project = var.project_id
        dataset = google_bigquery_dataset.stripe_qbo.dataset_id
      }),
      "/(?s)^.*?CREATE OR REPLACE VIEW\\s+\\S+\\s+AS\\s*\\n/",
      ""
    )), ";")
    use_legacy_sql = false
  }

  depends_on = [google_bigquery_table.table]
}

# --- BigQuery subscriptions: Pub/Sub → BigQuery with no code on the write path -------------------------------------
# use_table_schema + drop_unknown_fields: each JSON field lands in the column of the same name and fields without a
# column are dropped; for the events archive that drops `object`, the Stripe snapshot, so no names, emails or
# addresses reach BigQuery. write_metadata stays off: the records carry their own ids and times.
resource "google_pubsub_subscription" "records_to_bigquery" {
  for_each = local.record_sinks

  name   = "${var.topic_prefix}${each.key}-to-bigquery"
  topic  = google_pubsub_topic.topic[each.key].id
  labels = local.labels

  bigquery_config {
    table                 = "${var.project_id}.${google_bigquery_dataset.stripe_qbo.dataset_id}.${google_bigquery_table.table[each.value].table_id}"
    use_table_schema      = true
    drop_unknown_fields   = true
    write_metadata        = false
    service_account_email = google_service_account.bigquery_writer.email
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_bigquery_table_iam_member.bigquery_writer, google_service_account_iam_member.pubsub_mints_bigquery_writer]
}

resource "google_pubsub_subscription" "events_archive" {
  for_each = toset(local.entity_topics)

  name   = "${var.topic_prefix}${each.key}-to-events-archive"
  topic  = google_pubsub_topic.topic[each.key].id
  labels = local.labels

  bigquery_config {
    table                 = "${var.project_id}.${google_bigquery_dataset.stripe_qbo.dataset_id}.${google_bigquery_table.table["events_archive"].table_id}"
    use_table_schema      = true
    drop_unknown_fields   = true
    write_metadata        = false
    service_account_email = google_service_account.bigquery_writer.email
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_bigquery_table_iam_member.bigquery_writer, google_service_account_iam_member.pubsub_mints_bigquery_writer]
}

# --- Who writes the tables --------------------------------------------------------------------------------------
# The BigQuery subscriptions write as this account, which may edit exactly the four tables they load and nothing
# else: not the views, not the rest of the dataset. Without service_account_email they would write as the Pub/Sub
# service agent, which then needed dataEditor on the whole dataset.
resource "google_service_account" "bigquery_writer" {
  account_id   = "${var.service_account_prefix}bq-writer"
  display_name = "stripe-qbo-sync BigQuery subscriptions"
}

resource "google_bigquery_table_iam_member" "bigquery_writer" {
  for_each = local.bigquery_tables

  dataset_id = google_bigquery_dataset.stripe_qbo.dataset_id
  table_id   = google_bigquery_table.table[each.key].table_id
  role       = "roles/bigquery.dataEditor"
  member     = "serviceAccount:${google_service_account.bigquery_writer.email}"
}

# Pub/Sub mints the writer's tokens (required for a subscription with its own service account); on this account
# only, so the agent can act as no other identity of ours but the push invokers.
resource "google_service_account_iam_member" "pubsub_mints_bigquery_writer" {
  service_account_id = google_service_account.bigquery_writer.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}
