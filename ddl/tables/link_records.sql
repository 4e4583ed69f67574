-- One row per QBO object created, voided or linked (link-record messages).
-- Same columns, types and modes as ddl/schemas/link_records.json (what Terraform creates the table from); the unit test
-- test/unit/infra/ddl.test.ts holds both to the message schema in schemas/. Names are the message's JSON field
-- names because the BigQuery subscription writes with use_table_schema.
CREATE TABLE IF NOT EXISTS `${project}.${dataset}.link_records` (
  `schemaVersion` INT64 NOT NULL,
  `tenantId`      STRING NOT NULL,
  `realmId`       STRING NOT NULL,
  `stripeId`      STRING NOT NULL,
  `stripeObject`  STRING NOT NULL,
  `qboEntity`     STRING NOT NULL,
  `qboId`         STRING NOT NULL,
  `qboSyncToken`  STRING,
  `operation`     STRING NOT NULL,
  `docNumber`     STRING,
  `txnDate`       DATE,
  `amount`        STRING,
  `currency`      STRING,
  `eventId`       STRING,
  `linkedAt`      TIMESTAMP NOT NULL
)
PARTITION BY DATE(`linkedAt`)
CLUSTER BY `tenantId`, `stripeId`
OPTIONS (description = "One row per QBO object created, voided or linked (link-record messages).");
