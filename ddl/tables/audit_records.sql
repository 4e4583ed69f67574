-- One row per decision (audit-record messages, loaded by the audit-records BigQuery subscription).
-- Same columns, types and modes as ddl/schemas/audit_records.json (what Terraform creates the table from); the unit test
-- test/unit/infra/ddl.test.ts holds both to the message schema in schemas/. Names are the message's JSON field
-- names because the BigQuery subscription writes with use_table_schema.
CREATE TABLE IF NOT EXISTS `${project}.${dataset}.audit_records` (
  `schemaVersion` INT64 NOT NULL,
  `recordId`      STRING NOT NULL,
  `recordedAt`    TIMESTAMP NOT NULL,
  `tenantId`      STRING NOT NULL,
  `function`      STRING NOT NULL,
  `outcome`       STRING NOT NULL,
  `reason`        STRING NOT NULL,
  `failureClass`  STRING,
  `eventId`       STRING,
  `eventType`     STRING,
  `source`        STRING,
  `entity`        STRING,
  `stripeId`      STRING,
  `qboEntity`     STRING,
  `qboId`         STRING,
  `realmId`       STRING,
  `amount`        STRING,
  `currency`      STRING,
  `attempt`       INT64,
  `latencyMs`     FLOAT64,
  `detail`        STRING
)
PARTITION BY DATE(`recordedAt`)
CLUSTER BY `tenantId`, `stripeId`
OPTIONS (description = "One row per decision (audit-record messages, loaded by the audit-records BigQuery subscription).");
