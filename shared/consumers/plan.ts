import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { buildPlan, type Plan, type PlannedOperation } from '../accounting/plan';
import { PermanentError, SettingsIncompleteError } from '../errors';
import type { ReviewQueue } from '../stores/ports';
import type { Enrichment } from './enrich';
import { reviewIdFor, type Recorder, type SyncOutcome } from './record';
import { collectRefs } from './ref-resolver';

/** One QBO write of the plan, in the order the pipeline runs it. */
export interface PlanStep {
  operation: PlannedOperation;
  /** The event its audit and link rows name: the one delivered, or for an ensure step the customer event. */
  event: NormalizedEvent;
  /**
   * An ensure step writes what the ledger does not hold yet and says nothing when it does: a customer created from
   * the snapshot of the document that needs it (DESIGN section 2: any consumer may ensure a Customer).
   */
  ensure: boolean;
}

/** Where `plan` leaves an event: steps to run, or finished with what was recorded. */
export type Planning = { ready: true; steps: PlanStep[] } | { ready: false; outcome: SyncOutcome };

export interface PlannerDeps {
  recorder: Pick<Recorder, 'audit' | 'park'>;
  reviewQueue: Pick<ReviewQueue, 'get'>;
}

/**
 * Stage `plan`: the accounting recipe's plan (buildPlan), then the tenant's gate: `flags.dryRun` records the plan
 * and posts nothing, `flags.autoPost: false` parks it until a person approves it (DESIGN section 6). A plan that
 * passes gets an ensure step for each customer its documents reference, placed before the first of them.
 */
export async function planEvent(
  delivered: NormalizedEvent,
  enriched: Enrichment,
  tenant: TenantSettings,
  deps: PlannerDeps,
): Promise<Planning> {
  const { recorder } = deps;
  const plan = buildPlan({
    event: enriched.event,
    settings: tenant,
    ...(enriched.balanceTransactions ? { balanceTransactions: enriched.balanceTransactions } : {}),
  });
  if (plan.skipped) {
    await recorder.audit(delivered, { outcome: 'skipped', reason: plan.skipped.reason, failureClass: 'ignored' });
    return { ready: false, outcome: 'skipped' };
  }
  if (plan.parked) {
    const { reason, detail } = plan.parked;
    const error =
      reason === 'settings_incomplete'
        ? new SettingsIncompleteError(detail.split(',').map((key) => key.trim()))
        : new PermanentError(reason, { code: reason, detail });
    await recorder.park(delivered, error, plan, reason);
    await recorder.audit(delivered, { outcome: 'parked', reason, failureClass: error.failureClass, detail });
    return { ready: false, outcome: 'parked' };
  }
  const held = await gate(delivered, plan, tenant, deps);
  if (held) return { ready: false, outcome: held };
  return { ready: true, steps: withEnsuredCustomers(delivered, tenant, plan.operations, enriched.customer) };
}

/** The dry-run / approval gate: the outcome when the plan is held, undefined when it may post. */
async function gate(
  event: NormalizedEvent,
  plan: Plan,
  tenant: TenantSettings,
  deps: PlannerDeps,
): Promise<SyncOutcome | undefined> {
  if (!tenant.flags.dryRun && tenant.flags.autoPost) return undefined;
  if ((await deps.reviewQueue.get(reviewIdFor(event)))?.status === 'approved') return undefined;
  const reason = tenant.flags.dryRun ? 'dry_run' : 'awaiting_approval';
  const detail = `${plan.operations.length} operation(s) planned`;
  await deps.recorder.park(event, new PermanentError(reason, { code: reason, detail }), plan, reason);
  await deps.recorder.audit(event, { outcome: tenant.flags.dryRun ? 'planned' : 'parked', reason, detail });
  return tenant.flags.dryRun ? 'planned' : 'parked';
}

/**
 * The plan's steps with a customer ensured before the first document that references it, when the delivered
 * snapshot describes that customer (an invoice names its customer, a charge has billing details) or enrich fetched
 * it from Stripe (`fetchedCustomer`). Without either the reference waits for sync-customer instead (wait.ts). Pure:
 * whether the customer is already in QBO is the ledger's to say when the step runs.
 */
export function withEnsuredCustomers(
  event: NormalizedEvent,
  tenant: TenantSettings,
  operations: readonly PlannedOperation[],
  fetchedCustomer?: Record<string, unknown>,
): PlanStep[] {
  const steps: PlanStep[] = [];
  const considered = new Set<string>();
  for (const operation of operations) {
    for (const ref of collectRefs(operation.body).values()) {
      if (ref.kind !== 'customer' || considered.has(ref.stripeId)) continue;
      considered.add(ref.stripeId);
      const ensure = customerStepFromSnapshot(event, tenant, ref.stripeId, fetchedCustomer);
      if (ensure) steps.push(ensure);
    }
    steps.push({ operation, event, ensure: false });
  }
  return steps;
}

/**
 * The customer the snapshot describes, or Stripe's own object of it, planned as its own customer.created would be
 * (same requestId, same body).
 */
function customerStepFromSnapshot(
  event: NormalizedEvent,
  tenant: TenantSettings,
  customerId: string,
  fetchedCustomer: Record<string, unknown> | undefined,
): PlanStep | undefined {
  const snapshot =
    customerSnapshotFrom(event.object as Record<string, unknown>, customerId) ??
    (fetchedCustomer?.id === customerId ? fetchedCustomer : undefined);
  if (!snapshot) return undefined;
  const customerEvent: NormalizedEvent = {
    ...event,
    type: 'customer.created',
    entity: 'customer',
    objectId: customerId,
    object: snapshot as NormalizedEvent['object'],
  };
  // A customer before the go-live cutoff plans nothing: the document then waits for the customer's own sync.
  const create = buildPlan({ event: customerEvent, settings: tenant }).operations.find(
    (operation) => operation.entity === 'Customer',
  );
  return create ? { operation: create, event: customerEvent, ensure: true } : undefined;
}

/** Whether the object's own snapshot says enough to create its customer (so enrich need not fetch it). */
export function snapshotDescribesCustomer(object: Record<string, unknown>): boolean {
  const customerId = typeof object.customer === 'string' ? object.customer : 'customer';
  return customerSnapshotFrom(object, customerId) !== undefined;
}

/** Stripe objects whose snapshot carries enough to create their customer (name, email, currency). */
function customerSnapshotFrom(
  object: Record<string, unknown>,
  customerId: string,
): Record<string, unknown> | undefined {
  if (object.object === 'invoice')
    return {
      id: customerId,
      object: 'customer',
      name: object.customer_name ?? null,
      email: object.customer_email ?? null,
      created: object.created,
      currency: object.currency,
    };
  const billing = object.billing_details as Record<string, unknown> | undefined;
  if (object.object === 'charge' && billing)
    return {
      id: customerId,
      object: 'customer',
      name: billing.name ?? null,
      email: billing.email ?? object.receipt_email ?? null,
      created: object.created,
      currency: object.currency,
    };
  return undefined;
}
