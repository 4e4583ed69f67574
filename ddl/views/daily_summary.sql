-- Per tenant and UTC day: how many decisions of each outcome and reason, and the amounts posted to QBO.
-- Audit records arrive at least once (Pub/Sub → BigQuery), so rows are deduplicated on the deterministic recordId
-- first. Amounts are summed per currency: a sum across currencies means nothing.
CREATE OR REPLACE VIEW `${project}.${dataset}.daily_summary` AS
WITH audit AS (
  SELECT *
  FROM `${project}.${dataset}.audit_records`
  WHERE TRUE
  QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, recordId ORDER BY recordedAt) = 1
)
SELECT
  tenantId,
  DATE(recordedAt) AS day,
  outcome,
  reason,
  failureClass,
  currency,
  COUNT(*) AS records,
  COUNT(DISTINCT stripeId) AS stripeObjects,
  SUM(IF(outcome = 'posted', SAFE_CAST(amount AS NUMERIC), NULL)) AS postedAmount
FROM audit
GROUP BY tenantId, day, outcome, reason, failureClass, currency;
