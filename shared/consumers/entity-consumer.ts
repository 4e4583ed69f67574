import { randomUUID } from 'node:crypto';
import type { Request, Response } from '@google-cloud/functions-framework';
import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { Validators } from '../../schemas/validators';
import type { AuditRecord } from '../../schemas/audit-record.schema';
import { buildPlan, type Plan, type PlannedOperation } from '../accounting/plan';
import { refId } from '../accounting/stripe-fields';
import {
  AuthError,
  classifyError,
  PermanentError,
  RetryableError,
  SettingsIncompleteError,
  type SyncError,
} from '../errors';
import type { MessagePublisher } from '../messaging/publisher';
import { parsePushEnvelope, type PushDelivery } from '../messaging/push-envelope';
import { ENTITY_TOPIC, topicName, type Entity } from '../messaging/topics';
import type { Logger } from '../observability/logger';
import { qboEntityName } from '../qbo/entities';
import type { AuditSink, LedgerEntry, Stores } from '../stores/ports';
import type { StripeReader } from '../stripe/ports';
import { CustomerDirectory } from './customer-directory';
import { customerEmailClaims } from './customer-email-claims';
import { customerMatcher, emailOf } from './customer-matching';
import { createProductItemLookup } from './product-items';
import type { QboWriter } from './qbo-port';
import { collectRefs, substituteRefs, type PlanRef } from './ref-resolver';
import { verifyTotal, writeOnce, type WriteContext } from './write-protocol';

export type { StripeReader } from '../stripe/ports';

export interface ConsumerDeps {
  entity: Entity;
  functionName: string;
  logger: Logger;
  validators: Validators;
  stores: Stores;
  audit: AuditSink;
  publisher: MessagePublisher;
  topicPrefix: string;
  qboFor(tenant: TenantSettings): Promise<QboWriter>;
  stripe?: StripeReader;
  now(): Date;
  /** Identifies this instance as a lease owner. */
  instanceId: string;
  /** The subscription's maxDeliveryAttempts: the attempt that reaches it is audited as dead-lettered. */
  maxDeliveryAttempts?: number;
  /**
   * How long one attempt holds an object (write-protocol LEASE_MS by default). It must stay shorter than the time
   * Pub/Sub takes to run out of redeliveries, or a crashed attempt's lease outlives every retry of its message.
   */
  leaseMs?: number;
}

/** A dependency requested less than this long ago is not requested again by the same instance. */
const DEPENDENCY_REQUEST_QUIET_MS = 30_000;

/** Where a consumer's run for one event ended (tests and the demo read it; Pub/Sub only sees the status). */
export type SyncOutcome = 'posted' | 'skipped' | 'parked' | 'failed' | 'planned';

/** Stripe objects whose snapshot carries enough to create their customer inline (DESIGN: any consumer may). */
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

function reviewIdFor(event: NormalizedEvent): string {
  return `${event.tenantId}:${event.objectId}:${event.type}`;
}

export function createEntityConsumer(deps: ConsumerDeps) {
  const maxAttempts = deps.maxDeliveryAttempts ?? 10;

  const audit = async (
    event: NormalizedEvent,
    fields: Partial<AuditRecord> & Pick<AuditRecord, 'outcome' | 'reason'>,
  ) => {
    const { outcome, reason, ...rest } = fields;
    const record: AuditRecord = {
      schemaVersion: 1,
      recordId: `${event.eventId}:${rest.stripeId ?? event.objectId}:${outcome}:${reason}`,
      recordedAt: deps.now().toISOString(),
      tenantId: event.tenantId,
      function: deps.functionName,
      outcome,
      reason,
      eventId: event.eventId,
      eventType: event.type,
      source: event.source,
      entity: event.entity,
      stripeId: event.objectId,
      ...rest,
    };
    await deps.audit.record(record);
  };

  const park = async (event: NormalizedEvent, error: SyncError, proposal: Plan | null, reason = error.code) => {
    await deps.stores.reviewQueue.park(
      {
        reviewId: reviewIdFor(event),
        tenantId: event.tenantId,
        stripeId: event.objectId,
        entity: event.entity,
        reason,
        failureClass: error.failureClass,
        detail: error.detail ?? error.message,
        event,
        proposal,
      },
      deps.now().toISOString(),
    );
  };

  const recentDependencyRequests = new Map<string, number>();
  const customers = new CustomerDirectory({ now: () => deps.now().getTime() });
  const emailClaims = customerEmailClaims(deps.stores.syncState, () => deps.now().getTime());
  const stripe = deps.stripe;
  const itemForProduct = createProductItemLookup({
    productName: stripe ? (tenant, productId) => stripe.productName(tenant, productId) : undefined,
    now: () => deps.now().getTime(),
  });

  /**
   * Asks the owning consumer for an object this one needs. Every retry of every dependent would otherwise publish
   * another copy: skip it while the owner is writing it (a live pending lease) or this instance asked recently.
   */
  async function requestDependency(
    tenant: TenantSettings,
    ref: PlanRef,
    entry: LedgerEntry | undefined,
  ): Promise<void> {
    const now = deps.now().getTime();
    const requestKey = `${tenant.tenantId}:${ref.kind}:${ref.stripeId}`;
    const requestedAt = recentDependencyRequests.get(requestKey);
    if (requestedAt !== undefined && now - requestedAt < DEPENDENCY_REQUEST_QUIET_MS) return;
    if (entry?.state === 'pending' && entry.leaseExpiresAt > now) return;
    const dependency = deps.stripe ? await deps.stripe.fetchDependency(tenant, ref) : undefined;
    if (!dependency) return;
    await deps.publisher.publish(topicName(deps.topicPrefix, ENTITY_TOPIC[dependency.entity]), dependency, {
      orderingKey: dependency.objectId,
      attributes: {
        tenantId: dependency.tenantId,
        entity: dependency.entity,
        eventType: dependency.type,
        source: 'dependency',
      },
    });
    if (recentDependencyRequests.size > 10_000) recentDependencyRequests.clear();
    recentDependencyRequests.set(requestKey, now);
  }

  async function ensureCustomerFromSnapshot(
    event: NormalizedEvent,
    tenant: TenantSettings,
    context: WriteContext,
    customerId: string,
  ) {
    const snapshot = customerSnapshotFrom(event.object as Record<string, unknown>, customerId);
    if (!snapshot) return undefined;
    const customerEvent: NormalizedEvent = {
      ...event,
      type: 'customer.created',
      entity: 'customer',
      objectId: customerId,
      object: snapshot as NormalizedEvent['object'],
    };
    const plan = buildPlan({ event: customerEvent, settings: tenant });
    const create = plan.operations.find((operation) => operation.entity === 'Customer');
    if (!create) return undefined;
    const outcome = await executeOperation(customerEvent, tenant, context, create, new Map());
    return outcome?.entry.qboId;
  }

  async function resolveRefs(
    event: NormalizedEvent,
    tenant: TenantSettings,
    context: WriteContext,
    operation: PlannedOperation,
  ) {
    const refs = collectRefs(operation.body);
    if (operation.target) collectRefs(operation.target, refs);
    const resolved = new Map<string, string>();
    for (const [text, ref] of refs) {
      if (ref.kind === 'item') {
        // An unmapped Stripe product: no Stripe object we post, but the QBO item of its name, else defaultItem.
        resolved.set(text, await itemForProduct(tenant, context.qbo, ref.stripeId));
        continue;
      }
      // One ledger read answers all three questions: is it posted, is someone writing it, what is its customer.
      const owner = await deps.stores.ledger.get({
        tenantId: tenant.tenantId,
        stripeId: ref.stripeId,
        operation: 'create',
      });
      let id = owner?.state === 'posted' ? owner.qboId : undefined;
      if (id === undefined && ref.kind === 'customer')
        id = await ensureCustomerFromSnapshot(event, tenant, context, ref.stripeId);
      if (id === undefined) {
        // A reversal of something never posted has nothing to reverse (a payout that failed before it was paid).
        if (operation.target?.$ref === text && operation.operation === 'create') return 'nothing_to_reverse' as const;
        await requestDependency(tenant, { kind: ref.kind, stripeId: ref.stripeId }, owner);
        throw new RetryableError(`waiting for ${text}`, {
          code: 'dependency_pending',
          detail: text,
          retryAfterMs: 2_000,
        });
      }
      if (ref.field) {
        // e.g. the customer of a basil invoice payment: the ledger kept it when the invoice was posted; entries
        // from before it did are read off the QBO invoice we linked.
        let value: unknown = ref.field === 'CustomerRef' ? owner?.qboCustomerId : undefined;
        if (value === undefined) {
          // `invoice` → `Invoice`: a lower-case kind is not an envelope key the client could read the answer by.
          const entity = qboEntityName(ref.kind);
          if (!entity) throw new PermanentError(`${text} names no QBO entity`, { code: 'malformed_ref', detail: text });
          const linked = await context.qbo.read(entity, id);
          value = (linked[ref.field] as { value?: unknown } | undefined)?.value;
        }
        if (typeof value !== 'string')
          throw new PermanentError(`${text} has no ${ref.field}`, { code: 'ref_field_missing', detail: text });
        id = value;
      }
      resolved.set(text, id);
    }
    return resolved;
  }

  async function executeOperation(
    event: NormalizedEvent,
    tenant: TenantSettings,
    context: WriteContext,
    operation: PlannedOperation,
    resolvedIn: Map<string, string> | undefined,
  ) {
    const resolution = resolvedIn ?? (await resolveRefs(event, tenant, context, operation));
    if (resolution === 'nothing_to_reverse') {
      await audit(event, {
        outcome: 'skipped',
        reason: 'nothing_to_reverse',
        stripeId: operation.stripeId,
        failureClass: 'ignored',
      });
      return undefined;
    }
    const resolved = resolution;
    const body = substituteRefs(operation.body, resolved) as Record<string, unknown>;
    const targetId = operation.target ? resolved.get(operation.target.$ref) : undefined;
    const started = Date.now();
    const realmKey = `${tenant.tenantId}:${tenant.qbo.realmId}`;
    const creatingCustomer = operation.entity === 'Customer' && operation.operation === 'create';
    const email = creatingCustomer ? emailOf(body) : undefined;
    const matcher = creatingCustomer
      ? async () => {
          const found = await customerMatcher(customers.lookupFor(realmKey, context.qbo), body, operation.stripeId)();
          return found ?? (email ? emailClaims.claim(realmKey, email, operation.stripeId) : undefined);
        }
      : undefined;
    const outcome = await writeOnce(context, operation, body, targetId, matcher);
    if (outcome.kind === 'posted' && creatingCustomer) {
      customers.remember(realmKey, outcome.qbo);
      // Linked or created, this is the QBO customer for the email from now on.
      if (email) await emailClaims.created(realmKey, email, operation.stripeId, String(outcome.qbo.Id));
    }
    const base = {
      stripeId: operation.stripeId,
      qboEntity: operation.entity,
      realmId: tenant.qbo.realmId,
      currency: operation.currency,
    };
    if (outcome.kind === 'already_posted') {
      await audit(event, {
        outcome: 'skipped',
        reason: 'already_linked',
        ...base,
        ...(outcome.entry.qboId ? { qboId: outcome.entry.qboId } : {}),
      });
      return outcome;
    }
    const qboId = String(outcome.qbo.Id);
    await deps.audit.link({
      schemaVersion: 1,
      tenantId: tenant.tenantId,
      realmId: tenant.qbo.realmId,
      stripeId: operation.stripeId,
      stripeObject: operation.stripeObject,
      qboEntity: operation.entity,
      qboId,
      ...(outcome.qbo.SyncToken !== undefined ? { qboSyncToken: String(outcome.qbo.SyncToken) } : {}),
      operation: outcome.recovered && operation.operation === 'create' ? 'link' : operation.operation,
      ...(operation.docNumber ? { docNumber: operation.docNumber } : {}),
      ...(operation.txnDate ? { txnDate: operation.txnDate } : {}),
      ...(operation.expectedTotal !== undefined ? { amount: operation.expectedTotal } : {}),
      currency: operation.currency,
      eventId: event.eventId,
      linkedAt: deps.now().toISOString(),
    });
    await audit(event, {
      outcome: 'posted',
      reason: outcome.recovered ? 'recovered' : operation.operation === 'create' ? 'created' : operation.operation,
      ...base,
      qboId,
      ...(operation.expectedTotal !== undefined ? { amount: operation.expectedTotal } : {}),
      latencyMs: Date.now() - started,
    });
    verifyTotal(operation, outcome.qbo);
    return outcome;
  }

  /**
   * Basil+ charges dropped `invoice`, so `planCharge` cannot tell a standalone sale from an invoice payment that
   * `invoice_payment.paid` posts: the invoice payments of the charge's PaymentIntent say which. With no reader the
   * snapshot stays as Stripe sent it and the plan parks it.
   */
  async function withChargeInvoice(tenant: TenantSettings, event: NormalizedEvent): Promise<NormalizedEvent> {
    const charge = event.object as Record<string, unknown>;
    if (event.type !== 'charge.succeeded' || !stripe || 'invoice' in charge) return event;
    const paymentIntentId = refId(charge.payment_intent);
    if (paymentIntentId === undefined) return event;
    const invoice = await stripe.invoiceForPaymentIntent(tenant, paymentIntentId);
    return { ...event, object: { ...event.object, invoice } };
  }

  async function approvedByReviewer(event: NormalizedEvent): Promise<boolean> {
    const item = await deps.stores.reviewQueue.get(reviewIdFor(event));
    return item?.status === 'approved';
  }

  /** Runs one event through the pipeline stage; throws RetryableError when Pub/Sub should redeliver. */
  async function syncEvent(
    event: NormalizedEvent,
    delivery: Pick<PushDelivery, 'deliveryAttempt'>,
  ): Promise<SyncOutcome> {
    const tenant = await deps.stores.tenants.get(event.tenantId);
    if (!tenant) {
      await audit(event, { outcome: 'skipped', reason: 'unknown_tenant', failureClass: 'ignored' });
      return 'skipped';
    }
    if (!tenant.enabled) {
      await audit(event, { outcome: 'skipped', reason: 'tenant_disabled', failureClass: 'ignored' });
      return 'skipped';
    }
    if (tenant.status === 'needs_reauth') {
      const error = new AuthError('tenant needs a QBO reconnect', { code: 'auth', detail: 'needs_reauth' });
      await park(event, error, null, 'auth');
      await audit(event, { outcome: 'failed', reason: 'auth', failureClass: 'auth', detail: 'needs_reauth' });
      return 'failed';
    }
    let balanceTransactions: unknown[] | undefined;
    const payout = event.object as Record<string, unknown>;
    if (event.entity === 'payout' && deps.stripe && payout.automatic !== false && event.type !== 'payout.failed')
      balanceTransactions = await deps.stripe.listPayoutBalanceTransactions(tenant, event.objectId);
    const snapshot = await withChargeInvoice(tenant, event);
    const plan = buildPlan({
      event: snapshot,
      settings: tenant,
      ...(balanceTransactions ? { balanceTransactions } : {}),
    });
    if (plan.skipped) {
      await audit(event, { outcome: 'skipped', reason: plan.skipped.reason, failureClass: 'ignored' });
      return 'skipped';
    }
    if (plan.parked) {
      const error =
        plan.parked.reason === 'settings_incomplete'
          ? new SettingsIncompleteError(plan.parked.detail.split(',').map((key) => key.trim()))
          : new PermanentError(plan.parked.reason, { code: plan.parked.reason, detail: plan.parked.detail });
      const failureClass = error.failureClass;
      await park(event, error, plan, plan.parked.reason);
      await audit(event, { outcome: 'parked', reason: plan.parked.reason, failureClass, detail: plan.parked.detail });
      return 'parked';
    }
    if (tenant.flags.dryRun || !tenant.flags.autoPost) {
      if (!(await approvedByReviewer(event))) {
        const reason = tenant.flags.dryRun ? 'dry_run' : 'awaiting_approval';
        await park(
          event,
          new PermanentError(reason, { code: reason, detail: `${plan.operations.length} operation(s) planned` }),
          plan,
          reason,
        );
        await audit(event, {
          outcome: tenant.flags.dryRun ? 'planned' : 'parked',
          reason,
          detail: `${plan.operations.length} operation(s) planned`,
        });
        return tenant.flags.dryRun ? 'planned' : 'parked';
      }
    }
    const context: WriteContext = {
      tenantId: tenant.tenantId,
      realmId: tenant.qbo.realmId,
      ledger: deps.stores.ledger,
      qbo: await deps.qboFor(tenant),
      // Unique per delivery: two copies of one message pushed at once must not share a lease (the emulator and
      // Pub/Sub without a dead-letter policy send no deliveryAttempt to tell them apart).
      leaseOwner: `${deps.instanceId}:${event.eventId}:${delivery.deliveryAttempt ?? 0}:${randomUUID().slice(0, 8)}`,
      now: () => deps.now().getTime(),
      ...(deps.leaseMs !== undefined ? { leaseMs: deps.leaseMs } : {}),
    };
    for (const operation of plan.operations) await executeOperation(event, tenant, context, operation, undefined);
    const review = await deps.stores.reviewQueue.get(reviewIdFor(event));
    if (review && review.status !== 'resolved' && review.status !== 'dismissed')
      await deps.stores.reviewQueue.setStatus(review.reviewId, 'resolved', deps.now().toISOString());
    return 'posted';
  }

  /** Decides what Pub/Sub hears: 204 acknowledges, 503 asks for redelivery with backoff. */
  async function handleFailure(event: NormalizedEvent, error: unknown, attempt: number | undefined): Promise<number> {
    const failure = classifyError(error);
    if (failure.failureClass === 'retryable') {
      const last = attempt !== undefined && attempt >= maxAttempts;
      await audit(event, {
        outcome: last ? 'dead_lettered' : 'failed',
        reason: failure.code,
        failureClass: 'retryable',
        ...(attempt !== undefined ? { attempt } : {}),
        ...(failure.detail ? { detail: failure.detail.slice(0, 2000) } : {}),
      }).catch(() => undefined);
      return 503;
    }
    if (failure.failureClass === 'auth')
      await deps.stores.tenants.setStatus(event.tenantId, 'needs_reauth', failure.code);
    if (failure.failureClass === 'ignored') {
      await audit(event, { outcome: 'skipped', reason: failure.code, failureClass: 'ignored' });
      return 204;
    }
    if (failure.failureClass === 'auth') {
      // Recorded under `auth` whatever QBO called it (invalid_grant, qbo_401…): replay republishes exactly the
      // items parked for `auth` once the tenant is reconnected (DESIGN sections 7 and 8).
      await park(event, failure, null, 'auth');
      await audit(event, { outcome: 'failed', reason: 'auth', failureClass: 'auth', detail: failure.code });
      return 204;
    }
    await park(event, failure, null);
    await audit(event, {
      outcome: 'parked',
      reason: failure.code,
      failureClass: failure.failureClass,
      detail: (failure.detail ?? failure.message).slice(0, 2000),
    });
    return 204;
  }

  async function handle(req: Request, res: Response): Promise<void> {
    let delivery: PushDelivery;
    let event: NormalizedEvent;
    try {
      delivery = parsePushEnvelope(req.body);
    } catch (error) {
      deps.logger.error({ reason: 'invalid_push', outcome: 'parked' }, (error as Error).message);
      res.status(204).end();
      return;
    }
    try {
      event = deps.validators.normalizedEvent.parse(JSON.parse(delivery.data.toString('utf8')));
    } catch (error) {
      // Acknowledged, recorded and kept for a person: never retried forever (DESIGN section 3).
      const failure = classifyError(error);
      const tenantId = delivery.attributes.tenantId ?? 'unknown';
      await deps.stores.reviewQueue.park(
        {
          reviewId: `${tenantId}:invalid:${delivery.messageId}`,
          tenantId,
          stripeId: 'unknown',
          entity: deps.entity,
          reason: 'invalid_message',
          failureClass: 'rejected',
          detail: failure.detail ?? failure.message,
          event: { raw: delivery.data.toString('utf8').slice(0, 100_000), attributes: delivery.attributes },
          proposal: null,
        },
        deps.now().toISOString(),
      );
      await deps.audit.record({
        schemaVersion: 1,
        recordId: `invalid:${delivery.messageId}`,
        recordedAt: deps.now().toISOString(),
        tenantId,
        function: deps.functionName,
        outcome: 'parked',
        reason: 'invalid_message',
        failureClass: 'rejected',
        detail: (failure.detail ?? failure.message).slice(0, 2000),
      });
      res.status(204).end();
      return;
    }
    const log = deps.logger.child({ tenantId: event.tenantId, eventId: event.eventId, objectId: event.objectId });
    try {
      const outcome = await syncEvent(event, delivery);
      log.debug({ outcome }, 'event synced');
      res.status(204).end();
    } catch (error) {
      const status = await handleFailure(event, error, delivery.deliveryAttempt);
      const reason = classifyError(error).code;
      // An error nothing classified is a bug of ours: its stack is what the on-call engineer needs.
      if (reason === 'unclassified')
        log.error({ reason, stack: error instanceof Error ? error.stack : String(error) }, 'unclassified failure');
      else if (status >= 500) log.warn({ reason, attempt: delivery.deliveryAttempt }, 'will retry');
      res.status(status).end();
    }
  }

  return { handle, syncEvent };
}

export type EntityConsumer = ReturnType<typeof createEntityConsumer>;
