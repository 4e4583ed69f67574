# The daily replay tick (DESIGN section 8): a replay-command on scheduler-ticks, pushed to the replay function.
resource "google_cloud_scheduler_job" "replay_tick" {
  name        = "${var.topic_prefix}stripe-qbo-replay-daily"
  description = "Daily replay: republish Stripe events the webhooks missed."
  region      = var.region
  schedule    = var.replay_schedule
  time_zone   = var.replay_time_zone

  pubsub_target {
    topic_name = google_pubsub_topic.topic["scheduler-ticks"].id
    data       = base64encode(jsonencode({ schemaVersion = 1, requestedBy = "scheduler" }))
    attributes = { source = "scheduler" }
  }

  depends_on = [google_project_service.required]
}
