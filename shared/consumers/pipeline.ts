import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { classifyError, RetryableError } from '../errors';
import type { PushDelivery } from '../messaging/push-envelope';
import type { LedgerEntry, Stores } from '../stores/ports';
import { admit } from './admit';
import type { StripeReader } from '../stripe/ports';
import { enrich } from './enrich';
import type { Executor } from './execute';
import { planEvent, type PlanStep } from './plan';
import type { QboWriter } from './qbo-port';
import type { Recorder, SyncOutcome } from './record';
import { substituteRefs } from './ref-resolver';
import type { createRefResolver } from './resolve-refs';
import { verifyWrite } from './verify';
import { dependencyWrittenBy, parseDependency, type DependencyWaits } from './wait';
import type { OperationOutcome, WriteContext } from './write-protocol';

export interface PipelineDeps {
  stores: Pick<Stores, 'tenants' | 'reviewQueue' | 'ledger'>;
  recorder: Recorder;
  stripe: StripeReader | undefined;
  resolveRefs: ReturnType<typeof createRefResolver>;
  waits: DependencyWaits;
  executor: Executor;
  qboFor(tenant: TenantSettings): Promise<QboWriter>;
}

/** A plan needs at most this many dependencies resolved in a row; more means the ledger keeps contradicting itself. */
const MAX_HOLDS_PER_STEP = 4;

/**
 * One event through the consumer's stages, in order (DESIGN section 2: plan → resolve refs → post → verify →
 * link): admit → enrich → plan → for each step: resolve-refs (→ wait) → execute → verify → record (→ release the
 * waiters of what it created). A stage that finishes the event (skipped, parked, held for approval, waiting for a
 * dependency) records why and ends the run; a stage that throws leaves the decision to the failure policy. Throws
 * RetryableError when Pub/Sub should redeliver.
 */
export function createSyncPipeline(deps: PipelineDeps) {
  const { recorder } = deps;

  /** Runs one step; `waiting` when it is held for a dependency (the rest of the plan waits with it). */
  async function runStep(
    delivered: NormalizedEvent,
    step: PlanStep,
    tenant: TenantSettings,
    context: WriteContext,
    written: Map<string, LedgerEntry>,
  ): Promise<'done' | 'waiting'> {
    const { operation } = step;
    let resolution = await deps.resolveRefs(tenant, context.qbo, operation, written);
    for (let holds = 0; resolution.kind === 'missing'; holds += 1) {
      if (holds >= MAX_HOLDS_PER_STEP)
        throw new RetryableError(`${resolution.text} keeps going missing`, {
          code: 'dependency_pending',
          detail: resolution.text,
        });
      if ((await deps.waits.hold(tenant, delivered, resolution)) === 'waiting') return 'waiting';
      // Committed while the wait was being recorded: resolve again, the ledger has it now.
      resolution = await deps.resolveRefs(tenant, context.qbo, operation, written);
    }
    if (resolution.kind === 'nothing_to_reverse') {
      await recorder.nothingToReverse(step);
      return 'done';
    }
    const body = substituteRefs(operation.body, resolution.ids) as Record<string, unknown>;
    const targetId = operation.target ? resolution.ids.get(operation.target.$ref) : undefined;
    const started = Date.now();
    const outcome = await executeOrHold(delivered, step, tenant, context, body, targetId);
    if (outcome === 'waiting') return 'waiting';
    if (operation.operation === 'create') written.set(operation.stripeId, outcome.entry);
    // A mismatch throws here: before the link record and the `posted` row (the failure policy parks it instead),
    // after the ledger commit. The ledger stays `posted` with the QBO id on purpose: it answers "is this Stripe
    // write in QBO?", and it is, exactly once. `failed` would let a redelivery reserve and post a second object;
    // `pending` would make every redelivery probe QBO and adopt it again without the ledger ever holding its id.
    // Whether that object is right is the review queue's question: the open totals_mismatch item, which a
    // redelivery does not settle (record.ts).
    verifyWrite(operation, outcome);
    await recorder.write(step, tenant, outcome, Date.now() - started);
    // Whoever waits for what this create wrote goes out again. Also when the ledger had it already: the attempt
    // that committed it may have died before it got here (replay sweeps what no redelivery comes back for).
    if (operation.operation === 'create') await deps.waits.release(tenant.tenantId, dependencyWrittenBy(operation));
    return 'done';
  }

  /**
   * An ensure step whose customer another event is writing right now (`leased_elsewhere`) waits for that write like
   * for any other dependency, instead of spending a delivery attempt: the writer's commit republishes it. The event's
   * own writes stay retryable, because a lease on them may be this very message's crashed attempt, which only its
   * redelivery takes over. For the same reason the customer is asked for even though it is leased: if the writer
   * died, sync-customer takes its lease over once it expires.
   */
  async function executeOrHold(
    delivered: NormalizedEvent,
    step: PlanStep,
    tenant: TenantSettings,
    context: WriteContext,
    body: Record<string, unknown>,
    targetId: string | undefined,
  ): Promise<OperationOutcome | 'waiting'> {
    const { operation } = step;
    try {
      return await deps.executor.execute(context, operation, body, targetId);
    } catch (error) {
      if (!step.ensure || classifyError(error).code !== 'leased_elsewhere') throw error;
      const text = dependencyWrittenBy(operation);
      const missing = { kind: 'missing', text, ref: parseDependency(text), owner: undefined } as const;
      if ((await deps.waits.hold(tenant, delivered, missing, { askWhileLeased: true })) === 'waiting') return 'waiting';
      return deps.executor.execute(context, operation, body, targetId);
    }
  }

  return async function syncEvent(
    event: NormalizedEvent,
    delivery: Pick<PushDelivery, 'deliveryAttempt'>,
  ): Promise<SyncOutcome> {
    const admission = await admit(event, { tenants: deps.stores.tenants, recorder });
    if (!admission.admitted) return admission.outcome;
    const { tenant } = admission;
    const enriched = await enrich(event, tenant, deps.stripe, deps.stores.ledger);
    const planning = await planEvent(event, enriched, tenant, { recorder, reviewQueue: deps.stores.reviewQueue });
    if (!planning.ready) return planning.outcome;
    const context = deps.executor.writeContext(tenant, await deps.qboFor(tenant), event, delivery.deliveryAttempt);
    const written = new Map<string, LedgerEntry>();
    for (const step of planning.steps)
      if ((await runStep(event, step, tenant, context, written)) === 'waiting') return 'waiting';
    await recorder.settleReview(event);
    return 'posted';
  };
}

export type SyncPipeline = ReturnType<typeof createSyncPipeline>;
