import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { refTo } from '../accounting/operation';
import type { PlannedOperation } from '../accounting/plan';
import { publishEntityEvent } from '../messaging/entity-events';
import type { MessagePublisher } from '../messaging/publisher';
import type { Ledger, LedgerEntry, WaitList } from '../stores/ports';
import type { StripeReader } from '../stripe/ports';
import type { Recorder } from './record';
import { parseRef, type PlanRef } from './ref-resolver';
import type { MissingRef } from './resolve-refs';

/**
 * Stage `wait` (DESIGN section 7, `waiting`): a plan needs an object another consumer owns, and it is not posted
 * yet. Waiting for it is a state, not a failure: the event goes into the durable wait-list, the dependency is asked
 * for once (the wait-list says who asks, not an instance's memory), the event is audited `waiting`, and the push is
 * acknowledged. A wait never spends a delivery attempt, so it cannot dead-letter however long the owner's backlog
 * is: a credit note waiting 86 s for its customer behind QBO's throttle used up all ten attempts when waits were
 * retries. When the dependency's create commits, its consumer republishes the waiters (`release`); replay sweeps
 * what a crash in between leaves, re-asks for stale ones and parks those past the tenant's limit.
 */
export interface DependencyWaitsDeps {
  waitList: WaitList;
  ledger: Pick<Ledger, 'get'>;
  /** Where a dependency is asked for: Stripe's current object, published to its owner's topic. None: not asked. */
  stripe: StripeReader | undefined;
  publisher: MessagePublisher;
  topicPrefix: string;
  recorder: Pick<Recorder, 'audit'>;
  now(): Date;
}

/** How a dependency is named in the wait-list: the plan's `$ref` without a field (`invoice:in_…`). */
export function dependencyName(ref: Pick<PlanRef, 'kind' | 'stripeId'>): string {
  return `${ref.kind}:${ref.stripeId}`;
}

/** The dependency a create writes, named as the plans that wait for it name it (`refTo` lower-cases the entity). */
export function dependencyWrittenBy(operation: Pick<PlannedOperation, 'entity' | 'stripeId'>): string {
  return refTo(operation.entity, operation.stripeId).$ref;
}

/** `customer:cus_…` → its kind and Stripe id. */
export function parseDependency(dependency: string): PlanRef {
  return parseRef(dependency);
}

const AUDIT_RECORD_ID_MAX = 200;

export function createDependencyWaits(deps: DependencyWaitsDeps) {
  /**
   * Holds `event` for what `missing` names. Answers `posted` when the dependency turns out to have been committed
   * meanwhile (the caller resolves again), else `waiting` once the wait is durable and audited. `askWhileLeased`:
   * ask for it even while someone holds a live lease on it (that someone may be dead).
   */
  async function hold(
    tenant: TenantSettings,
    event: NormalizedEvent,
    missing: MissingRef,
    options: { askWhileLeased?: boolean } = {},
  ): Promise<'waiting' | 'posted'> {
    const { tenantId } = tenant;
    const dependency = dependencyName(missing.ref);
    const now = deps.now();
    const { request } = await deps.waitList.add(
      { tenantId, dependency, eventId: event.eventId, event },
      now.toISOString(),
    );
    // Read again now that the wait is recorded: a commit between the first read and the record looked for waiters
    // before this one was there, and would never republish it.
    const owner = await deps.ledger.get({ tenantId, stripeId: missing.ref.stripeId, operation: 'create' });
    if (owner?.state === 'posted') {
      await deps.waitList.remove(tenantId, dependency, [event.eventId]);
      return 'posted';
    }
    if (request)
      await requestDependency(tenant, missing.ref, dependency, options.askWhileLeased ? undefined : owner, now);
    await deps.recorder.audit(event, {
      outcome: 'waiting',
      reason: 'dependency_pending',
      detail: dependency,
      // One row per dependency waited for: an event can wait for its invoice, then for the invoice's customer.
      recordId: `${event.eventId}:${event.objectId}:waiting:${dependency}`.slice(0, AUDIT_RECORD_ID_MAX),
    });
    return 'waiting';
  }

  async function requestDependency(
    tenant: TenantSettings,
    ref: PlanRef,
    dependency: string,
    owner: LedgerEntry | undefined,
    now: Date,
  ): Promise<void> {
    // Its owner holds a live lease: it is being written now, and that commit republishes the waiters.
    if (owner?.state === 'pending' && owner.leaseExpiresAt > now.getTime()) return;
    if (!deps.stripe) return;
    try {
      // Stripe not having it (undefined) leaves the wait as it is: replay parks it as dependency_missing.
      const fetched = await deps.stripe.fetchDependency(tenant, { kind: ref.kind, stripeId: ref.stripeId });
      if (fetched) await publishEntityEvent(deps.publisher, deps.topicPrefix, fetched);
    } catch (error) {
      // Not asked after all: take the claim back so this event's redelivery (a real failure, 503) asks again.
      await deps.waitList.setRequested(tenant.tenantId, dependency, null).catch(() => undefined);
      throw error;
    }
  }

  /**
   * The dependency is posted: its waiters go out again as new messages, each with a fresh delivery budget, and
   * leave the wait-list once published (a crash in between republishes them twice; the ledger makes that a no-op).
   */
  async function release(tenantId: string, dependency: string): Promise<number> {
    const waiters = await deps.waitList.waiters(tenantId, dependency);
    if (waiters.length === 0) return 0;
    await Promise.all(
      waiters.map((wait) => publishEntityEvent(deps.publisher, deps.topicPrefix, wait.event as NormalizedEvent)),
    );
    await deps.waitList.remove(
      tenantId,
      dependency,
      waiters.map((wait) => wait.eventId),
    );
    return waiters.length;
  }

  return { hold, release };
}

export type DependencyWaits = ReturnType<typeof createDependencyWaits>;
