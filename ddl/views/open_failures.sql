-- Stripe objects whose latest failure (failed, parked or dead-lettered) has not been resolved since: no `posted`
-- and no `skipped/already_linked` (or a review `dismissed`) recorded after it. Other later records (a `received`,
-- an unhandled event type on the same object) do not clear a failure: they say nothing about the QBO write.
CREATE OR REPLACE VIEW `${project}.${dataset}.open_failures` AS
WITH audit AS (
  SELECT *
  FROM `${project}.${dataset}.audit_records`
  WHERE stripeId IS NOT NULL
  QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, recordId ORDER BY recordedAt) = 1
),
latest_failure AS (
  SELECT *
  FROM audit
  WHERE outcome IN ('failed', 'parked', 'dead_lettered')
  QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, stripeId ORDER BY recordedAt DESC, recordId DESC) = 1
),
last_resolution AS (
  SELECT tenantId, stripeId, MAX(recordedAt) AS resolvedAt
  FROM audit
  WHERE outcome = 'posted' OR (outcome = 'skipped' AND reason IN ('already_linked', 'dismissed'))
  GROUP BY tenantId, stripeId
)
SELECT
  f.tenantId,
  f.stripeId,
  f.entity,
  f.outcome,
  f.reason,
  f.failureClass,
  f.detail,
  f.eventId,
  f.eventType,
  f.function,
  f.attempt,
  f.recordedAt AS failedAt,
  TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), f.recordedAt, HOUR) AS ageHours
FROM latest_failure AS f
LEFT JOIN last_resolution AS r USING (tenantId, stripeId)
WHERE r.resolvedAt IS NULL OR r.resolvedAt < f.recordedAt;
