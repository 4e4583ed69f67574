-- Dead-lettered messages since @since (TIMESTAMP) for @tenantId (STRING, NULL for every tenant), newest first,
-- with when the Stripe object was settled afterwards (posted, already linked, or dismissed) if it was: a redrive
-- that worked, or a later event that did. Each message once (the BigQuery subscription delivers at least once).
WITH letters AS (
  SELECT message_id, publish_time, tenantId, type, entity, objectId, eventId, source, amount, currency
  FROM `${project}.${dataset}.dead_letters`
  WHERE publish_time >= @since AND (@tenantId IS NULL OR tenantId = @tenantId)
  QUALIFY ROW_NUMBER() OVER (PARTITION BY message_id ORDER BY publish_time) = 1
),
settled AS (
  SELECT tenantId, stripeId, MAX(recordedAt) AS settledAt
  FROM `${project}.${dataset}.audit_records`
  WHERE recordedAt >= @since
    AND (outcome = 'posted' OR (outcome = 'skipped' AND reason IN ('already_linked', 'dismissed')))
  GROUP BY tenantId, stripeId
)
SELECT
  l.message_id AS messageId,
  l.publish_time AS deadLetteredAt,
  l.tenantId,
  l.type AS eventType,
  l.entity,
  l.objectId,
  l.eventId,
  l.source,
  l.amount,
  l.currency,
  IF(s.settledAt > l.publish_time, s.settledAt, NULL) AS settledAt
FROM letters AS l
LEFT JOIN settled AS s ON s.tenantId = l.tenantId AND s.stripeId = l.objectId
ORDER BY deadLetteredAt DESC, messageId DESC
LIMIT @limit;
