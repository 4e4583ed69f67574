-- The audit trail as the console's activity page and its CSV export read it: decisions in [@from, @to)
-- (TIMESTAMP), newest first, narrowed by @tenantId, @entity, @outcome, @reason (STRING, NULL for any).
-- Pages are keyset-paginated: @beforeAt (TIMESTAMP), @beforeTenantId and @beforeRecordId (STRING) name the last row
-- of the previous page (all NULL for the first page); @limit (INT64) caps the rows. The export runs this same query
-- with no cursor, so the file holds exactly the rows the filter shows.
-- Audit records arrive at least once; each recordId counts once, at its first arrival. The page is chosen on the
-- narrow keys first and only its rows are read whole: deduplicating whole rows costs several times more.
WITH matching AS (
  SELECT tenantId, recordId, MIN(recordedAt) AS recordedAt
  FROM `${project}.${dataset}.audit_records`
  WHERE recordedAt >= @from
    AND recordedAt < @to
    AND (@tenantId IS NULL OR tenantId = @tenantId)
    AND (@entity IS NULL OR entity = @entity)
    AND (@outcome IS NULL OR outcome = @outcome)
    AND (@reason IS NULL OR reason = @reason)
  GROUP BY tenantId, recordId
),
page AS (
  SELECT tenantId, recordId, recordedAt
  FROM matching
  WHERE
    @beforeAt IS NULL
    OR recordedAt < @beforeAt
    OR (recordedAt = @beforeAt AND (tenantId < @beforeTenantId OR (tenantId = @beforeTenantId AND recordId < @beforeRecordId)))
  ORDER BY recordedAt DESC, tenantId DESC, recordId DESC
  LIMIT @limit
)
SELECT
  p.recordedAt,
  p.tenantId,
  p.recordId,
  a.`function`,
  a.outcome,
  a.reason,
  a.failureClass,
  a.eventId,
  a.eventType,
  a.source,
  a.entity,
  a.stripeId,
  a.qboEntity,
  a.qboId,
  a.realmId,
  a.amount,
  a.currency,
  a.attempt,
  a.detail
FROM page AS p
JOIN `${project}.${dataset}.audit_records` AS a
  ON a.tenantId = p.tenantId AND a.recordId = p.recordId AND a.recordedAt = p.recordedAt
WHERE a.recordedAt >= @from AND a.recordedAt < @to
-- Two copies that arrived at the very same instant are one record.
QUALIFY ROW_NUMBER() OVER (PARTITION BY p.tenantId, p.recordId) = 1
ORDER BY p.recordedAt DESC, p.tenantId DESC, p.recordId DESC;
