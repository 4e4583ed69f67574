# Public endpoints (local.public_services): Cloud Run services, not Cloud Functions. A 2nd-gen function is a Cloud
# Run service whose process is always functions-framework (the buildpack ignores any other entrypoint on GCF), and
# functions-framework's Express body parser reads and inflates every request body up to 1 GiB before our code runs:
# a ~200 KB gzip request became 200 MiB in memory before the webhook could answer 413. These services run the same
# source, built into one image by the Dockerfile at the repository root, with `node <script>` starting our own
# bounded server (shared/ingest/public-server.ts). Consumers, replay and backfill stay functions: only Pub/Sub,
# through IAM and a verified OIDC token, can reach them.
#
# The image is built and pushed before `terraform apply` (cloudbuild.yaml, infra/deploy.sh) into the Artifact
# Registry repository created once (README: one-time setup); var.public_image names it.
resource "google_cloud_run_v2_service" "public" {
  for_each = local.public_services

  name                = each.key
  location            = var.region
  labels              = local.labels
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false

  template {
    service_account                  = google_service_account.function[each.key].email
    timeout                          = "${each.value.timeout}s"
    max_instance_request_concurrency = each.value.concurrency

    scaling {
      max_instance_count = each.value.max_instances
    }

    containers {
      image   = var.public_image
      command = ["node"]
      args    = [each.value.script]

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = each.value.memory
        }
        # Request-time CPU only, like the functions: nothing runs between requests.
        cpu_idle = true
      }

      dynamic "env" {
        for_each = local.common_env
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  depends_on = [google_project_service.required]
}

# Intuit sends the person's browser back here after consent; the callback completes only a flow an operator opened
# (its state is in the store), so being public lets nobody connect a company on their own.
resource "google_cloud_run_v2_service_iam_member" "qbo_connect_public" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.public["qbo-connect"].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# Stripe cannot present Google credentials; the webhook authenticates it by the Stripe-Signature instead.
resource "google_cloud_run_v2_service_iam_member" "webhook_public" {
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.public["stripe-webhook"].name
  role     = "roles/run.invoker"
  member   = "allUsers"
}
