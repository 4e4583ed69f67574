-- Decisions per tenant, UTC day and outcome since @since (TIMESTAMP), for @tenantId (STRING, NULL for every
-- tenant): the console's counts (today and the last days) and its posted/parked chart.
-- Audit records arrive at least once (Pub/Sub → BigQuery), so each recordId counts once, at its first arrival;
-- filtering on the partition column first keeps the scan to the window's partitions.
WITH audit AS (
  SELECT tenantId, recordId, MIN(recordedAt) AS recordedAt, ANY_VALUE(outcome) AS outcome
  FROM `${project}.${dataset}.audit_records`
  WHERE recordedAt >= @since AND (@tenantId IS NULL OR tenantId = @tenantId)
  GROUP BY tenantId, recordId
)
SELECT
  tenantId,
  CAST(DATE(recordedAt) AS STRING) AS day,
  outcome,
  COUNT(*) AS decisions,
  MAX(recordedAt) AS lastAt
FROM audit
GROUP BY tenantId, day, outcome
ORDER BY tenantId, day, outcome;
