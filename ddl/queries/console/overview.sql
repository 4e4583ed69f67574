-- The operator console's overview: per tenant, the decisions of the last days and of today, the events discovered,
-- and the backlog (events discovered with no final decision yet: in flight, retrying or waiting on a dependency).
-- Parameters: @since (TIMESTAMP, start of the window), @todayStart (TIMESTAMP, start of today in UTC).
-- Audit records arrive at least once (Pub/Sub → BigQuery), so rows are deduplicated on the deterministic recordId;
-- filtering on the partition column first keeps the scan to the window's partitions.
WITH audit AS (
  SELECT tenantId, recordId, recordedAt, outcome, reason, eventId
  FROM `${project}.${dataset}.audit_records`
  WHERE recordedAt >= @since
  QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, recordId ORDER BY recordedAt) = 1
),
decisions AS (
  SELECT
    tenantId,
    COUNTIF(outcome = 'posted' AND recordedAt >= @todayStart) AS postedToday,
    COUNTIF(outcome = 'posted') AS postedWindow,
    COUNTIF(outcome = 'skipped' AND recordedAt >= @todayStart) AS skippedToday,
    COUNTIF(outcome = 'skipped') AS skippedWindow,
    COUNTIF(outcome = 'parked' AND recordedAt >= @todayStart) AS parkedToday,
    COUNTIF(outcome = 'parked') AS parkedWindow,
    COUNTIF(outcome = 'failed' AND recordedAt >= @todayStart) AS failedToday,
    COUNTIF(outcome = 'failed') AS failedWindow,
    COUNTIF(outcome = 'dead_lettered' AND recordedAt >= @todayStart) AS deadLetteredToday,
    COUNTIF(outcome = 'dead_lettered') AS deadLetteredWindow,
    COUNTIF(outcome = 'planned' AND recordedAt >= @todayStart) AS plannedToday,
    COUNTIF(outcome = 'planned') AS plannedWindow,
    MAX(recordedAt) AS lastDecisionAt
  FROM audit
  GROUP BY tenantId
),
events AS (
  SELECT tenantId, eventId, MIN(receivedAt) AS receivedAt
  FROM `${project}.${dataset}.events_archive`
  WHERE receivedAt >= @since
  GROUP BY tenantId, eventId
),
-- A final decision: written, skipped, parked, planned (dry run), dead-lettered, or parked for a QBO reconnect.
-- A retryable failure is not final: Pub/Sub delivers the event again.
settled AS (
  SELECT DISTINCT tenantId, eventId
  FROM audit
  WHERE eventId IS NOT NULL
    AND (outcome IN ('posted', 'skipped', 'parked', 'planned', 'dead_lettered') OR (outcome = 'failed' AND reason = 'auth'))
),
discovery AS (
  SELECT
    e.tenantId,
    COUNTIF(e.receivedAt >= @todayStart) AS discoveredToday,
    COUNT(*) AS discoveredWindow,
    COUNTIF(s.eventId IS NULL) AS backlog
  FROM events AS e
  LEFT JOIN settled AS s ON s.tenantId = e.tenantId AND s.eventId = e.eventId
  GROUP BY e.tenantId
)
SELECT
  COALESCE(d.tenantId, v.tenantId) AS tenantId,
  COALESCE(v.discoveredToday, 0) AS discoveredToday,
  COALESCE(v.discoveredWindow, 0) AS discoveredWindow,
  COALESCE(d.postedToday, 0) AS postedToday,
  COALESCE(d.postedWindow, 0) AS postedWindow,
  COALESCE(d.skippedToday, 0) AS skippedToday,
  COALESCE(d.skippedWindow, 0) AS skippedWindow,
  COALESCE(d.parkedToday, 0) AS parkedToday,
  COALESCE(d.parkedWindow, 0) AS parkedWindow,
  COALESCE(d.failedToday, 0) AS failedToday,
  COALESCE(d.failedWindow, 0) AS failedWindow,
  COALESCE(d.deadLetteredToday, 0) AS deadLetteredToday,
  COALESCE(d.deadLetteredWindow, 0) AS deadLetteredWindow,
  COALESCE(d.plannedToday, 0) AS plannedToday,
  COALESCE(d.plannedWindow, 0) AS plannedWindow,
  COALESCE(v.backlog, 0) AS backlog,
  d.lastDecisionAt
FROM decisions AS d
FULL OUTER JOIN discovery AS v ON v.tenantId = d.tenantId
ORDER BY tenantId;
