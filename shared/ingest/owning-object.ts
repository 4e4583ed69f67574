/**
 * Per Stripe object shape a handled event carries: which Stripe id owns the QBO write (the ordering key, DESIGN
 * section 2), and which amount the events archive keeps. The event catalogue (`shared/catalogue/event-catalogue.ts`)
 * picks one rule per handled event type.
 *
 * Both legacy (pre 2025-03-31) and basil+ shapes are read here; anything shape-specific is commented with the
 * API version that changed it.
 */
export type StripeObject = Record<string, unknown> & { id: string; object: string };

export interface OwningObjectRule {
  ownerId(object: StripeObject): string;
  /** Integer minor units, when the event moves (or states) an amount. */
  amount(object: StripeObject): number | undefined;
}

/** An expandable Stripe field is either an id or the expanded object; both reduce to the id. */
export function stripeRef(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null) {
    const id = (value as Record<string, unknown>).id;
    if (typeof id === 'string' && id !== '') return id;
  }
  return undefined;
}

function integer(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

/**
 * The id of the Stripe payment behind an invoice payment, so that a legacy `invoice.paid` and the basil
 * `invoice_payment.paid` for the same money get the same ordering key. The PaymentIntent wins over the charge
 * because it is the one id both shapes carry for a PaymentIntent-based payment: legacy invoices carry both
 * `payment_intent` and `charge`, basil `invoice_payment.payment` carries only `payment_intent` (type
 * `payment_intent`) or only `charge` (type `charge`, pre-PaymentIntent payments, where legacy had no intent).
 */
function paymentIdOfLegacyInvoice(invoice: StripeObject): string | undefined {
  return stripeRef(invoice.payment_intent) ?? stripeRef(invoice.charge);
}

function paymentIdOfInvoicePayment(invoicePayment: StripeObject): string | undefined {
  const payment = invoicePayment.payment;
  if (typeof payment !== 'object' || payment === null) return undefined;
  const fields = payment as Record<string, unknown>;
  return stripeRef(fields.payment_intent) ?? stripeRef(fields.charge);
}

/**
 * `charge.refunded` is about a charge, but the QBO write it owns is the refund. Up to API 2022-11-15 the charge
 * embeds `refunds.data` (newest first); later versions drop the list, and then the charge id is the best key we
 * have (the matching `refund.created` carries the refund id and the refund recipe links them).
 */
function latestRefund(charge: StripeObject): Record<string, unknown> | undefined {
  const refunds = charge.refunds;
  if (typeof refunds !== 'object' || refunds === null) return undefined;
  const data = (refunds as Record<string, unknown>).data;
  if (!Array.isArray(data)) return undefined;
  const first: unknown = data[0];
  return typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : undefined;
}

const ownId = (object: StripeObject): string => object.id;

/** A customer owns its own write and moves no money. */
export const CUSTOMER_OWNER: OwningObjectRule = { ownerId: ownId, amount: () => undefined };

/** An invoice as a document (finalized, voided): its own id, its total. */
export const INVOICE_DOCUMENT_OWNER: OwningObjectRule = {
  ownerId: ownId,
  amount: (invoice) => integer(invoice.total),
};

// A basil+ invoice.paid has no charge or intent (payments moved to invoice_payment), nor does a legacy one paid
// out of band or with a zero total: then the invoice id is the key, and the payment recipe posts nothing for it.
export const LEGACY_INVOICE_PAYMENT_OWNER: OwningObjectRule = {
  ownerId: (invoice) => paymentIdOfLegacyInvoice(invoice) ?? invoice.id,
  amount: (invoice) => integer(invoice.amount_paid),
};

export const INVOICE_PAYMENT_OWNER: OwningObjectRule = {
  ownerId: (invoicePaymentObject) => paymentIdOfInvoicePayment(invoicePaymentObject) ?? invoicePaymentObject.id,
  amount: (invoicePaymentObject) => integer(invoicePaymentObject.amount_paid),
};

export const CHARGE_OWNER: OwningObjectRule = { ownerId: ownId, amount: (c) => integer(c.amount) };

export const REFUNDED_CHARGE_OWNER: OwningObjectRule = {
  ownerId: (c) => stripeRef(latestRefund(c)) ?? c.id,
  amount: (c) => {
    const refund = latestRefund(c);
    return refund ? integer(refund.amount) : integer(c.amount_refunded);
  },
};

export const REFUND_OWNER: OwningObjectRule = { ownerId: ownId, amount: (r) => integer(r.amount) };
export const DISPUTE_OWNER: OwningObjectRule = { ownerId: ownId, amount: (d) => integer(d.amount) };

// `total` includes tax (DESIGN section 6: a credit memo's amount includes tax); `amount` is the same figure.
export const CREDIT_NOTE_OWNER: OwningObjectRule = {
  ownerId: ownId,
  amount: (cn) => integer(cn.total) ?? integer(cn.amount),
};

export const PAYOUT_OWNER: OwningObjectRule = { ownerId: ownId, amount: (p) => integer(p.amount) };
