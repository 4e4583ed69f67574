/**
 * The Stripe event types we act on. Everything else about each type (entity, owning object, recipe, ledger write,
 * dependencies) is one row of the event catalogue (`shared/catalogue/event-catalogue.ts`), which is typed as a
 * Record over this list: adding a type here without a row there is a compile error. Anything not listed is
 * acknowledged and audited as `skipped/unhandled_type`.
 *
 * The list lives apart from the catalogue so that code below the recipes (the Stripe adapter, backfill's synthetic
 * events) can name event types without importing the accounting core.
 */
export const HANDLED_EVENT_TYPES = [
  'customer.created',
  'customer.updated',
  'invoice.finalized',
  'invoice.voided',
  'invoice.paid',
  'invoice.payment_succeeded',
  'invoice_payment.paid',
  'charge.succeeded',
  'charge.captured',
  'charge.refunded',
  'charge.refund.updated',
  'refund.created',
  'refund.updated',
  'refund.failed',
  'charge.dispute.created',
  'charge.dispute.closed',
  'credit_note.created',
  'credit_note.voided',
  'payout.paid',
  'payout.failed',
  'payout.canceled',
  'payout.reconciliation_completed',
] as const;

export type HandledEventType = (typeof HANDLED_EVENT_TYPES)[number];

const HANDLED = new Set<string>(HANDLED_EVENT_TYPES);

export function isHandledEventType(type: string): type is HandledEventType {
  return HANDLED.has(type);
}

/** The `object` values of the Stripe objects handled events carry (`data.object.object`). */
export type StripeObjectKind =
  'customer' | 'invoice' | 'invoice_payment' | 'charge' | 'refund' | 'dispute' | 'credit_note' | 'payout';
