import { customerRefOf } from './invoice';
import { minorToQboAmount } from './money';
import {
  buildOperation,
  currencyProblem,
  finishPlan,
  isBeforeGoLive,
  park,
  qboPaymentRef,
  refTo,
  skip,
  type Plan,
  type PlanContext,
} from './operation';
import { salesItemLine } from './sales-lines';
import {
  InvalidStripeObject,
  isRecord,
  optInteger,
  optRecord,
  optString,
  refId,
  requireCurrency,
  requireString,
  type StripeRecord,
} from './stripe-fields';

/**
 * The ledger key of a Stripe payment: the PaymentIntent id when there is one, else the charge id. A legacy
 * invoice carries both `payment_intent` and `charge`; a basil `invoice_payment.payment` carries only the intent
 * (type `payment_intent`) or only the charge (type `charge`, for pre-PaymentIntent payments that never had an
 * intent). So the same money gets the same key from either event, and Stripe sending both never posts twice.
 * This matches the ordering key of shared/ingest/owning-object.ts.
 */
export interface PaymentKey {
  stripeId: string;
  stripeObject: 'payment_intent' | 'charge';
}

function paymentKey(paymentIntent: unknown, charge: unknown): PaymentKey | undefined {
  const intentId = refId(paymentIntent);
  if (intentId !== undefined) return { stripeId: intentId, stripeObject: 'payment_intent' };
  const chargeId = refId(charge);
  return chargeId === undefined ? undefined : { stripeId: chargeId, stripeObject: 'charge' };
}

interface InvoicePaymentFacts {
  key: PaymentKey;
  invoiceId: string;
  customerRef: { $ref: string };
  amount: number;
  currency: string;
  paidAt: number | undefined;
}

/** A Payment into the Stripe clearing account, linked to the invoice (section 6). */
function planPayment(context: PlanContext, facts: InvoicePaymentFacts): Plan {
  const currencyPark = currencyProblem(context, facts.currency);
  if (currencyPark !== undefined) return currencyPark;
  const amount = minorToQboAmount(facts.amount, facts.currency);
  const operation = buildOperation(context, {
    entity: 'Payment',
    stripeId: facts.key.stripeId,
    stripeObject: facts.key.stripeObject,
    currency: facts.currency,
    expectedTotalMinor: facts.amount,
    ...(facts.paidAt === undefined ? {} : { txnDate: context.date(facts.paidAt) }),
    body: {
      CustomerRef: facts.customerRef,
      TotalAmt: amount,
      DepositToAccountRef: context.account('stripeClearing'),
      PaymentRefNum: qboPaymentRef(facts.key.stripeId),
      // LinkedTxn.TxnId is a bare id string in QBO; the $ref object stands in for that whole value.
      Line: [{ Amount: amount, LinkedTxn: [{ TxnId: refTo('Invoice', facts.invoiceId), TxnType: 'Invoice' }] }],
    },
    note: `payment of invoice ${facts.invoiceId}`,
  });
  return finishPlan(context, [operation]);
}

/**
 * Legacy `invoice.paid`: the invoice carries its `charge`. A basil+ invoice has no `charge` key at all; its
 * payments arrive as `invoice_payment.paid`, so the invoice event posts nothing.
 */
export function planLegacyInvoicePaid(context: PlanContext, invoice: StripeRecord): Plan {
  const invoiceId = requireString(invoice, 'id');
  if (!('charge' in invoice)) return skip('payment_via_invoice_payment');
  if (isBeforeGoLive(context, optInteger(invoice, 'created'))) return skip('before_go_live');
  if (invoice.paid_out_of_band === true) return skip('out_of_band_payment');
  const amount = optInteger(invoice, 'amount_paid') ?? 0;
  if (amount === 0) return skip('zero_amount');
  const key = paymentKey(invoice.payment_intent, invoice.charge);
  // Paid without a charge: customer balance or credit notes settled it; those post through their own recipes.
  if (key === undefined) return skip('paid_without_payment');
  const customerRef = customerRefOf(invoice);
  if (customerRef === undefined) throw new InvalidStripeObject(`invoice ${invoiceId} has no customer`);
  const transitions = optRecord(invoice, 'status_transitions');
  return planPayment(context, {
    key,
    invoiceId,
    customerRef,
    amount,
    currency: requireCurrency(invoice),
    paidAt:
      (transitions === undefined ? undefined : optInteger(transitions, 'paid_at')) ?? optInteger(invoice, 'created'),
  });
}

/**
 * `invoice.payment_succeeded` is the same money as invoice.paid / invoice_payment.paid (section 6): never a second
 * payment, whatever the invoice says.
 */
export function planInvoicePaymentSucceeded(_context: PlanContext, _invoice: StripeRecord): Plan {
  return skip('payment_succeeded_not_a_payment');
}

/**
 * basil+ `invoice_payment.paid`. The invoice_payment names its invoice but not the customer; unless the invoice
 * is expanded, CustomerRef is `{"$ref":"invoice:in_…#CustomerRef"}`: the CustomerRef of the QBO invoice we linked.
 */
export function planInvoicePaymentPaid(context: PlanContext, invoicePayment: StripeRecord): Plan {
  const invoiceId = refId(invoicePayment.invoice);
  if (invoiceId === undefined) throw new InvalidStripeObject('invoice_payment has no invoice');
  const expandedInvoice = isRecord(invoicePayment.invoice) ? invoicePayment.invoice : undefined;
  const created = optInteger(expandedInvoice ?? invoicePayment, 'created');
  if (isBeforeGoLive(context, created)) return skip('before_go_live');
  if (optString(invoicePayment, 'status') !== 'paid') return skip('payment_not_paid');
  const payment = optRecord(invoicePayment, 'payment') ?? {};
  const paymentType = optString(payment, 'type');
  // `payment_record` (and anything newer) is money recorded outside Stripe: out of band (section 6).
  if (paymentType !== 'payment_intent' && paymentType !== 'charge') return skip('out_of_band_payment');
  const amount = optInteger(invoicePayment, 'amount_paid') ?? 0;
  if (amount === 0) return skip('zero_amount');
  const key = paymentKey(payment.payment_intent, payment.charge);
  if (key === undefined) throw new InvalidStripeObject(`invoice_payment ${String(invoicePayment.id)} names no payment`);
  const transitions = optRecord(invoicePayment, 'status_transitions');
  return planPayment(context, {
    key,
    invoiceId,
    customerRef: (expandedInvoice === undefined ? undefined : customerRefOf(expandedInvoice)) ?? {
      $ref: `${refTo('Invoice', invoiceId).$ref}#CustomerRef`,
    },
    amount,
    currency: requireCurrency(invoicePayment),
    paidAt:
      (transitions === undefined ? undefined : optInteger(transitions, 'paid_at')) ??
      optInteger(invoicePayment, 'created'),
  });
}

/**
 * A charge with no invoice → SalesReceipt into the clearing account, on `defaultItem` (section 6).
 * Basil+ charges dropped the `invoice` field, so a basil charge with a PaymentIntent may still pay an invoice:
 * posting it would double the invoice payment, so it parks until someone (or an enriched snapshot) says which.
 * A charge without an intent cannot be an invoice payment (invoices have paid through intents since 2019).
 */
export function planCharge(context: PlanContext, charge: StripeRecord): Plan {
  const chargeId = requireString(charge, 'id');
  if (isBeforeGoLive(context, optInteger(charge, 'created'))) return skip('before_go_live');
  if (optString(charge, 'status') !== 'succeeded' || charge.captured === false) return skip('charge_not_succeeded');
  if ('invoice' in charge) {
    if (refId(charge.invoice) !== undefined) return skip('charge_has_invoice');
  } else if (refId(charge.payment_intent) !== undefined) {
    return park(
      'charge_invoice_unknown',
      `charge ${chargeId} (basil+ shape, no invoice field) may pay an invoice; look up invoice payments of its payment intent`,
    );
  }
  const amount = optInteger(charge, 'amount_captured') ?? optInteger(charge, 'amount') ?? 0;
  if (amount === 0) return skip('zero_amount');
  const currency = requireCurrency(charge);
  const currencyPark = currencyProblem(context, currency);
  if (currencyPark !== undefined) return currencyPark;
  const created = optInteger(charge, 'created');
  const body: Record<string, unknown> = {
    Line: [
      salesItemLine(currency, {
        amount,
        quantity: 1,
        description: optString(charge, 'description') ?? `Stripe charge ${chargeId}`,
        itemRef: context.item('defaultItem'),
      }),
    ],
    DepositToAccountRef: context.account('stripeClearing'),
    PaymentRefNum: qboPaymentRef(chargeId),
  };
  const customerRef = customerRefOf(charge);
  if (customerRef !== undefined) body.CustomerRef = customerRef;
  return finishPlan(context, [
    buildOperation(context, {
      entity: 'SalesReceipt',
      stripeId: chargeId,
      stripeObject: 'charge',
      currency,
      body,
      expectedTotalMinor: amount,
      ...(created === undefined ? {} : { txnDate: context.date(created) }),
    }),
  ]);
}
