import type { AuditRecord } from '../../schemas/audit-record.schema';
import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { Plan } from '../accounting/plan';
import type { SyncError } from '../errors';
import type { PushDelivery } from '../messaging/push-envelope';
import type { AuditSink, ReviewQueue } from '../stores/ports';
import type { PlanStep } from './plan';
import type { OperationOutcome } from './write-protocol';

/**
 * Stage `record`: the rows every decision leaves behind (DESIGN sections 4 and 7): an audit row per decision, a
 * link record per QBO object written and verified, a review item per parked event. Nothing here decides anything;
 * the stages call it with what they decided.
 */
export interface RecorderDeps {
  functionName: string;
  audit: AuditSink;
  reviewQueue: ReviewQueue;
  now(): Date;
}

/** Where a consumer's run for one event ended (tests and the demo read it; Pub/Sub only sees the status). */
export type SyncOutcome = 'posted' | 'skipped' | 'parked' | 'waiting' | 'failed' | 'planned';

export type AuditFields = Partial<AuditRecord> & Pick<AuditRecord, 'outcome' | 'reason'>;

/** Audit detail is id-only and bounded by the audit-record schema. */
export const AUDIT_DETAIL_MAX = 2000;

/** One review item per event type of a Stripe object: parking it again updates the open item. */
export function reviewIdFor(event: NormalizedEvent): string {
  return `${event.tenantId}:${event.objectId}:${event.type}`;
}

export function createRecorder(deps: RecorderDeps) {
  async function audit(event: NormalizedEvent, fields: AuditFields): Promise<void> {
    const { outcome, reason, ...rest } = fields;
    await deps.audit.record({
      schemaVersion: 1,
      // Deterministic: a redelivery's row replaces the first one's in the views instead of counting twice.
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
    });
  }

  async function park(event: NormalizedEvent, error: SyncError, proposal: Plan | null, reason = error.code) {
    await deps.reviewQueue.park(
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
  }

  /**
   * The rows of one executed step. A verified write publishes its link record, then its `posted` row; a write the
   * ledger already had is `skipped/already_linked`, except for an ensure step, whose customer being there already
   * is the normal case and says nothing.
   */
  async function write(step: PlanStep, tenant: TenantSettings, outcome: OperationOutcome, latencyMs: number) {
    const { event, operation } = step;
    const base = {
      stripeId: operation.stripeId,
      qboEntity: operation.entity,
      realmId: tenant.qbo.realmId,
      currency: operation.currency,
    };
    if (outcome.kind === 'already_posted') {
      if (step.ensure) return;
      await audit(event, {
        outcome: 'skipped',
        reason: 'already_linked',
        ...base,
        ...(outcome.entry.qboId ? { qboId: outcome.entry.qboId } : {}),
      });
      return;
    }
    const qboId = String(outcome.qbo.Id);
    const amount = operation.expectedTotal !== undefined ? { amount: operation.expectedTotal } : {};
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
      ...amount,
      currency: operation.currency,
      eventId: event.eventId,
      linkedAt: deps.now().toISOString(),
    });
    await audit(event, {
      outcome: 'posted',
      reason: outcome.recovered ? 'recovered' : operation.operation === 'create' ? 'created' : operation.operation,
      ...base,
      qboId,
      ...amount,
      latencyMs,
    });
  }

  /** A reversal of something never posted (a payout that failed before it was paid) has nothing to reverse. */
  async function nothingToReverse(step: PlanStep): Promise<void> {
    await audit(step.event, {
      outcome: 'skipped',
      reason: 'nothing_to_reverse',
      stripeId: step.operation.stripeId,
      failureClass: 'ignored',
    });
  }

  /**
   * A push whose data is not a valid normalized event: acknowledged, recorded and kept for a person, never retried
   * forever (DESIGN section 3). There is no event to name, so the message id keys the rows.
   */
  async function invalidMessage(entity: string, delivery: PushDelivery, failure: SyncError): Promise<void> {
    const tenantId = delivery.attributes.tenantId ?? 'unknown';
    const detail = failure.detail ?? failure.message;
    await deps.reviewQueue.park(
      {
        reviewId: `${tenantId}:invalid:${delivery.messageId}`,
        tenantId,
        stripeId: 'unknown',
        entity,
        reason: 'invalid_message',
        failureClass: 'rejected',
        detail,
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
      detail: detail.slice(0, AUDIT_DETAIL_MAX),
    });
  }

  /**
   * A run that got through every step settles the event's open review item (parked earlier for auth, settings, a
   * dependency…). Not an open totals mismatch: a redelivery finds that write in the ledger and verifies nothing,
   * so the item stays for the person who must look at the QBO object.
   */
  async function settleReview(event: NormalizedEvent): Promise<void> {
    const review = await deps.reviewQueue.get(reviewIdFor(event));
    if (!review || review.status === 'resolved' || review.status === 'dismissed') return;
    if (review.status === 'open' && review.reason === 'totals_mismatch') return;
    await deps.reviewQueue.setStatus(review.reviewId, 'resolved', deps.now().toISOString());
  }

  return { audit, park, write, nothingToReverse, invalidMessage, settleReview };
}

export type Recorder = ReturnType<typeof createRecorder>;
