import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { appliedCustomerCredit } from '../accounting/customer-credit';
import type { StripeEnrichment } from '../accounting/enrichment';
import { isRecord, listRecords, optInteger, optString, refId, type StripeRecord } from '../accounting/stripe-fields';
import type { HandledEventType } from '../stripe/event-types';
import type { StripeReader, StripeRetrievable } from '../stripe/ports';

/**
 * Which Stripe reads each event type needs before it can be planned (shared/accounting/enrichment.ts says what each
 * field is for). One row per handled type, so a new type must say what it reads (STYLE rule 7). Every function asks
 * only what its recipe will use: nothing for an event the recipe skips on its face (a payout not paid yet, a refund
 * that did not go out), no customer balance for an invoice that used no credit, no settlement for a single-currency
 * company or a home-currency payment.
 */
export interface EventReads {
  /** The event as planning sees it (a basil charge completed with the invoice its intent pays). */
  event: NormalizedEvent;
  balanceTransactions?: unknown[];
  stripe?: StripeEnrichment;
}

interface Reading {
  tenant: TenantSettings;
  stripe: StripeReader;
}

type ReadsFor = (event: NormalizedEvent, reading: Reading) => Promise<EventReads>;

const nothing: ReadsFor = async (event) => ({ event });

/** Refunds whose money has left the Stripe balance (refund.ts books these; `pending` included). */
const BOOKED_REFUND_STATUSES = new Set(['succeeded', 'pending']);

/** A payment, refund or settlement in another currency than home, in a company that books it in that currency. */
function isForeign(tenant: TenantSettings, currency: unknown): boolean {
  return tenant.qbo.multicurrency && typeof currency === 'string' && currency.toUpperCase() !== tenant.homeCurrency;
}

/** An expandable field: the expanded object as it came, else the object read by id (undefined: Stripe has none). */
async function expanded(reading: Reading, path: StripeRetrievable, value: unknown): Promise<StripeRecord | undefined> {
  if (isRecord(value)) return value;
  const id = refId(value);
  return id === undefined ? undefined : reading.stripe.retrieve(reading.tenant, path, id);
}

/** What a charge put into the Stripe balance: its balance transaction, with Stripe's `exchange_rate`. */
async function chargeSettlement(reading: Reading, charge: unknown): Promise<StripeRecord | undefined> {
  const record = await expanded(reading, 'charges', charge);
  return record === undefined ? undefined : expanded(reading, 'balance_transactions', record.balance_transaction);
}

/** A PaymentIntent's settlement is its latest (the successful) charge's. */
async function intentSettlement(reading: Reading, intent: unknown): Promise<StripeRecord | undefined> {
  const record = await expanded(reading, 'payment_intents', intent);
  return record === undefined ? undefined : chargeSettlement(reading, record.latest_charge);
}

/** `balanceTransactionOf` with one entry, or nothing when Stripe has no settlement to give (the recipe parks). */
const settledAs = (key: string, transaction: StripeRecord | undefined): StripeEnrichment =>
  transaction === undefined ? {} : { balanceTransactionOf: { [key]: transaction } };

/** A payment's settlement under its ledger key: the PaymentIntent when there is one, else the charge (payment.ts). */
async function paymentSettlement(reading: Reading, intent: unknown, charge: unknown): Promise<StripeEnrichment> {
  const intentId = refId(intent);
  if (intentId !== undefined) return settledAs(intentId, await intentSettlement(reading, intent));
  const chargeId = refId(charge);
  return chargeId === undefined ? {} : settledAs(chargeId, await chargeSettlement(reading, charge));
}

/**
 * The invoice a charge paid: legacy charges name it; basil+ charges dropped `invoice`, so the invoice payments of
 * their PaymentIntent say. Null: it paid none.
 */
async function invoiceIdOfCharge(reading: Reading, charge: StripeRecord): Promise<string | null> {
  if ('invoice' in charge) return refId(charge.invoice) ?? null;
  const intentId = refId(charge.payment_intent);
  return intentId === undefined ? null : reading.stripe.invoiceForPaymentIntent(reading.tenant, intentId);
}

/** Whether a credit note made this refund: basil+ lists `refunds[].refund`, legacy notes one `refund`. */
function madeRefund(creditNote: StripeRecord, refundId: string): boolean {
  if (refId(creditNote.refund) === refundId) return true;
  return listRecords(creditNote.refunds).some((entry) => refId(entry.refund) === refundId);
}

const hasMoreLines = (document: StripeRecord): boolean => isRecord(document.lines) && document.lines.has_more === true;

async function creditNoteLines(reading: Reading, creditNote: StripeRecord): Promise<StripeEnrichment> {
  const creditNoteId = refId(creditNote.id);
  if (!hasMoreLines(creditNote) || creditNoteId === undefined) return {};
  return { creditNoteLines: await reading.stripe.listAll(reading.tenant, { list: 'credit_note_lines', creditNoteId }) };
}

/**
 * What the refund recipes need of the refunds of one charge: per refund, the credit note that made it (null: none)
 * and that note's full lines; the invoice the charge paid, for a plain refund's item; each foreign refund's
 * settlement (`<refund>` and, once it failed, `<refund>/failed`).
 */
async function refundsOfCharge(
  reading: Reading,
  charge: StripeRecord | undefined,
  refunds: readonly StripeRecord[],
): Promise<StripeEnrichment> {
  const invoiceId = charge === undefined ? null : await invoiceIdOfCharge(reading, charge);
  const notes =
    invoiceId === null
      ? []
      : await reading.stripe.listAll(reading.tenant, { list: 'credit_notes_of_invoice', invoiceId });
  const enrichment: StripeEnrichment = {};
  const creditNoteOfRefund: Record<string, StripeRecord | null> = {};
  const settlements: Record<string, StripeRecord> = {};
  for (const refund of refunds) {
    const refundId = refId(refund.id);
    if (refundId === undefined) continue;
    const note = notes.find((candidate) => madeRefund(candidate, refundId)) ?? null;
    creditNoteOfRefund[refundId] = note;
    // One field holds one note's lines: a second long note in the same event parks as incomplete, never guesses.
    if (note !== null && enrichment.creditNoteLines === undefined)
      Object.assign(enrichment, await creditNoteLines(reading, note));
    if (!isForeign(reading.tenant, refund.currency)) continue;
    const settlement = await expanded(reading, 'balance_transactions', refund.balance_transaction);
    if (settlement !== undefined) settlements[refundId] = settlement;
    if (refund.status !== 'failed') continue;
    const failure = await expanded(reading, 'balance_transactions', refund.failure_balance_transaction);
    if (failure !== undefined) settlements[`${refundId}/failed`] = failure;
  }
  enrichment.creditNoteOfRefund = creditNoteOfRefund;
  if (Object.keys(settlements).length > 0) enrichment.balanceTransactionOf = settlements;
  // A plain refund is booked on the refunded sale's item; a credit note's refund on the note's own lines.
  if (Object.values(creditNoteOfRefund).some((note) => note === null))
    enrichment.invoice =
      invoiceId === null ? null : ((await reading.stripe.retrieve(reading.tenant, 'invoices', invoiceId)) ?? null);
  return enrichment;
}

/**
 * refund.created / refund.updated / refund.failed / charge.refund.updated. `stripe` is always set for a refund
 * that books: an absent credit-note answer parks (refund.ts), so a read skipped by mistake can never book a
 * credit note's refund as a plain one.
 */
const refundReads: ReadsFor = async (event, reading) => {
  const refund = event.object as StripeRecord;
  const status = optString(refund, 'status') ?? '';
  const failed = status === 'failed' && event.type !== 'refund.created';
  if ((!failed && !BOOKED_REFUND_STATUSES.has(status)) || optInteger(refund, 'amount') === 0) return { event };
  const charge = await expanded(reading, 'charges', refund.charge);
  // Refunding an uncaptured authorisation only releases it: refund.ts skips it, with the charge to say so.
  if (charge?.captured === false) return { event, stripe: { charge, creditNoteOfRefund: {} } };
  const stripe = await refundsOfCharge(reading, charge, [refund]);
  return { event, stripe: charge === undefined ? stripe : { ...stripe, charge } };
};

/** charge.refunded: the refunds it lists (API versions up to 2022-11-15; later ones list none). */
const chargeRefundedReads: ReadsFor = async (event, reading) => {
  const charge = event.object as StripeRecord;
  const refunds = listRecords(charge.refunds).filter(
    (refund) => BOOKED_REFUND_STATUSES.has(optString(refund, 'status') ?? '') && optInteger(refund, 'amount') !== 0,
  );
  if (charge.captured === false || refunds.length === 0) return { event };
  return { event, stripe: await refundsOfCharge(reading, charge, refunds) };
};

/** invoice.finalized: the lines past the event's first page, and where customer credit it used came from. */
const invoiceFinalizedReads: ReadsFor = async (event, reading) => {
  const invoice = event.object as StripeRecord;
  const stripe: StripeEnrichment = {};
  const invoiceId = refId(invoice.id);
  if (hasMoreLines(invoice) && invoiceId !== undefined)
    stripe.invoiceLines = await reading.stripe.listAll(reading.tenant, { list: 'invoice_lines', invoiceId });
  const customerId = refId(invoice.customer);
  if (appliedCustomerCredit(invoice) > 0 && customerId !== undefined)
    stripe.customerBalanceTransactions = await reading.stripe.listAll(reading.tenant, {
      list: 'customer_balance_transactions',
      customerId,
    });
  return Object.keys(stripe).length === 0 ? { event } : { event, stripe };
};

/** basil+ invoice_payment.paid: its invoice (caps what the Payment links) and a foreign payment's settlement. */
const invoicePaymentReads: ReadsFor = async (event, reading) => {
  const invoicePayment = event.object as StripeRecord;
  const payment = isRecord(invoicePayment.payment) ? invoicePayment.payment : {};
  const paymentType = optString(payment, 'type');
  if (
    optString(invoicePayment, 'status') !== 'paid' ||
    (paymentType !== 'payment_intent' && paymentType !== 'charge') ||
    (optInteger(invoicePayment, 'amount_paid') ?? 0) === 0
  )
    return { event };
  const stripe: StripeEnrichment = {};
  if (!isRecord(invoicePayment.invoice)) {
    const invoice = await expanded(reading, 'invoices', invoicePayment.invoice);
    if (invoice !== undefined) stripe.invoice = invoice;
  }
  if (isForeign(reading.tenant, invoicePayment.currency))
    Object.assign(stripe, await paymentSettlement(reading, payment.payment_intent, payment.charge));
  return Object.keys(stripe).length === 0 ? { event } : { event, stripe };
};

/** Legacy invoice.paid names its charge: only a foreign payment needs more (its settlement). */
const legacyInvoicePaidReads: ReadsFor = async (event, reading) => {
  const invoice = event.object as StripeRecord;
  if (
    !('charge' in invoice) ||
    invoice.paid_out_of_band === true ||
    (optInteger(invoice, 'amount_paid') ?? 0) === 0 ||
    !isForeign(reading.tenant, invoice.currency)
  )
    return { event };
  return { event, stripe: await paymentSettlement(reading, invoice.payment_intent, invoice.charge) };
};

/**
 * charge.succeeded / charge.captured, booked only when captured. Basil+ charges dropped `invoice`, so the invoice
 * payments of the charge's PaymentIntent say whether it is a standalone sale (posted here) or an invoice payment
 * (posted by invoice_payment.paid); the snapshot is completed with the answer. A foreign sale needs its settlement.
 */
const chargeReads: ReadsFor = async (event, reading) => {
  let charge = event.object as StripeRecord;
  if (optString(charge, 'status') !== 'succeeded' || charge.captured === false) return { event };
  let completed = event;
  if (!('invoice' in charge) && refId(charge.payment_intent) !== undefined) {
    const invoice = await invoiceIdOfCharge(reading, charge);
    completed = { ...event, object: { ...event.object, invoice } };
    charge = completed.object;
  }
  const chargeId = refId(charge.id);
  if (refId(charge.invoice) !== undefined || chargeId === undefined || !isForeign(reading.tenant, charge.currency))
    return { event: completed };
  const settlement = await expanded(reading, 'balance_transactions', charge.balance_transaction);
  return { event: completed, stripe: settledAs(chargeId, settlement) };
};

/** credit_note.created: lines past the first page, and the settlement of each foreign refund it made. */
const creditNoteReads: ReadsFor = async (event, reading) => {
  const creditNote = event.object as StripeRecord;
  const stripe: StripeEnrichment = await creditNoteLines(reading, creditNote);
  if (isForeign(reading.tenant, creditNote.currency)) {
    const refundIds = new Set(
      [
        refId(creditNote.refund),
        ...listRecords(creditNote.refunds)
          .filter((entry) => entry.type !== 'payment_record_refund')
          .map((entry) => refId(entry.refund)),
      ].filter((id): id is string => id !== undefined),
    );
    const settlements: Record<string, StripeRecord> = {};
    for (const refundId of refundIds) {
      const refund = await reading.stripe.retrieve(reading.tenant, 'refunds', refundId);
      const settlement = await expanded(reading, 'balance_transactions', refund?.balance_transaction);
      if (settlement !== undefined) settlements[refundId] = settlement;
    }
    if (Object.keys(settlements).length > 0) stripe.balanceTransactionOf = settlements;
  }
  return Object.keys(stripe).length === 0 ? { event } : { event, stripe };
};

/**
 * Every payout event of an automatic payout books from its balance transactions, failed and canceled ones too
 * (they book the payout, then reverse it: payout.ts). Manual payouts have none (Stripe refuses `payout=` for them:
 * they post as a transfer); a payout not paid or not reconciled yet is skipped by its recipe.
 */
const payoutReads: ReadsFor = async (event, reading) => {
  const payout = event.object as StripeRecord;
  const booking = event.type === 'payout.paid' || event.type === 'payout.reconciliation_completed';
  if (
    payout.automatic === false ||
    optInteger(payout, 'amount') === 0 ||
    (booking &&
      (optString(payout, 'status') !== 'paid' || optString(payout, 'reconciliation_status') === 'in_progress'))
  )
    return { event };
  return {
    event,
    balanceTransactions: await reading.stripe.listPayoutBalanceTransactions(reading.tenant, event.objectId),
  };
};

const READS: Record<HandledEventType, ReadsFor> = {
  'customer.created': nothing,
  'customer.updated': nothing,
  'invoice.finalized': invoiceFinalizedReads,
  'invoice.voided': nothing,
  'invoice.paid': legacyInvoicePaidReads,
  'invoice.payment_succeeded': nothing,
  'invoice_payment.paid': invoicePaymentReads,
  'charge.succeeded': chargeReads,
  'charge.captured': chargeReads,
  'charge.refunded': chargeRefundedReads,
  'charge.refund.updated': refundReads,
  'refund.created': refundReads,
  'refund.updated': refundReads,
  'refund.failed': refundReads,
  // Disputes are booked from the payout's balance transactions.
  'charge.dispute.created': nothing,
  'charge.dispute.closed': nothing,
  'credit_note.created': creditNoteReads,
  'credit_note.voided': nothing,
  'payout.paid': payoutReads,
  'payout.failed': payoutReads,
  'payout.canceled': payoutReads,
  'payout.reconciliation_completed': payoutReads,
};

/** Objects created before the tenant's go-live are skipped by every recipe: nothing to read for them. */
function beforeGoLive(event: NormalizedEvent, tenant: TenantSettings): boolean {
  const created = optInteger(event.object as StripeRecord, 'created');
  return created !== undefined && created * 1000 < Date.parse(tenant.goLiveAt);
}

/** The reads `event` needs, made. An unhandled type or an object before go-live reads nothing. */
export async function readForEvent(
  event: NormalizedEvent,
  tenant: TenantSettings,
  stripe: StripeReader,
): Promise<EventReads> {
  const reads = (READS as Partial<Record<string, ReadsFor>>)[event.type];
  if (reads === undefined || beforeGoLive(event, tenant)) return { event };
  return reads(event, { tenant, stripe });
}
