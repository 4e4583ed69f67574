import type { Entity } from '../messaging/topics';

/**
 * The Stripe event types we act on, each with the entity whose topic and consumer own its QBO write
 * (DESIGN sections 2, 3 and 6). Typed as a Record so adding a type without an entity is a compile error;
 * anything not listed is acknowledged and audited as `skipped/unhandled_type`.
 */
export const HANDLED_EVENT_ENTITY = {
  'customer.created': 'customer',
  'customer.updated': 'customer',
  'invoice.finalized': 'invoice',
  'invoice.voided': 'invoice',
  // A legacy-shape invoice.paid carries its charge; basil+ sends invoice_payment.paid per payment instead.
  'invoice.paid': 'payment',
  // Never a second payment (DESIGN section 6): recognised so it is skipped with a reason, not "unhandled".
  'invoice.payment_succeeded': 'payment',
  'invoice_payment.paid': 'payment',
  // A charge with no invoice becomes a SalesReceipt; one with an invoice is left to the invoice payment events.
  'charge.succeeded': 'payment',
  'charge.refunded': 'refund',
  'refund.created': 'refund',
  'refund.updated': 'refund',
  // Disputes move money through the Stripe balance; the payout's deposit carries them (recipe decides).
  'charge.dispute.created': 'refund',
  'charge.dispute.closed': 'refund',
  'credit_note.created': 'credit_note',
  'credit_note.voided': 'credit_note',
  'payout.paid': 'payout',
  'payout.failed': 'payout',
  'payout.reconciliation_completed': 'payout',
} as const satisfies Record<string, Entity>;

export type HandledEventType = keyof typeof HANDLED_EVENT_ENTITY;

export function isHandledEventType(type: string): type is HandledEventType {
  return Object.prototype.hasOwnProperty.call(HANDLED_EVENT_ENTITY, type);
}
