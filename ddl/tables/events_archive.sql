-- Envelope of every normalized event on the entity topics; never the Stripe object (no names, emails, addresses).
-- Same columns, types and modes as ddl/schemas/events_archive.json (what Terraform creates the table from); the unit test
-- test/unit/infra/ddl.test.ts holds both to the message schema in schemas/. Names are the message's JSON field
-- names because the BigQuery subscription writes with use_table_schema.
CREATE TABLE IF NOT EXISTS `${project}.${dataset}.events_archive` (
  `schemaVersion` INT64 NOT NULL,
  `eventId`       STRING NOT NULL,
  `source`        STRING NOT NULL,
  `tenantId`      STRING NOT NULL,
  `livemode`      BOOL NOT NULL,
  `stripeAccount` STRING,
  `type`          STRING NOT NULL,
  `entity`        STRING NOT NULL,
  `objectId`      STRING NOT NULL,
  `occurredAt`    TIMESTAMP NOT NULL,
  `receivedAt`    TIMESTAMP NOT NULL,
  `amount`        INT64,
  `currency`      STRING
)
PARTITION BY DATE(`receivedAt`)
CLUSTER BY `tenantId`, `objectId`
OPTIONS (description = "Envelope of every normalized event on the entity topics; never the Stripe object (no names, emails, addresses).");
