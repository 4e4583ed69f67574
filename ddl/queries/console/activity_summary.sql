-- How many decisions the activity filter matches (the same filter as activity.sql, without the page cursor), and
-- which reasons occur in the window for the reason picker. Parameters as activity.sql: @from, @to (TIMESTAMP),
-- @tenantId, @entity, @outcome, @reason (STRING, NULL for any).
WITH audit AS (
  SELECT tenantId, recordId, entity, outcome, reason
  FROM `${project}.${dataset}.audit_records`
  WHERE recordedAt >= @from AND recordedAt < @to AND (@tenantId IS NULL OR tenantId = @tenantId)
  QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, recordId ORDER BY recordedAt) = 1
)
SELECT
  reason,
  COUNTIF((@entity IS NULL OR entity = @entity) AND (@outcome IS NULL OR outcome = @outcome)
    AND (@reason IS NULL OR reason = @reason)) AS matching,
  COUNT(*) AS inWindow
FROM audit
GROUP BY reason
ORDER BY reason;
