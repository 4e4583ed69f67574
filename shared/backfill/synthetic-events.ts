import type { BackfillEntity } from '../../schemas/backfill-command.schema';
import type { EventTypeOfKind } from '../catalogue/event-catalogue';
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

/** The kind of object each list holds (`GET /v1/<list>`); a list without one fails to compile in Synthetic. */
interface ListedKind {
  customers: 'customer';
  invoices: 'invoice';
  invoice_payments: 'invoice_payment';
  charges: 'charge';
  refunds: 'refund';
  credit_notes: 'credit_note';
  payouts: 'payout';
}

type Synthetic<Entity extends BackfillEntity> = Array<{
  type: EventTypeOfKind<ListedKind[Entity]>;
  at?: number;
}>;

/**
 * Which events an object's state stands for, with the time each happened (state only moves forward in time). Typed
 * by the event catalogue's object kinds: wrapping a listed object in an event type that carries another kind of
 * object is a compile error.
 */
const EVENTS_FOR: { [Entity in BackfillEntity]: (object: StripeObject) => Synthetic<Entity> } = {
  customers: () => [{ type: 'customer.created' }],
  invoices: (object) => {
    const status = object.status;
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
  },
  invoice_payments: (object) =>
    object.status === 'paid' ? [{ type: 'invoice_payment.paid', ...at(transition(object, 'paid_at')) }] : [],
  charges: (object) => {
    // A charge paying an invoice is owned by the invoice payment; only standalone charges become sales receipts.
    if (object.invoice !== undefined && object.invoice !== null) return [];
    return object.status === 'succeeded' ? [{ type: 'charge.succeeded' }] : [];
  },
  refunds: (object) =>
    object.status === 'succeeded' || object.status === 'pending' ? [{ type: 'refund.created' }] : [],
  credit_notes: (object) =>
    object.status === 'void'
      ? [{ type: 'credit_note.created' }, { type: 'credit_note.voided', ...at(unix(object.voided_at)) }]
      : [{ type: 'credit_note.created' }],
  payouts: (object) => {
    const arrival = at(unix(object.arrival_date));
    if (object.status === 'failed') return [{ type: 'payout.failed', ...arrival }];
    if (object.status !== 'paid') return [];
    return object.reconciliation_status === 'completed'
      ? [
          { type: 'payout.paid', ...arrival },
          { type: 'payout.reconciliation_completed', ...arrival },
        ]
      : [{ type: 'payout.paid', ...arrival }];
  },
};

function eventsFor(entity: BackfillEntity, object: StripeObject): Array<{ type: HandledEventType; at?: number }> {
  return EVENTS_FOR[entity](object);
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
