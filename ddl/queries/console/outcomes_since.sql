-- The latest decision per Stripe object since @since (TIMESTAMP) for @tenantId (STRING, NULL for every tenant):
-- what the console's bulk actions report once the objects they sent through the pipeline again are decided.
SELECT tenantId, stripeId, outcome, reason, recordedAt
FROM `${project}.${dataset}.audit_records`
WHERE recordedAt >= @since
  AND (@tenantId IS NULL OR tenantId = @tenantId)
  AND stripeId IS NOT NULL
  AND outcome IN ('posted', 'skipped', 'parked', 'planned', 'failed', 'dead_lettered')
QUALIFY ROW_NUMBER() OVER (PARTITION BY tenantId, stripeId ORDER BY recordedAt DESC, recordId DESC) = 1;
