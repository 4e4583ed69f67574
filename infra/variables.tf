variable "project_id" {
  description = "Google Cloud project that hosts the pipeline."
  type        = string
}

variable "region" {
  description = "Region for the functions, Scheduler job, source bucket and the Firestore/BigQuery locations below."
  type        = string
  default     = "us-central1"
}

variable "topic_prefix" {
  description = "Prefix for every Pub/Sub topic and subscription (TOPIC_PREFIX in the functions), so several deployments can share a project. Letters, digits and ._~+%- only."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[A-Za-z0-9._~+%-]*$", var.topic_prefix))
    error_message = "topic_prefix may hold only letters, digits and ._~+%-."
  }
}

variable "service_account_prefix" {
  description = "Prefix for service account ids (account ids are 6-30 characters and project-wide, so deployments sharing a project need distinct prefixes). At most 5 lowercase letters/digits, ending in a dash when set, e.g. \"stg-\"."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([a-z][a-z0-9]{0,3}-)?$", var.service_account_prefix))
    error_message = "service_account_prefix is empty or up to 4 lowercase letters/digits followed by a dash (e.g. \"stg-\")."
  }
}

variable "tenants" {
  description = "Tenant ids (lowercase, as in the tenant settings). Each gets its Secret Manager secrets: stripe-webhook-secret-<id>, stripe-api-key-<id>, qbo-tokens-<id>. Secret values are added out of band (infra/README.md)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for t in var.tenants : can(regex("^[a-z0-9][a-z0-9-]{0,62}$", t))])
    error_message = "Each tenant id must match ^[a-z0-9][a-z0-9-]{0,62}$ (the normalized-event tenantId pattern)."
  }
}

variable "public_image" {
  description = "Container image of the public services (the stripe-webhook server), built from this checkout by the Dockerfile and pushed before apply: <region>-docker.pkg.dev/<project>/<repository>/public:<tag> (cloudbuild.yaml and infra/deploy.sh do both)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]+-docker\\.pkg\\.dev/.+/.+/.+[:@].+$", var.public_image))
    error_message = "public_image is an Artifact Registry image with a tag or digest: <region>-docker.pkg.dev/<project>/<repository>/<image>:<tag>."
  }
}

variable "stripe_connect" {
  description = "Whether this deployment receives a Connect platform's events on POST <webhook_url>/: creates the stripe-connect-webhook-secret secret and lets the webhook read it (its value is added out of band, like every secret)."
  type        = bool
  default     = false
}

variable "bigquery_dataset" {
  description = "BigQuery dataset for the audit, link, events-archive and dead-letter tables and the analyst views (BQ_DATASET)."
  type        = string
  default     = "stripe_qbo"
}

variable "bigquery_location" {
  description = "BigQuery dataset location (multi-region US/EU or a region)."
  type        = string
  default     = "US"
}

variable "firestore_location" {
  description = "Firestore database location (e.g. nam5, eur3, or a region). Cannot change after creation."
  type        = string
  default     = "nam5"
}

variable "qbo_environment" {
  description = "QuickBooks Online environment the consumers talk to: sandbox or production (QBO_ENVIRONMENT)."
  type        = string
  default     = "sandbox"

  validation {
    condition     = contains(["sandbox", "production"], var.qbo_environment)
    error_message = "qbo_environment is sandbox or production."
  }
}

variable "log_level" {
  description = "pino log level for every function (LOG_LEVEL)."
  type        = string
  default     = "info"
}

variable "consumer_max_instances" {
  description = "Max instances per sync-* consumer. With consumer_concurrency this caps in-flight pushes, which keeps the fleet under QBO's per-realm throttle (500 requests/min, 10/s: DESIGN section 7)."
  type        = number
  default     = 2
}

variable "consumer_concurrency" {
  description = "Concurrent requests per consumer instance (each instance keeps its own per-realm limiter)."
  type        = number
  default     = 4
}

variable "webhook_max_instances" {
  description = "Max instances of stripe-webhook."
  type        = number
  default     = 20
}

variable "replay_schedule" {
  description = "Cron schedule of the daily replay tick published to scheduler-ticks."
  type        = string
  default     = "15 3 * * *"
}

variable "replay_time_zone" {
  description = "Time zone of replay_schedule."
  type        = string
  default     = "Etc/UTC"
}

variable "source_object" {
  description = "Rollback only: name of an existing object in the source bucket (source-<md5>.zip) to run instead of the source built from this checkout. Empty means deploy this checkout."
  type        = string
  default     = ""
}

variable "notification_channels" {
  description = "Cloud Monitoring notification channel ids (projects/<p>/notificationChannels/<id>) the alert policies notify."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Labels added to every labelled resource."
  type        = map(string)
  default     = {}
}
