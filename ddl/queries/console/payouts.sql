-- Payouts and the QBO object each is linked to (a Deposit, or a JournalEntry in summary mode), for @tenantId
-- (STRING, NULL for every tenant), newest link first: the payout_reconciliation view (ddl/views), which compares
-- the amounts to the cent.
SELECT
  tenantId,
  payoutId,
  latestEventType,
  currency,
  stripeAmountMinor,
  CAST(stripeAmount AS STRING) AS stripeAmount,
  qboEntity,
  qboId,
  CAST(txnDate AS STRING) AS txnDate,
  CAST(qboAmount AS STRING) AS qboAmount,
  linkedAt,
  tiesOut
FROM `${project}.${dataset}.payout_reconciliation`
WHERE @tenantId IS NULL OR tenantId = @tenantId
ORDER BY linkedAt DESC, payoutId DESC
LIMIT @limit;
