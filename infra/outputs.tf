output "webhook_url" {
  description = "Stripe webhook base URL; register <webhook_url>/<tenantId> as the endpoint for each tenant."
  value       = google_cloud_run_v2_service.public["stripe-webhook"].uri
}

output "qbo_connect_callback_url" {
  description = "QBO OAuth redirect URI for production connects: register it in the Intuit app and set it as redirectUri in the qbo-oauth-client secret."
  value       = "${google_cloud_run_v2_service.public["qbo-connect"].uri}/callback"
}

output "bigquery_dataset" {
  description = "BigQuery dataset holding audit_records, link_records, events_archive, dead_letters and the views."
  value       = google_bigquery_dataset.stripe_qbo.dataset_id
}

output "source_object" {
  description = "Source object the functions run (keep it with the release: rollback applies it via var.source_object)."
  value       = local.source_object
}

output "topics" {
  description = "Pub/Sub topic names by base name."
  value       = { for k, t in google_pubsub_topic.topic : k => t.name }
}

output "dead_letter_archive_subscriptions" {
  description = "Pull subscriptions holding each dead-letter topic's messages (stripe-qbo dlq list|redrive)."
  value       = { for k, s in google_pubsub_subscription.dead_letter_archive : k => s.name }
}

output "function_service_accounts" {
  description = "Runtime service account of each function and public service."
  value       = { for k, sa in google_service_account.function : k => sa.email }
}
