# --- Source ------------------------------------------------------------------------------------------------------
# One zip of the repository for every function. The Node.js buildpack runs `npm ci` and the `gcp-build` script
# (`npm run build` → dist/, package.json "main" = dist/functions/index.js), so the zip holds sources, not dist/.
# ddl/ is in it: the console reads its SQL (ddl/queries/console) at start-up, the same files analysts run.
# archive_file writes entries with fixed timestamps, so the same checkout gives the same md5 and therefore the same
# object name: an unchanged tree redeploys nothing, and rollback is "apply the previous object" (README).
data "archive_file" "source" {
  type        = "zip"
  source_dir  = "${path.module}/.."
  output_path = "${path.module}/.terraform/function-source.zip"
  excludes = [
    ".git", ".local", ".terraform", "node_modules", "dist", "coverage", "infra", "test", "bench", "dev", ".ci", "docs",
    "cloudbuild.yaml",
  ]
}

resource "google_storage_bucket" "source" {
  name                        = "${var.project_id}-${var.service_account_prefix}stripe-qbo-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  # Terraform deletes the previous source object when the hash changes; versioning keeps it restorable for rollback.
  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 90
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.required]
}

resource "google_storage_bucket_object" "source" {
  name   = "source-${data.archive_file.source.output_md5}.zip"
  bucket = google_storage_bucket.source.name
  source = data.archive_file.source.output_path
}

locals {
  source_object = var.source_object != "" ? var.source_object : google_storage_bucket_object.source.name
}

# --- Identities --------------------------------------------------------------------------------------------------
# One runtime service account per function and per public service, holding only its roles (iam.tf, secrets.tf;
# README "Service accounts" lists them all).
resource "google_service_account" "function" {
  for_each = local.services

  account_id   = "${var.service_account_prefix}fn-${each.key}"
  display_name = "stripe-qbo-sync ${each.key}"
}

# Builds run as their own account instead of the default compute account (which holds Editor on older projects).
resource "google_service_account" "build" {
  account_id   = "${var.service_account_prefix}fn-build"
  display_name = "stripe-qbo-sync function builds"
}

resource "google_project_iam_member" "build" {
  for_each = toset(["roles/logging.logWriter", "roles/artifactregistry.writer"])

  project = var.project_id
  role    = each.key
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_storage_bucket_iam_member" "build_reads_source" {
  bucket = google_storage_bucket.source.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.build.email}"
}

# --- Functions ---------------------------------------------------------------------------------------------------
resource "google_cloudfunctions2_function" "function" {
  for_each = local.functions

  name     = each.key
  location = var.region
  labels   = local.labels

  build_config {
    runtime         = "nodejs22"
    entry_point     = each.value.entry_point
    service_account = google_service_account.build.id

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = local.source_object
      }
    }
  }

  service_config {
    service_account_email = google_service_account.function[each.key].email
    # Pub/Sub push comes from outside any VPC, so internal-only ingress (or internal + load balancer) would refuse
    # it. Ingress stays open and IAM is the gate: each function grants run.invoker to its subscription's invoker
    # account alone, so an unauthenticated request gets a 403 before our code runs, and the consumer checks the
    # push token again itself (PUSH_AUDIENCE, PUSH_INVOKER_EMAIL: shared/consumers/push-auth.ts).
    ingress_settings                 = "ALLOW_ALL"
    all_traffic_on_latest_revision   = true
    timeout_seconds                  = each.value.timeout
    available_memory                 = each.value.memory
    available_cpu                    = "1"
    max_instance_count               = each.value.max_instances
    max_instance_request_concurrency = each.value.concurrency
    environment_variables = merge(local.common_env, {
      PUSH_AUDIENCE      = local.push_audiences[each.key]
      PUSH_INVOKER_EMAIL = google_service_account.push_invoker[each.value.push_topic].email
    })
  }

  depends_on = [
    google_project_service.required,
    google_project_iam_member.build,
    google_storage_bucket_iam_member.build_reads_source,
  ]
}

# --- Who may invoke what -----------------------------------------------------------------------------------------
# 2nd-gen functions are Cloud Run services of the same name; run.invoker on the service is what authorizes a call.
resource "google_cloud_run_v2_service_iam_member" "push_invoker" {
  for_each = local.push_subscriptions

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.function[each.value.function].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.push_invoker[each.key].email}"
}
