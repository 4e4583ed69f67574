-- The audit trail as the console's activity page and its CSV export read it: deduplicated decisions in
-- [@from, @to) (TIMESTAMP), newest first, narrowed by @tenantId, @entity, @outcome, @reason (STRING, NULL for any).
-- Pages are keyset-paginated: @beforeAt (TIMESTAMP), @beforeTenantId and @beforeRecordId (STRING) name the last row
-- of the previous page (all NULL for the first page); @limit (INT64) caps the rows. The export runs this same query
-- with no cursor, so the file holds exactly the rows the filter shows.
WITH audit AS (
  SELECT *
  FROM `${project}.${dataset}.audit_records`
  WHERE recordedAt >= @from AND recordedAt < @to AND (@tenantId IS NULL OR tenantId = @tenantId)
  QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, recordId ORDER BY recordedAt) = 1
)
SELECT
  recordedAt,
  tenantId,
  recordId,
  `function`,
  outcome,
  reason,
  failureClass,
  eventId,
  eventType,
  source,
  entity,
  stripeId,
  qboEntity,
  qboId,
  realmId,
  amount,
  currency,
  attempt,
  detail
FROM audit
WHERE (@entity IS NULL OR entity = @entity)
  AND (@outcome IS NULL OR outcome = @outcome)
  AND (@reason IS NULL OR reason = @reason)
  AND (
    @beforeAt IS NULL
    OR recordedAt < @beforeAt
    OR (recordedAt = @beforeAt AND (tenantId < @beforeTenantId OR (tenantId = @beforeTenantId AND recordId < @beforeRecordId)))
  )
ORDER BY recordedAt DESC, tenantId DESC, recordId DESC
LIMIT @limit;
