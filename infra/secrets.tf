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
  # The Connect platform's endpoint secret (POST <webhook_url>/), for deployments that take Connect events. Without
  # it the webhook may not read the secret and every Connect event answers like a forged signature.
  connect_secret = var.stripe_connect ? { "stripe-connect-webhook-secret" = "webhook" } : {}

  secrets = merge(local.tenant_secrets, local.connect_secret, { "qbo-oauth-client" = "qbo_oauth_client" })

  # Who holds a tenant's QBO connection: the consumers (they refresh tokens as they sync) and replay (it refreshes
  # an idle tenant's refresh token before it expires, DESIGN section 7).
  qbo_token_holders = concat(local.consumers, ["replay"])
  # And who stores a first token pair: the qbo-connect callback (it needs the app, never the tokens it replaces).
  qbo_connectors = concat(local.qbo_token_holders, ["qbo-connect"])

  # Secret kind → who may read it, and who rotates it (stores a new version and destroys those before the previous
  # one: each refreshed QBO token pair, DESIGN section 7). Nobody else adds versions: values are set out of band.
  secret_accessors = {
    webhook          = ["stripe-webhook"]
    stripe_api_key   = local.stripe_readers
    qbo_tokens       = local.qbo_token_holders
    qbo_oauth_client = local.qbo_connectors
  }
  secret_rotators = {
    webhook          = []
    stripe_api_key   = []
    qbo_tokens       = local.qbo_connectors
    qbo_oauth_client = []
  }

  secret_grants = merge(
    merge([for secret, kind in local.secrets : {
      for fn in local.secret_accessors[kind] : "${secret}/${fn}/accessor" => {
        secret = secret, function = fn, role = "roles/secretmanager.secretAccessor"
      }
    }]...),
    merge([for secret, kind in local.secrets : {
      for fn in local.secret_rotators[kind] : "${secret}/${fn}/rotator" => {
        secret = secret, function = fn, role = google_project_iam_custom_role.qbo_token_rotator.id
      }
    }]...),
  )
}

# Exactly what rotating a token secret takes (shared/secrets/secret-store.ts `rotate`): add the new version, list
# the versions, destroy those before the previous one. The predefined secretVersionManager would also allow
# enabling and disabling versions, secretVersionAdder would leave every old version (a live refresh token each)
# behind for good.
resource "google_project_iam_custom_role" "qbo_token_rotator" {
  project     = var.project_id
  role_id     = "${replace(var.service_account_prefix, "-", "_")}qboTokenRotator"
  title       = "stripe-qbo-sync QBO token rotator"
  description = "Add a QBO token version, list versions, destroy versions older than the previous one."
  permissions = [
    "secretmanager.versions.add",
    "secretmanager.versions.list",
    "secretmanager.versions.destroy",
  ]
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
