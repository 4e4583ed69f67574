-- Per Stripe payout: the payout amount Stripe states (latest archived event, integer minor units converted with
-- the currency's exponent: DESIGN section 6) against the amount of the QBO Deposit or JournalEntry linked to it.
-- `tiesOut` is true when they are equal to the cent, or when a failed/canceled payout has no active QBO object.
CREATE OR REPLACE VIEW `${project}.${dataset}.payout_reconciliation` AS
WITH payout_events AS (
  SELECT
    tenantId,
    objectId AS payoutId,
    type AS latestEventType,
    currency,
    amount AS stripeAmountMinor,
    receivedAt
  FROM `${project}.${dataset}.events_archive`
  WHERE entity = 'payout'
  QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, objectId ORDER BY occurredAt DESC, receivedAt DESC) = 1
),
stripe_side AS (
  SELECT
    *,
    CAST(stripeAmountMinor AS NUMERIC) / CASE
      WHEN currency IN ('BIF', 'CLP', 'DJF', 'GNF', 'JPY', 'KMF', 'KRW', 'MGA', 'PYG', 'RWF', 'UGX', 'VND', 'VUV',
                        'XAF', 'XOF', 'XPF') THEN 1
      WHEN currency IN ('BHD', 'JOD', 'KWD', 'OMR', 'TND') THEN 1000
      ELSE 100
    END AS stripeAmount
  FROM payout_events
),
qbo_side AS (
  SELECT
    tenantId,
    stripeId AS payoutId,
    qboEntity,
    qboId,
    docNumber,
    txnDate,
    SAFE_CAST(amount AS NUMERIC) AS qboAmount,
    currency AS qboCurrency,
    linkedAt
  FROM `${project}.${dataset}.link_records`
  WHERE stripeObject = 'payout' AND qboEntity IN ('Deposit', 'JournalEntry')
  QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, stripeId ORDER BY linkedAt DESC, qboId DESC) = 1
    AND operation NOT IN ('void', 'delete')
)
SELECT
  s.tenantId,
  s.payoutId,
  s.latestEventType,
  s.currency,
  s.stripeAmountMinor,
  s.stripeAmount,
  q.qboEntity,
  q.qboId,
  q.txnDate,
  q.qboAmount,
  q.linkedAt,
  CASE
    WHEN s.latestEventType IN ('payout.failed', 'payout.canceled') THEN q.qboId IS NULL
    ELSE q.qboAmount IS NOT NULL AND q.qboAmount = s.stripeAmount
      AND (q.qboCurrency IS NULL OR q.qboCurrency = s.currency)
  END AS tiesOut
FROM stripe_side AS s
LEFT JOIN qbo_side AS q USING (tenantId, payoutId);
