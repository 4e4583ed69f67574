import { planCreditNoteCreated, planCreditNoteVoided } from '../accounting/credit-note';
import { planCustomer } from '../accounting/customer';
import { planInvoiceFinalized, planInvoiceVoided } from '../accounting/invoice';
import type { OperationKind, Plan, PlanContext } from '../accounting/operation';
import {
  planCharge,
  planInvoicePaymentPaid,
  planInvoicePaymentSucceeded,
  planLegacyInvoicePaid,
} from '../accounting/payment';
import { payoutReversalId, planPayoutFailed, planPayoutPaid } from '../accounting/payout';
import { planChargeRefunded, planDispute, planRefund, planRefundUpdate, refundReversalId } from '../accounting/refund';
import type { StripeRecord } from '../accounting/stripe-fields';
import {
  CHARGE_OWNER,
  CREDIT_NOTE_OWNER,
  CUSTOMER_OWNER,
  DISPUTE_OWNER,
  INVOICE_DOCUMENT_OWNER,
  INVOICE_PAYMENT_OWNER,
  LEGACY_INVOICE_PAYMENT_OWNER,
  PAYOUT_OWNER,
  REFUND_OWNER,
  REFUNDED_CHARGE_OWNER,
  type OwningObjectRule,
} from '../ingest/owning-object';
import type { Entity } from '../messaging/topics';
import type { HandledEventType, StripeObjectKind } from '../stripe/event-types';
import type { DependencyKind } from './dependency-kinds';

/** The accounting recipe of an event type: its Stripe object (+ context) → the QBO writes to make. */
export type Recipe = (context: PlanContext, object: StripeRecord) => Plan;

/** The ledger entry a recipe's write for the owning object lands in: `(stripeId, operation)`. */
export interface LedgerWrite {
  operation: OperationKind;
  /** The ledger's Stripe id for that write, from the owning object's id (the ordering key). */
  stripeId(owningId: string): string;
}

/** Everything we know about one handled Stripe event type. */
export interface EventTypeEntry {
  /** The entity whose topic and consumer own the type's QBO write (DESIGN sections 2 and 3). */
  entity: Entity;
  /** The `object` value `data.object` must carry; anything else is an invalid event. */
  objectKind: StripeObjectKind;
  /** Which Stripe id owns the QBO write (the ordering key) and which amount the events archive keeps. */
  owner: OwningObjectRule;
  recipe: Recipe;
  /**
   * Where the recipe's write for the owning object lands in the ledger: what replay takes for "already posted".
   * `none`: the recipe never posts anything for this type (it always skips), so there is nothing to replay.
   */
  ledgerWrite: LedgerWrite | 'none';
  /** The objects another consumer owns that this type's plans may ask for (see dependency-kinds.ts). */
  dependencies: readonly DependencyKind[];
}

/** Every handled type's row; a type of HANDLED_EVENT_TYPES without one fails to compile (STYLE rule 7). */
export type EventCatalogue<Type extends string = HandledEventType> = Readonly<Record<Type, EventTypeEntry>>;

const onOwner = (operation: OperationKind): LedgerWrite => ({ operation, stripeId: (owningId) => owningId });

/**
 * The one table of Stripe event types (DESIGN sections 2, 3, 6 and 8). The webhook normalizer reads entity, object
 * kind and owner; the planner dispatches on recipe; replay reads ledgerWrite; the consumers' dependency fetches read
 * dependency-kinds.ts, whose event types are rows here; backfill's synthetic events are typed by objectKind. A new
 * event type is one entry in HANDLED_EVENT_TYPES, one row here, and its recipe. `satisfies` (not an annotation)
 * keeps each row's literal object kind for EventTypeOfKind while still failing on a missing or unknown type.
 */
export const EVENT_CATALOGUE = {
  // customer.updated plans the same create as customer.created (the ledger makes it `already_linked`): we never
  // rename a QBO customer from Stripe, so neither type writes an `update`.
  'customer.created': {
    entity: 'customer',
    objectKind: 'customer',
    owner: CUSTOMER_OWNER,
    recipe: planCustomer,
    ledgerWrite: onOwner('create'),
    dependencies: [],
  },
  'customer.updated': {
    entity: 'customer',
    objectKind: 'customer',
    owner: CUSTOMER_OWNER,
    recipe: planCustomer,
    ledgerWrite: onOwner('create'),
    dependencies: [],
  },
  'invoice.finalized': {
    entity: 'invoice',
    objectKind: 'invoice',
    owner: INVOICE_DOCUMENT_OWNER,
    recipe: planInvoiceFinalized,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer'],
  },
  // Voiding is a write of its own (the void), on the Invoice the finalized event created.
  'invoice.voided': {
    entity: 'invoice',
    objectKind: 'invoice',
    owner: INVOICE_DOCUMENT_OWNER,
    recipe: planInvoiceVoided,
    ledgerWrite: onOwner('void'),
    dependencies: ['invoice'],
  },
  // A legacy-shape invoice.paid carries its charge; basil+ sends invoice_payment.paid per payment instead. Both key
  // the Payment on the PaymentIntent (else the charge), so the same money is one ledger entry.
  'invoice.paid': {
    entity: 'payment',
    objectKind: 'invoice',
    owner: LEGACY_INVOICE_PAYMENT_OWNER,
    recipe: planLegacyInvoicePaid,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer', 'invoice'],
  },
  // Never a second payment (DESIGN section 6): recognised so it is skipped with a reason, not "unhandled".
  'invoice.payment_succeeded': {
    entity: 'payment',
    objectKind: 'invoice',
    owner: LEGACY_INVOICE_PAYMENT_OWNER,
    recipe: planInvoicePaymentSucceeded,
    ledgerWrite: 'none',
    dependencies: [],
  },
  'invoice_payment.paid': {
    entity: 'payment',
    objectKind: 'invoice_payment',
    owner: INVOICE_PAYMENT_OWNER,
    recipe: planInvoicePaymentPaid,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer', 'invoice'],
  },
  // A charge with no invoice becomes a SalesReceipt; one with an invoice is left to the invoice payment events.
  'charge.succeeded': {
    entity: 'payment',
    objectKind: 'charge',
    owner: CHARGE_OWNER,
    recipe: planCharge,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer'],
  },
  // Manual capture: the authorised charge is booked only when captured, for what was captured. The same write as
  // charge.succeeded of a charge captured at once.
  'charge.captured': {
    entity: 'payment',
    objectKind: 'charge',
    owner: CHARGE_OWNER,
    recipe: planCharge,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer'],
  },
  // Owned by the newest refund the charge lists (one RefundReceipt per refund, keyed by the refund id).
  'charge.refunded': {
    entity: 'refund',
    objectKind: 'charge',
    owner: REFUNDED_CHARGE_OWNER,
    recipe: planChargeRefunded,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer'],
  },
  'refund.created': {
    entity: 'refund',
    objectKind: 'refund',
    owner: REFUND_OWNER,
    recipe: planRefund,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer'],
  },
  // A refund that failed: its receipt (the write refund.created plans) and then the reversal under its own key.
  // refund.updated also reports refunds that did not fail; its ledger write is the receipt, which every update
  // plans, and a failure's reversal is replayed through refund.failed.
  'refund.updated': {
    entity: 'refund',
    objectKind: 'refund',
    owner: REFUND_OWNER,
    recipe: planRefundUpdate,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer'],
  },
  'refund.failed': {
    entity: 'refund',
    objectKind: 'refund',
    owner: REFUND_OWNER,
    recipe: planRefundUpdate,
    ledgerWrite: { operation: 'create', stripeId: refundReversalId },
    dependencies: ['customer'],
  },
  // The legacy name of refund.updated (API versions before 2022-11-15 send it for charge refunds).
  'charge.refund.updated': {
    entity: 'refund',
    objectKind: 'refund',
    owner: REFUND_OWNER,
    recipe: planRefundUpdate,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer'],
  },
  // Disputes move money inside the Stripe balance; the payout's deposit carries them, so the recipe posts nothing.
  'charge.dispute.created': {
    entity: 'refund',
    objectKind: 'dispute',
    owner: DISPUTE_OWNER,
    recipe: planDispute,
    ledgerWrite: 'none',
    dependencies: [],
  },
  'charge.dispute.closed': {
    entity: 'refund',
    objectKind: 'dispute',
    owner: DISPUTE_OWNER,
    recipe: planDispute,
    ledgerWrite: 'none',
    dependencies: [],
  },
  // The CreditMemo is keyed by the credit note; the refunds it made are keyed by their refund ids (refund.ts).
  'credit_note.created': {
    entity: 'credit_note',
    objectKind: 'credit_note',
    owner: CREDIT_NOTE_OWNER,
    recipe: planCreditNoteCreated,
    ledgerWrite: onOwner('create'),
    dependencies: ['customer', 'invoice'],
  },
  // QBO cannot void a CreditMemo, only delete it.
  'credit_note.voided': {
    entity: 'credit_note',
    objectKind: 'credit_note',
    owner: CREDIT_NOTE_OWNER,
    recipe: planCreditNoteVoided,
    ledgerWrite: onOwner('delete'),
    dependencies: [],
  },
  'payout.paid': {
    entity: 'payout',
    objectKind: 'payout',
    owner: PAYOUT_OWNER,
    recipe: planPayoutPaid,
    ledgerWrite: onOwner('create'),
    dependencies: [],
  },
  // The payout's booking (the same write payout.paid plans) and then its reversal, a JournalEntry under its own
  // key, so a posted deposit does not make the failure "posted".
  'payout.failed': {
    entity: 'payout',
    objectKind: 'payout',
    owner: PAYOUT_OWNER,
    recipe: planPayoutFailed,
    ledgerWrite: { operation: 'create', stripeId: payoutReversalId },
    dependencies: [],
  },
  // A canceled payout returns its money to the balance exactly as a failed one does.
  'payout.canceled': {
    entity: 'payout',
    objectKind: 'payout',
    owner: PAYOUT_OWNER,
    recipe: planPayoutFailed,
    ledgerWrite: { operation: 'create', stripeId: payoutReversalId },
    dependencies: [],
  },
  // Plans the same write as payout.paid: whichever of the two arrives second is a duplicate.
  'payout.reconciliation_completed': {
    entity: 'payout',
    objectKind: 'payout',
    owner: PAYOUT_OWNER,
    recipe: planPayoutPaid,
    ledgerWrite: onOwner('create'),
    dependencies: [],
  },
} satisfies EventCatalogue;

/**
 * The event types whose `data.object` is of one Stripe object kind, read off the rows at compile time (backfill
 * wraps each listed object only in events of its kind).
 */
export type EventTypeOfKind<Kind extends StripeObjectKind> = {
  [Type in HandledEventType]: (typeof EVENT_CATALOGUE)[Type]['objectKind'] extends Kind ? Type : never;
}[HandledEventType];

/** The event types whose recipe can post something: the ones replay lists from Stripe. */
export const POSTING_EVENT_TYPES: readonly HandledEventType[] = (
  Object.keys(EVENT_CATALOGUE) as HandledEventType[]
).filter((type) => EVENT_CATALOGUE[type].ledgerWrite !== 'none');

/** The ledger entry that, once posted, means an event of this type needs nothing more; undefined for `none` types. */
export function ledgerKeyOf(event: {
  type: HandledEventType;
  objectId: string;
}): { stripeId: string; operation: OperationKind } | undefined {
  const write = EVENT_CATALOGUE[event.type].ledgerWrite;
  return write === 'none' ? undefined : { stripeId: write.stripeId(event.objectId), operation: write.operation };
}
