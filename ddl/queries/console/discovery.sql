-- Events discovered per tenant and UTC day since @since (TIMESTAMP), for @tenantId (STRING, NULL for every tenant),
-- and how many of them have no final decision yet (in flight, retrying, or waiting on a dependency): the console's
-- "discovered" count and its backlog. An event counts once however often it was published (webhook, replay…).
WITH events AS (
  SELECT tenantId, eventId, MIN(receivedAt) AS receivedAt
  FROM `${project}.${dataset}.events_archive`
  WHERE receivedAt >= @since AND (@tenantId IS NULL OR tenantId = @tenantId)
  GROUP BY tenantId, eventId
),
-- A final decision: written, skipped, parked, planned (dry run), dead-lettered, or parked for a QBO reconnect.
-- A retryable failure is not final: Pub/Sub delivers the event again.
settled AS (
  SELECT DISTINCT tenantId, eventId
  FROM `${project}.${dataset}.audit_records`
  WHERE recordedAt >= @since
    AND (@tenantId IS NULL OR tenantId = @tenantId)
    AND eventId IS NOT NULL
    AND (outcome IN ('posted', 'skipped', 'parked', 'planned', 'dead_lettered') OR (outcome = 'failed' AND reason = 'auth'))
)
SELECT
  e.tenantId,
  CAST(DATE(e.receivedAt) AS STRING) AS day,
  COUNT(*) AS discovered,
  COUNTIF(s.eventId IS NULL) AS waiting
FROM events AS e
LEFT JOIN settled AS s ON s.tenantId = e.tenantId AND s.eventId = e.eventId
GROUP BY e.tenantId, day
ORDER BY e.tenantId, day;
