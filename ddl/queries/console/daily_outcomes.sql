-- Posted and parked decisions per tenant and UTC day since @since (TIMESTAMP): the console's chart. @tenantId
-- (STRING, NULL for every tenant) narrows it to one tenant.
WITH audit AS (
  SELECT tenantId, recordId, recordedAt, outcome
  FROM `${project}.${dataset}.audit_records`
  WHERE recordedAt >= @since AND (@tenantId IS NULL OR tenantId = @tenantId)
  QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, recordId ORDER BY recordedAt) = 1
)
SELECT
  tenantId,
  CAST(DATE(recordedAt) AS STRING) AS day,
  COUNTIF(outcome = 'posted') AS posted,
  COUNTIF(outcome = 'parked') AS parked
FROM audit
WHERE outcome IN ('posted', 'parked')
GROUP BY tenantId, day
ORDER BY tenantId, day;
