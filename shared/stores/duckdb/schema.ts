/** The operational tables of the embedded store (the analytics tables come from ddl/ via the archiver). */
export const OPERATIONAL_TABLES_SQL = [
  `CREATE TABLE IF NOT EXISTS tenants (
     tenant_id VARCHAR PRIMARY KEY,
     stripe_account VARCHAR,
     settings VARCHAR NOT NULL,
     status VARCHAR NOT NULL DEFAULT 'active',
     status_reason VARCHAR,
     updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
  `CREATE TABLE IF NOT EXISTS ledger (
     tenant_id VARCHAR NOT NULL,
     stripe_id VARCHAR NOT NULL,
     operation VARCHAR NOT NULL,
     state VARCHAR NOT NULL,
     request_id VARCHAR NOT NULL,
     qbo_entity VARCHAR NOT NULL,
     qbo_id VARCHAR,
     qbo_sync_token VARCHAR,
     lease_expires_at BIGINT NOT NULL,
     lease_owner VARCHAR NOT NULL,
     attempts INTEGER NOT NULL,
     updated_at VARCHAR NOT NULL,
     detail VARCHAR,
     PRIMARY KEY (tenant_id, stripe_id, operation))`,
  // Files from earlier releases: last_event_at was written and never read (ledger-rules.ts says why it went), and
  // qbo_customer_id came after the first release.
  `ALTER TABLE ledger DROP COLUMN IF EXISTS last_event_at`,
  `ALTER TABLE ledger ADD COLUMN IF NOT EXISTS qbo_customer_id VARCHAR`,
  `CREATE TABLE IF NOT EXISTS sync_state (
     key VARCHAR PRIMARY KEY,
     value VARCHAR NOT NULL,
     version INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS review_queue (
     review_id VARCHAR PRIMARY KEY,
     tenant_id VARCHAR NOT NULL,
     stripe_id VARCHAR NOT NULL,
     entity VARCHAR NOT NULL,
     reason VARCHAR NOT NULL,
     failure_class VARCHAR NOT NULL,
     detail VARCHAR NOT NULL,
     event VARCHAR NOT NULL,
     proposal VARCHAR,
     status VARCHAR NOT NULL,
     created_at VARCHAR NOT NULL,
     updated_at VARCHAR NOT NULL)`,
  // Events waiting for an object another consumer owns (DESIGN section 7): one row per tenant, dependency, event,
  // and one per dependency asked for.
  `CREATE TABLE IF NOT EXISTS dependency_waits (
     tenant_id VARCHAR NOT NULL,
     dependency VARCHAR NOT NULL,
     event_id VARCHAR NOT NULL,
     event VARCHAR NOT NULL,
     since VARCHAR NOT NULL,
     PRIMARY KEY (tenant_id, dependency, event_id))`,
  `CREATE TABLE IF NOT EXISTS dependency_requests (
     tenant_id VARCHAR NOT NULL,
     dependency VARCHAR NOT NULL,
     requested_at VARCHAR NOT NULL,
     PRIMARY KEY (tenant_id, dependency))`,
];
