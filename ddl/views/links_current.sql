-- The latest link per tenant, Stripe object and QBO entity kind: what QBO holds for each Stripe id now.
-- A later `void`/`delete` supersedes the `create`; `isActive` says whether the QBO object still counts.
CREATE OR REPLACE VIEW `${project}.${dataset}.links_current` AS
SELECT
  l.*,
  l.operation NOT IN ('void', 'delete') AS isActive
FROM `${project}.${dataset}.link_records` AS l
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (
  PARTITION BY l.tenantId, l.stripeId, l.qboEntity
  ORDER BY l.linkedAt DESC, l.qboId DESC
) = 1;
