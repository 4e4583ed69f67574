# The ledger, sync state, tenant settings and review queue (DESIGN section 4): native mode, the default database
# the client libraries use without configuration.
resource "google_firestore_database" "default" {
  project                 = var.project_id
  name                    = "(default)"
  location_id             = var.firestore_location
  type                    = "FIRESTORE_NATIVE"
  concurrency_mode        = "PESSIMISTIC"
  delete_protection_state = "DELETE_PROTECTION_ENABLED"
  # `terraform destroy` leaves the ledger in place: losing it would re-post every Stripe object to QBO.
  deletion_policy = "ABANDON"

  depends_on = [google_project_service.required]
}
