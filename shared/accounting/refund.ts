import { creditNoteRefundReceipt } from './credit-note';
import { fxDifferenceOperation, settlementFor } from './fx';
import { customerRefOf } from './invoice';
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
  type PlannedOperation,
} from './operation';
import { refundReceiptOperations } from './refund-receipt';
import { untaxedSalesBody } from './sales-lines';
import {
  isRecord,
  listRecords,
  optInteger,
  optRecord,
  optString,
  refId,
  requireCurrency,
  requireInteger,
  requireString,
  type StripeRecord,
} from './stripe-fields';

/**
 * Statuses in which the refund has already left the Stripe balance: Stripe debits the balance when the refund is
 * created, even while the card network still shows it `pending`, and the payout's balance transactions carry it.
 */
const POSTED_REFUND_STATUSES = new Set(['succeeded', 'pending']);

/** The ledger key of a failed refund's reversal: its own, so it never collides with the receipt's `create`. */
export function refundReversalId(refundId: string): string {
  return `${refundId}/failed`;
}

/** The refunded sale's item: the invoice's product when it sold one product, else `defaultItem` (section 6). */
function refundedItem(context: PlanContext, invoice: StripeRecord | null | undefined) {
  if (invoice === null || invoice === undefined) return context.item('defaultItem');
  const products = new Set(
    listRecords(invoice.lines).map((line) => {
      const pricing = optRecord(optRecord(line, 'pricing') ?? {}, 'price_details');
      const price = optRecord(line, 'price') ?? optRecord(line, 'plan');
      return refId(pricing?.product ?? price?.product) ?? '';
    }),
  );
  const [only] = products;
  return products.size === 1 && only !== undefined && only !== ''
    ? context.productItem(only)
    : context.item('defaultItem');
}

/**
 * A refund no credit note made: a RefundReceipt from clearing for its amount, untaxed (Stripe does not split a
 * plain refund into sale and tax), naming the customer and the refunded sale's item when Stripe knows them (the
 * enrich stage's charge and invoice; an expanded charge in the snapshot).
 */
function plainRefundReceipt(
  context: PlanContext,
  refund: StripeRecord,
  charge: StripeRecord | undefined,
): PlannedOperation[] | Plan {
  const refundId = requireString(refund, 'id');
  const amount = requireInteger(refund, 'amount');
  const currency = requireCurrency(refund);
  const chargeId = refId(refund.charge);
  const created = optInteger(refund, 'created');
  const body: Record<string, unknown> = {
    ...untaxedSalesBody(context, currency, [
      {
        amount,
        quantity: 1,
        description: chargeId === undefined ? `Stripe refund ${refundId}` : `Refund of Stripe charge ${chargeId}`,
        itemRef: refundedItem(context, context.stripe?.invoice),
      },
    ]),
    DepositToAccountRef: context.account('stripeClearing'),
    PaymentRefNum: qboPaymentRef(refundId),
  };
  const customerRef = charge === undefined ? undefined : customerRefOf(charge);
  if (customerRef !== undefined) body.CustomerRef = customerRef;
  return refundReceiptOperations(context, {
    stripeId: refundId,
    stripeObject: 'refund',
    currency,
    amount,
    body,
    txnDate: created === undefined ? undefined : context.date(created),
    settledBy: refundId,
  });
}

/**
 * The receipt of a Stripe refund, the same whichever event plans it. A refund a credit note made is booked as the
 * credit note books it (its lines and tax, its customer); the refund object does not say, so the enrich stage
 * must (`creditNoteOfRefund`): without an enrich stage the refund is booked as a plain one, as before it existed.
 */
function refundReceiptFor(context: PlanContext, refund: StripeRecord, charge: StripeRecord | undefined) {
  const refundId = requireString(refund, 'id');
  const creditNotes = context.stripe?.creditNoteOfRefund;
  const creditNote = creditNotes?.[refundId];
  if (context.stripe !== undefined && creditNote === undefined)
    return park(
      'credit_note_lookup_required',
      `refund ${refundId}: say whether a credit note made it (GET /v1/credit_notes?invoice= of the charge's invoice)`,
    );
  if (creditNote !== undefined && creditNote !== null) return creditNoteRefundReceipt(context, creditNote, refundId);
  return plainRefundReceipt(context, refund, charge);
}

/** The refunded charge: the enrich stage's, else an expanded `refund.charge`. */
function chargeOf(context: PlanContext, refund: StripeRecord): StripeRecord | undefined {
  const enriched = context.stripe?.charge;
  if (enriched !== undefined && enriched.id === refId(refund.charge)) return enriched;
  return isRecord(refund.charge) ? refund.charge : undefined;
}

function refundPreconditions(context: PlanContext, refund: StripeRecord): Plan | undefined {
  if (isBeforeGoLive(context, optInteger(refund, 'created'))) return skip('before_go_live');
  if (requireInteger(refund, 'amount') === 0) return skip('zero_amount');
  // Refunding an authorisation that was never captured only releases it: no money moved, nothing to book.
  if (chargeOf(context, refund)?.captured === false) return skip('refund_of_uncaptured_charge');
  return currencyProblem(context, requireCurrency(refund));
}

const asPlan = (context: PlanContext, planned: PlannedOperation[] | Plan): Plan =>
  Array.isArray(planned) ? finishPlan(context, planned) : planned;

/** `refund.created`: the refund left the Stripe balance. A refund already failed is left to its failure event. */
export function planRefund(context: PlanContext, refund: StripeRecord): Plan {
  const stop = refundPreconditions(context, refund);
  if (stop !== undefined) return stop;
  if (!POSTED_REFUND_STATUSES.has(optString(refund, 'status') ?? '')) return skip('refund_not_succeeded');
  return asPlan(context, refundReceiptFor(context, refund, chargeOf(context, refund)));
}

/**
 * `refund.updated`, `refund.failed`, `charge.refund.updated`. A refund that failed after it was booked comes back
 * into the Stripe balance (a `refund_failure` balance transaction credits clearing): the plan is the refund's
 * receipt (the same write refund.created plans, already linked when it came first) and then its reversal, a
 * SalesReceipt mirroring the receipt into clearing under `<refund>/failed`, dated on the failure. A new document,
 * so nothing in a possibly closed period is edited; receipt + reversal whatever the order of events.
 */
export function planRefundUpdate(context: PlanContext, refund: StripeRecord): Plan {
  if (optString(refund, 'status') !== 'failed') return planRefund(context, refund);
  const stop = refundPreconditions(context, refund);
  if (stop !== undefined) return stop;
  const refundId = requireString(refund, 'id');
  const currency = requireCurrency(refund);
  const receipt = refundReceiptFor(context, refund, chargeOf(context, refund));
  if (!Array.isArray(receipt)) return receipt;
  const original = receipt.find((operation) => operation.stripeId === refundId);
  if (original === undefined) return finishPlan(context, receipt);
  const reversalKey = refundReversalId(refundId);
  const settlement = settlementFor(context, reversalKey, currency);
  if (settlement !== undefined && 'park' in settlement) return settlement.park;
  const {
    TxnDate: _date,
    DocNumber: _number,
    PrivateNote: _note,
    CurrencyRef: _currency,
    ExchangeRate: _rate,
    ...body
  } = original.body;
  const txnDate = context.eventDate();
  const amount = requireInteger(refund, 'amount');
  const operations = [
    ...receipt,
    buildOperation(context, {
      entity: 'SalesReceipt',
      stripeId: reversalKey,
      stripeObject: 'refund',
      currency,
      expectedTotalMinor: amount,
      txnDate,
      target: refTo('RefundReceipt', refundId),
      ...(settlement === undefined ? {} : { exchangeRate: settlement.rate }),
      body: { ...body, PaymentRefNum: qboPaymentRef(reversalKey) },
      note: `refund ${refundId} failed${optString(refund, 'failure_reason') === undefined ? '' : ` (${optString(refund, 'failure_reason')})`}`,
    }),
  ];
  if (settlement !== undefined) {
    const fx = fxDifferenceOperation(context, {
      stripeId: reversalKey,
      stripeObject: 'refund',
      amount,
      currency,
      settlement,
      direction: 1,
      txnDate,
    });
    if (fx !== undefined) operations.push(fx);
  }
  return finishPlan(context, operations);
}

/**
 * `charge.refunded` carries the charge. Up to API 2022-11-15 it embeds `refunds.data`; we plan every listed
 * refund (each under its own refund id, so the `refund.created` of the same refund is a duplicate, not a second
 * receipt). Later versions list none, and the refund events carry the refunds instead.
 */
export function planChargeRefunded(context: PlanContext, charge: StripeRecord): Plan {
  if (isBeforeGoLive(context, optInteger(charge, 'created'))) return skip('before_go_live');
  if (charge.captured === false) return skip('refund_of_uncaptured_charge');
  const refunds = listRecords(charge.refunds).filter((refund) =>
    POSTED_REFUND_STATUSES.has(optString(refund, 'status') ?? ''),
  );
  if (refunds.length === 0) return skip('refunds_not_listed');
  const operations: PlannedOperation[] = [];
  for (const refund of refunds) {
    if (requireInteger(refund, 'amount') === 0) continue;
    const currencyPark = currencyProblem(context, requireCurrency(refund));
    if (currencyPark !== undefined) return currencyPark;
    const planned = refundReceiptFor(context, refund, charge);
    if (!Array.isArray(planned)) return planned;
    operations.push(...planned);
  }
  return operations.length === 0 ? skip('zero_amount') : finishPlan(context, operations);
}

/**
 * Disputes move money inside the Stripe balance (the disputed amount and the dispute fee, and back if won). The
 * payout's balance transactions carry every one of those movements to the disputes and fees accounts, so posting
 * the dispute event as well would count it twice.
 */
export function planDispute(_context: PlanContext, _dispute: StripeRecord): Plan {
  return skip('handled_by_payout');
}
