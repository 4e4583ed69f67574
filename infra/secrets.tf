# Secret containers only; values are added out of band (README: connecting a tenant) so they never enter state.
# Names match the local stack's files under .local/secrets/ (DESIGN section 9).
locals {
  tenant_secrets = merge([
    for t in var.tenants : {
      "stripe-webhook-secret-${t}" = "webhook"
      "stripe-api-key-${t}"        = "stripe_api_key"
      "qbo-tokens-${t}"            = "qbo_tokens"
    }
  ]...)
  secrets = merge(local.tenant_secrets, { "qbo-oauth-client" = "qbo_oauth_client" })

  # Secret kind → who may read it, and who may add versions (the consumers store each refreshed QBO token pair as
  # a new version: DESIGN section 7).
  secret_accessors = {
    webhook          = ["stripe-webhook"]
    stripe_api_key   = local.stripe_readers
    qbo_tokens       = local.consumers
    qbo_oauth_client = local.consumers
  }
  secret_version_adders = {
    webhook          = []
    stripe_api_key   = []
    qbo_tokens       = local.consumers
    qbo_oauth_client = []
  }

  secret_grants = merge(
    merge([for secret, kind in local.secrets : {
      for fn in local.secret_accessors[kind] : "${secret}/${fn}/accessor" => {
        secret = secret, function = fn, role = "roles/secretmanager.secretAccessor"
      }
    }]...),
    merge([for secret, kind in local.secrets : {
      for fn in local.secret_version_adders[kind] : "${secret}/${fn}/adder" => {
        secret = secret, function = fn, role = "roles/secretmanager.secretVersionAdder"
      }
    }]...),
  )
}

resource "google_secret_manager_secret" "secret" {
  for_each = local.secrets

  secret_id = each.key
  labels    = merge(local.labels, { kind = replace(each.value, "_", "-") })

  replication {
    auto {}
  }

  depends_on = [google_project_service.required]
}

resource "google_secret_manager_secret_iam_member" "function" {
  for_each = local.secret_grants

  secret_id = google_secret_manager_secret.secret[each.value.secret].id
  role      = each.value.role
  member    = "serviceAccount:${google_service_account.function[each.value.function].email}"
}
