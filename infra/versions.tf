terraform {
  # 1.6+: the gcs backend and provider-defined behaviour this configuration relies on; Cloud Build pins 1.9.8.
  required_version = ">= 1.6.0, < 2.0.0"

  required_providers {
    # Pinned to one major (and a floor that has every argument used here, e.g. alert policy `severity`,
    # bigquery_config.use_table_schema). Commit .terraform.lock.hcl after the first `terraform init` so every run
    # uses the exact same build.
    google = {
      source  = "hashicorp/google"
      version = "~> 6.35"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.7"
    }
  }

  # The state bucket is given at init: `terraform init -backend-config="bucket=<bucket>"` (infra/deploy.sh and
  # cloudbuild.yaml do this). The prefix keeps several deployments (TOPIC_PREFIX) apart in one bucket.
  backend "gcs" {}
}

provider "google" {
  project = var.project_id
  region  = var.region
}
