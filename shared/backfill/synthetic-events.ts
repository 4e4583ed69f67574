import type { BackfillEntity } from '../../schemas/backfill-command.schema';
import type { HandledEventType } from '../stripe/event-types';

/**
 * Backfill lists objects, not events (the events API keeps only 30 days), so each object's current state is
 * wrapped in the event(s) that state stands for, and the normal pipeline (normalize → entity topic → consumer)
 * does the rest. Pure: no I/O, no clock.
 */

export interface SyntheticEvent {
  id: string;
  object: 'event';
  type: HandledEventType;
  created: number;
  livemode: boolean;
  account?: string;
  data: { object: Record<string, unknown> };
}

type StripeObject = Record<string, unknown> & { id: string; created?: unknown };

function unix(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

function transition(object: StripeObject, name: string): number | undefined {
  const transitions = object.status_transitions;
  if (typeof transitions !== 'object' || transitions === null) return undefined;
  return unix((transitions as Record<string, unknown>)[name]);
}

/** Which events an object's state stands for, with the time each happened (state only moves forward in time). */
function eventsFor(entity: BackfillEntity, object: StripeObject): Array<{ type: HandledEventType; at?: number }> {
  const status = object.status;
  switch (entity) {
    case 'customers':
      return [{ type: 'customer.created' }];
    case 'invoices':
      // Drafts have no number and may still change: they sync when finalized. A voided invoice was finalized first,
      // but the void recipe handles an invoice QBO never saw, so one event is enough.
      if (status === 'void') return [{ type: 'invoice.voided', ...at(transition(object, 'voided_at')) }];
      if (status === 'open' || status === 'uncollectible')
        return [{ type: 'invoice.finalized', ...at(transition(object, 'finalized_at')) }];
      if (status === 'paid')
        return [
          { type: 'invoice.finalized', ...at(transition(object, 'finalized_at')) },
          // Legacy-shape invoices carry their charge here; basil+ ones are paid through invoice_payments instead
          // and the payment recipe skips this one (`paid_without_payment`).
          { type: 'invoice.paid', ...at(transition(object, 'paid_at')) },
        ];
      return [];
    case 'invoice_payments':
      return status === 'paid' ? [{ type: 'invoice_payment.paid', ...at(transition(object, 'paid_at')) }] : [];
    case 'charges':
      // A charge paying an invoice is owned by the invoice payment; only standalone charges become sales receipts.
      if (object.invoice !== undefined && object.invoice !== null) return [];
      return status === 'succeeded' ? [{ type: 'charge.succeeded' }] : [];
    case 'refunds':
      return status === 'succeeded' || status === 'pending' ? [{ type: 'refund.created' }] : [];
    case 'credit_notes':
      return status === 'void'
        ? [{ type: 'credit_note.created' }, { type: 'credit_note.voided', ...at(unix(object.voided_at)) }]
        : [{ type: 'credit_note.created' }];
    case 'payouts':
      if (status === 'failed') return [{ type: 'payout.failed', ...at(unix(object.arrival_date)) }];
      if (status !== 'paid') return [];
      return object.reconciliation_status === 'completed'
        ? [
            { type: 'payout.paid', ...at(unix(object.arrival_date)) },
            { type: 'payout.reconciliation_completed', ...at(unix(object.arrival_date)) },
          ]
        : [{ type: 'payout.paid', ...at(unix(object.arrival_date)) }];
  }
}

function at(value: number | undefined): { at?: number } {
  return value === undefined ? {} : { at: value };
}

/**
 * The synthetic events for one listed object. The first keeps the id `bf_<object id>`; later ones add their type,
 * so every event id stays stable across reruns (a redelivered page publishes the same ids again).
 */
export function syntheticEventsFor(
  entity: BackfillEntity,
  object: StripeObject,
  context: { stripeAccount?: string | null | undefined },
): SyntheticEvent[] {
  const created = unix(object.created) ?? 0;
  return eventsFor(entity, object).map(({ type, at: happened }, index) => ({
    id: index === 0 ? `bf_${object.id}` : `bf_${object.id}.${type}`,
    object: 'event',
    type,
    created: Math.max(created, happened ?? created),
    livemode: object.livemode === true,
    ...(context.stripeAccount ? { account: context.stripeAccount } : {}),
    data: { object },
  }));
}
