# --- The operator console (DESIGN sections 9 and 10) ---------------------------------------------------------------
# The `console` function serves server-rendered pages to bookkeepers and operators. It is never public: it takes
# traffic only from the load balancer (ingress ALLOW_INTERNAL_AND_GCLB), the load balancer's backend service has
# Identity-Aware Proxy on, and the only principal that may invoke the function is IAP's service agent. The function
# then checks IAP's signed header itself (x-goog-iap-jwt-assertion, audience = this backend service), so a request
# that reached it some other way is refused. A 2nd-gen function is a Cloud Run service, but
# google_cloudfunctions2_function cannot switch on Cloud Run's own IAP integration, and the provider pinned in
# versions.tf (~> 6.35) has `iap { enabled }` on backend services with an optional OAuth client (IAP's
# Google-managed one when unset): so the function sits behind a global external Application Load Balancer with a
# serverless NEG, a Google-managed certificate for var.console_domain, and IAP on the backend service.
# Everything here exists only when console_domain is set.

variable "console_domain" {
  description = "DNS name the operator console is served on (e.g. console.example.com). Point an A record at the console_ip output. Empty: no console is deployed."
  type        = string
  default     = ""
}

variable "console_members" {
  description = "Who may open the console (IAP admits them; all are viewers): IAM members such as group:bookkeepers@example.com, user:alice@example.com, domain:example.com."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for m in var.console_members : can(regex("^(user|group|domain|serviceAccount):", m))])
    error_message = "Each console member is an IAM member: user:…, group:…, domain:… or serviceAccount:…."
  }
}

variable "console_operators" {
  description = "Emails of the people who may act in the console (approve, retry, dismiss, redrive, sync, test runs, auto-post). They must also be admitted by console_members. Everyone else the console admits can only look."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for e in var.console_operators : can(regex("^[^@[:space:]]+@[^@[:space:]]+$", e))])
    error_message = "console_operators holds email addresses (no group: entries: IAP's signed header names the user, not their groups)."
  }
}

variable "console_oauth2_client_id" {
  description = "Optional OAuth client for IAP's sign-in (needed for users outside your Google Workspace or Cloud Identity organization). Empty: IAP's Google-managed client."
  type        = string
  default     = ""
}

variable "console_oauth2_client_secret" {
  description = "Secret of console_oauth2_client_id. It lands in Terraform state; pass it with -var or TF_VAR_, never in a committed tfvars file."
  type        = string
  default     = ""
  sensitive   = true
}

locals {
  console_enabled = var.console_domain != ""
  console_name    = "${var.service_account_prefix}stripe-qbo-console"
  # IAP's service agent: the identity IAP uses to call the backend once it has let a user through.
  iap_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-iap.iam.gserviceaccount.com"

  # What the console does, and nothing more (least privilege): read and update Firestore (tenants, review queue,
  # job and checkpoint documents), query the BigQuery dataset, publish what an operator sends through the pipeline
  # again (entity topics), asks for (scheduler-ticks: sync now; ops-backfill: test runs), and pull the dead-letter
  # archives to redrive them. No secret: it never reads QBO tokens or Stripe keys.
  console_topics = local.console_enabled ? concat(local.entity_topics, ["scheduler-ticks", "ops-backfill"]) : []
  console_dead_letter_grants = local.console_enabled ? merge([
    for topic in local.entity_topics : {
      "${topic}/subscriber" = { topic = topic, role = "roles/pubsub.subscriber" }
      # `dlq` checks that each archive exists before pulling it.
      "${topic}/viewer" = { topic = topic, role = "roles/pubsub.viewer" }
    }
  ]...) : {}
  console_project_roles = local.console_enabled ? toset(["roles/datastore.user", "roles/bigquery.jobUser"]) : toset([])
}

resource "google_project_service" "console" {
  for_each = local.console_enabled ? toset(["compute.googleapis.com", "iap.googleapis.com"]) : toset([])

  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}

resource "google_service_account" "console" {
  count = local.console_enabled ? 1 : 0

  account_id   = "${var.service_account_prefix}fn-console"
  display_name = "stripe-qbo-sync function console"
}

resource "google_cloudfunctions2_function" "console" {
  count = local.console_enabled ? 1 : 0

  name     = "console"
  location = var.region
  labels   = local.labels

  build_config {
    runtime         = "nodejs22"
    entry_point     = "console"
    service_account = google_service_account.build.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = local.source_object
      }
    }
  }

  service_config {
    service_account_email = google_service_account.console[0].email
    # Only the load balancer (and so IAP) reaches it; run.invoker below admits only IAP's service agent.
    ingress_settings                 = "ALLOW_INTERNAL_AND_GCLB"
    all_traffic_on_latest_revision   = true
    timeout_seconds                  = 120
    available_memory                 = "512Mi"
    available_cpu                    = "1"
    max_instance_count               = 3
    max_instance_request_concurrency = 20
    environment_variables = merge(local.common_env, {
      # The audience IAP signs its header for: this backend service (shared/console/auth/iap-jwt.ts checks it).
      CONSOLE_IAP_AUDIENCE = "/projects/${data.google_project.this.number}/global/backendServices/${google_compute_backend_service.console[0].generated_id}"
      CONSOLE_OPERATORS    = join(",", var.console_operators)
      BQ_LOCATION          = var.bigquery_location
    })
  }

  depends_on = [
    google_project_service.required,
    google_project_iam_member.build,
    google_storage_bucket_iam_member.build_reads_source,
  ]
}

# --- Load balancer with IAP ------------------------------------------------------------------------------------
# The NEG names the Cloud Run service by its (fixed) name rather than the function resource, so the function can
# take the backend service's id for its audience without a dependency cycle.
resource "google_compute_region_network_endpoint_group" "console" {
  count = local.console_enabled ? 1 : 0

  name                  = local.console_name
  region                = var.region
  network_endpoint_type = "SERVERLESS"

  cloud_run {
    service = "console"
  }

  depends_on = [google_project_service.console]
}

resource "google_compute_backend_service" "console" {
  count = local.console_enabled ? 1 : 0

  name                  = local.console_name
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"

  backend {
    group = google_compute_region_network_endpoint_group.console[0].id
  }

  iap {
    enabled              = true
    oauth2_client_id     = var.console_oauth2_client_id != "" ? var.console_oauth2_client_id : null
    oauth2_client_secret = var.console_oauth2_client_secret != "" ? var.console_oauth2_client_secret : null
  }

  log_config {
    enable = true
  }
}

resource "google_compute_url_map" "console" {
  count = local.console_enabled ? 1 : 0

  name            = local.console_name
  default_service = google_compute_backend_service.console[0].id
}

resource "google_compute_managed_ssl_certificate" "console" {
  count = local.console_enabled ? 1 : 0

  name = local.console_name

  managed {
    domains = [var.console_domain]
  }

  depends_on = [google_project_service.console]
}

resource "google_compute_target_https_proxy" "console" {
  count = local.console_enabled ? 1 : 0

  name             = local.console_name
  url_map          = google_compute_url_map.console[0].id
  ssl_certificates = [google_compute_managed_ssl_certificate.console[0].id]
}

resource "google_compute_global_address" "console" {
  count = local.console_enabled ? 1 : 0

  name = local.console_name

  depends_on = [google_project_service.console]
}

resource "google_compute_global_forwarding_rule" "console" {
  count = local.console_enabled ? 1 : 0

  name                  = local.console_name
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.console[0].id
  port_range            = "443"
  target                = google_compute_target_https_proxy.console[0].id
}

# --- Who may do what -------------------------------------------------------------------------------------------
# People: IAP admits console_members (IAP-secured Web App User on this backend service only).
resource "google_iap_web_backend_service_iam_member" "console_access" {
  for_each = local.console_enabled ? toset(var.console_members) : toset([])

  project             = var.project_id
  web_backend_service = google_compute_backend_service.console[0].name
  role                = "roles/iap.httpsResourceAccessor"
  member              = each.value
}

# The function: IAP's service agent is its only invoker (no allUsers: a request that skips IAP gets a 403 before
# the function runs, and one that gets in anyway has no valid signed header).
resource "google_cloud_run_v2_service_iam_member" "console_iap_invoker" {
  count = local.console_enabled ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.console[0].name
  role     = "roles/run.invoker"
  member   = local.iap_service_agent
}

# The console's own account.
resource "google_project_iam_member" "console" {
  for_each = local.console_project_roles

  project = var.project_id
  role    = each.key
  member  = "serviceAccount:${google_service_account.console[0].email}"
}

# Reads on exactly the tables and views its queries touch (ddl/queries/console), not the dataset: the tables, and
# the views (payout_reconciliation), whose own tables are in the same list.
resource "google_bigquery_table_iam_member" "console_reader" {
  for_each = local.console_enabled ? toset(concat(keys(local.bigquery_tables), local.bigquery_views)) : toset([])

  dataset_id = google_bigquery_dataset.stripe_qbo.dataset_id
  table_id   = each.key
  role       = "roles/bigquery.dataViewer"
  member     = "serviceAccount:${google_service_account.console[0].email}"

  depends_on = [google_bigquery_table.table, google_bigquery_table.view]
}

resource "google_pubsub_topic_iam_member" "console_publisher" {
  for_each = toset(local.console_topics)

  topic  = google_pubsub_topic.topic[each.key].name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.console[0].email}"
}

resource "google_pubsub_subscription_iam_member" "console_dead_letters" {
  for_each = local.console_dead_letter_grants

  subscription = google_pubsub_subscription.dead_letter_archive[each.value.topic].name
  role         = each.value.role
  member       = "serviceAccount:${google_service_account.console[0].email}"
}

output "console_url" {
  description = "The operator console (behind IAP), once DNS points console_domain at console_ip and the certificate is active."
  value       = local.console_enabled ? "https://${var.console_domain}/" : null
}

output "console_ip" {
  description = "Address of the console's load balancer: the A record for console_domain."
  value       = local.console_enabled ? google_compute_global_address.console[0].address : null
}
