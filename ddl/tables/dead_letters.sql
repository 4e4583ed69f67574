-- Envelope and Pub/Sub metadata of every dead-lettered message; never the Stripe object.
-- Same columns, types and modes as ddl/schemas/dead_letters.json (what Terraform creates the table from); the unit test
-- test/unit/infra/ddl.test.ts holds both to the message schema in schemas/. Names are the message's JSON field
-- names because the BigQuery subscription writes with use_table_schema.
CREATE TABLE IF NOT EXISTS `${project}.${dataset}.dead_letters` (
  `subscription_name` STRING,
  `message_id`        STRING,
  `publish_time`      TIMESTAMP,
  `attributes`        JSON,
  `schemaVersion`     INT64,
  `eventId`           STRING,
  `source`            STRING,
  `tenantId`          STRING,
  `livemode`          BOOL,
  `stripeAccount`     STRING,
  `type`              STRING,
  `entity`            STRING,
  `objectId`          STRING,
  `occurredAt`        TIMESTAMP,
  `receivedAt`        TIMESTAMP,
  `amount`            INT64,
  `currency`          STRING
)
PARTITION BY DATE(`publish_time`)
CLUSTER BY `tenantId`, `objectId`
OPTIONS (description = "Envelope and Pub/Sub metadata of every dead-lettered message; never the Stripe object.");
