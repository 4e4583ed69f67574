import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { Validators } from '../../schemas/validators';
import { DEPENDENCY_KINDS, isDependencyKind } from '../catalogue/dependency-kinds';
import { reviewIdFor } from '../consumers/record';
import { parseDependency } from '../consumers/wait';
import { classifyError } from '../errors';
import { normalizeDependency } from '../ingest/normalize';
import { publishEntityEvent } from '../messaging/entity-events';
import type { MessagePublisher } from '../messaging/publisher';
import type { Logger } from '../observability/logger';
import type { AuditSink, DependencyWait, Ledger, ReviewQueue, WaitList } from '../stores/ports';
import type { StripeApiClient } from '../stripe/ports';

/** How long an event may wait for its dependency unless the tenant says otherwise (`dependencyWaitDays`). */
export const DEFAULT_DEPENDENCY_WAIT_DAYS = 7;
/** A dependency asked for longer ago than this is asked for again: its request may have been lost with its message. */
export const DEPENDENCY_REQUEST_STALE_MS = 60 * 60_000;

const DAY_MS = 24 * 60 * 60_000;

export interface WaitSweepDeps {
  functionName: string;
  waitList: WaitList;
  ledger: Pick<Ledger, 'get'>;
  reviewQueue: Pick<ReviewQueue, 'park'>;
  publisher: MessagePublisher;
  audit: AuditSink;
  validators: Pick<Validators, 'normalizedEvent'>;
  /** The tenant's Stripe client, built only when a wait needs Stripe. */
  stripe(): Promise<StripeApiClient>;
  logger: Logger;
  topicPrefix: string;
  now: () => Date;
}

export interface WaitSweepSummary {
  /** Events still waiting after the sweep. */
  waiting: number;
  /** Republished because their dependency is posted (its consumer died between commit and republish). */
  released: number;
  /** Dependencies asked for again. */
  requested: number;
  /** Events parked for review as `dependency_missing`. */
  parked: number;
  /** Dependencies the sweep could not settle this time (a Stripe or store failure): the next sweep tries again. */
  failed: number;
}

/**
 * Replay's sweep of the wait-list (DESIGN sections 7 and 8), per dependency: posted → republish its waiters (a
 * crash between the owner's commit and its republish left them); waiting past the tenant's limit, or Stripe has no
 * such object → park every waiter for review as `dependency_missing`, never the dead-letter topic; asked for more
 * than an hour ago → ask again. The rest keep waiting.
 */
export async function sweepWaits(deps: WaitSweepDeps, tenant: TenantSettings): Promise<WaitSweepSummary> {
  const summary: WaitSweepSummary = { waiting: 0, released: 0, requested: 0, parked: 0, failed: 0 };
  const byDependency = new Map<string, DependencyWait[]>();
  for (const wait of await deps.waitList.list(tenant.tenantId))
    byDependency.set(wait.dependency, [...(byDependency.get(wait.dependency) ?? []), wait]);
  const limitMs = (tenant.dependencyWaitDays ?? DEFAULT_DEPENDENCY_WAIT_DAYS) * DAY_MS;
  for (const [dependency, waits] of byDependency) {
    try {
      const outcome = await sweepDependency(deps, tenant, dependency, waits, limitMs);
      summary[outcome] += outcome === 'requested' ? 1 : waits.length;
      if (outcome === 'requested') summary.waiting += waits.length;
    } catch (error) {
      summary.failed += 1;
      summary.waiting += waits.length;
      deps.logger.warn(
        { tenantId: tenant.tenantId, dependency, reason: classifyError(error).code },
        'wait sweep: dependency not settled',
      );
    }
  }
  return summary;
}

async function sweepDependency(
  deps: WaitSweepDeps,
  tenant: TenantSettings,
  dependency: string,
  waits: DependencyWait[],
  limitMs: number,
): Promise<'released' | 'parked' | 'requested' | 'waiting'> {
  const { tenantId } = tenant;
  const ref = parseDependency(dependency);
  const now = deps.now();
  const owner = await deps.ledger.get({ tenantId, stripeId: ref.stripeId, operation: 'create' });
  if (owner?.state === 'posted') {
    await Promise.all(waits.map((wait) => republish(deps, wait)));
    await deps.waitList.remove(tenantId, dependency, eventIdsOf(waits));
    return 'released';
  }
  const oldest = Math.min(...waits.map((wait) => Date.parse(wait.since)));
  if (now.getTime() - oldest > limitMs) {
    const days = Math.round(limitMs / DAY_MS);
    await parkAll(deps, tenant, dependency, waits, `${dependency} not posted after ${days} days`);
    return 'parked';
  }
  const lastAsked = Math.max(0, ...waits.map((wait) => (wait.requestedAt ? Date.parse(wait.requestedAt) : 0)));
  const writing = owner?.state === 'pending' && owner.leaseExpiresAt > now.getTime();
  if (writing || now.getTime() - lastAsked < DEPENDENCY_REQUEST_STALE_MS || !isDependencyKind(ref.kind))
    return 'waiting';
  const object = await (await deps.stripe()).retrieveObject(DEPENDENCY_KINDS[ref.kind].path, ref.stripeId);
  if (object === undefined) {
    await parkAll(deps, tenant, dependency, waits, `Stripe has no ${dependency}`);
    return 'parked';
  }
  const event = normalizeDependency({ kind: ref.kind, stripeId: ref.stripeId }, object, {
    tenantId,
    stripeAccount: tenant.stripe.accountId,
    now,
  });
  if (!event) return 'waiting';
  await publishEntityEvent(deps.publisher, deps.topicPrefix, event);
  await deps.waitList.setRequested(tenantId, dependency, now.toISOString());
  return 'requested';
}

const eventIdsOf = (waits: readonly DependencyWait[]) => waits.map((wait) => wait.eventId);

async function republish(deps: WaitSweepDeps, wait: DependencyWait): Promise<void> {
  // What the wait-list holds passed the consumer's door once; a record that no longer does is not sent again.
  if (deps.validators.normalizedEvent.is(wait.event))
    await publishEntityEvent(deps.publisher, deps.topicPrefix, wait.event);
}

/** Every waiter of the dependency into the review queue, with an audit row each, and out of the wait-list. */
async function parkAll(
  deps: WaitSweepDeps,
  tenant: TenantSettings,
  dependency: string,
  waits: DependencyWait[],
  detail: string,
): Promise<void> {
  const recordedAt = deps.now().toISOString();
  for (const wait of waits) {
    const event = wait.event as NormalizedEvent;
    await deps.reviewQueue.park(
      {
        reviewId: reviewIdFor(event),
        tenantId: tenant.tenantId,
        stripeId: event.objectId,
        entity: event.entity,
        reason: 'dependency_missing',
        failureClass: 'rejected',
        detail,
        event,
        proposal: null,
      },
      recordedAt,
    );
    await deps.audit.record({
      schemaVersion: 1,
      recordId: `${event.eventId}:${event.objectId}:parked:dependency_missing`.slice(0, 200),
      recordedAt,
      tenantId: tenant.tenantId,
      function: deps.functionName,
      outcome: 'parked',
      reason: 'dependency_missing',
      failureClass: 'rejected',
      eventId: event.eventId,
      eventType: event.type,
      source: event.source,
      entity: event.entity,
      stripeId: event.objectId,
      detail,
    });
  }
  await deps.waitList.remove(tenant.tenantId, dependency, eventIdsOf(waits));
}
