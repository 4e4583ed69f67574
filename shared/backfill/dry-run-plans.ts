import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { ledgerKeyOf } from '../catalogue/event-catalogue';
import { enrich } from '../consumers/enrich';
import { planEvent } from '../consumers/plan';
import { createRecorder, reviewIdFor } from '../consumers/record';
import type { AuditSink, Ledger, ReviewQueue } from '../stores/ports';
import type { StripeReader } from '../stripe/ports';
import { isHandledEventType } from '../stripe/event-types';

/**
 * What a dry-run backfill (a test run) leaves for a person to check: each event planned by the consumer's own
 * stages — enrich (its Stripe reads) and plan (the recipe, then the dry-run gate) — so the plan is parked in the
 * review queue as a `dry_run` item whose proposal is the exact QBO payload, as a tenant with `flags.dryRun` does.
 * Nothing is posted and nothing is published. An event needs no plan when the ledger already holds its write, and
 * one already open in the review queue keeps its own reason (a dry run must not overwrite a real rejection).
 */
export type DryRunResult = 'planned' | 'already_posted' | 'already_parked' | 'skipped' | 'parked' | 'approved';

export interface DryRunPlannerDeps {
  functionName: string;
  ledger: Pick<Ledger, 'get'>;
  reviewQueue: ReviewQueue;
  audit: AuditSink;
  /** The consumers' Stripe reads; without one, payouts and basil charges park as the consumer would without it. */
  stripe?: StripeReader;
  now: () => Date;
}

export type DryRunPlanner = (event: NormalizedEvent, tenant: TenantSettings) => Promise<DryRunResult>;

export function createDryRunPlanner(deps: DryRunPlannerDeps): DryRunPlanner {
  const recorder = createRecorder({
    functionName: deps.functionName,
    audit: deps.audit,
    reviewQueue: deps.reviewQueue,
    now: deps.now,
  });
  return async (event, tenant) => {
    const key = isHandledEventType(event.type)
      ? ledgerKeyOf({ type: event.type, objectId: event.objectId })
      : undefined;
    if (key && (await deps.ledger.get({ tenantId: tenant.tenantId, ...key }))?.state === 'posted')
      return 'already_posted';
    if ((await deps.reviewQueue.get(reviewIdFor(event)))?.status === 'open') return 'already_parked';
    const enriched = await enrich(event, tenant, deps.stripe);
    const dryRun = { ...tenant, flags: { ...tenant.flags, dryRun: true } };
    const planning = await planEvent(event, enriched, dryRun, { recorder, reviewQueue: deps.reviewQueue });
    // Ready means a person already approved this very event: the consumer posts it, the dry run has nothing to add.
    if (planning.ready) return 'approved';
    return planning.outcome === 'planned' ? 'planned' : planning.outcome === 'skipped' ? 'skipped' : 'parked';
  };
}
