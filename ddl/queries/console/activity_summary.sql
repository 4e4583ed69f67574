-- How many decisions the activity filter matches (the same filter as activity.sql, without the page cursor), and
-- which reasons occur in the window for the reason picker. Parameters as activity.sql: @from, @to (TIMESTAMP),
-- @tenantId, @entity, @outcome, @reason (STRING, NULL for any).
WITH audit AS (
  SELECT tenantId, recordId, ANY_VALUE(entity) AS entity, ANY_VALUE(outcome) AS outcome, ANY_VALUE(reason) AS reason
  FROM `${project}.${dataset}.audit_records`
  WHERE recordedAt >= @from AND recordedAt < @to AND (@tenantId IS NULL OR tenantId = @tenantId)
  GROUP BY tenantId, recordId
)
SELECT
  reason,
  COUNTIF((@entity IS NULL OR entity = @entity) AND (@outcome IS NULL OR outcome = @outcome)
    AND (@reason IS NULL OR reason = @reason)) AS matching,
  COUNT(*) AS inWindow
FROM audit
GROUP BY reason
ORDER BY reason;
