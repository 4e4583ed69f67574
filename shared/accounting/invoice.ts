import {
  buildOperation,
  currencyProblem,
  finishPlan,
  isBeforeGoLive,
  qboDocNumber,
  refTo,
  skip,
  park,
  type Plan,
  type PlanContext,
} from './operation';
import { appliedCustomerCredit, planCustomerCreditApplication } from './customer-credit';
import { buildSalesBody, documentMismatch, readInvoiceMoney } from './sales-lines';
import {
  InvalidStripeObject,
  optInteger,
  optRecord,
  optString,
  refId,
  requireCurrency,
  requireString,
  type StripeRecord,
} from './stripe-fields';

/** The customer an invoice (or credit note, charge) belongs to; expanded or not. */
export function customerRefOf(object: StripeRecord): { $ref: string } | undefined {
  const customerId = refId(object.customer);
  return customerId === undefined ? undefined : refTo('Customer', customerId);
}

function finalizedAt(invoice: StripeRecord): number | undefined {
  const transitions = optRecord(invoice, 'status_transitions');
  return (
    (transitions === undefined ? undefined : optInteger(transitions, 'finalized_at')) ?? optInteger(invoice, 'created')
  );
}

/**
 * invoice.finalized → Invoice (DESIGN section 6). A zero-total invoice whose lines are all zero (a free tier) is no
 * money movement and is skipped; one that reaches zero through a discount is posted, because the discount is.
 * Customer credit Stripe applied at finalization follows the Invoice (customer-credit.ts).
 */
export function planInvoiceFinalized(context: PlanContext, invoice: StripeRecord): Plan {
  const invoiceId = requireString(invoice, 'id');
  if (isBeforeGoLive(context, optInteger(invoice, 'created'))) return skip('before_go_live');
  const currency = requireCurrency(invoice);
  const money = readInvoiceMoney(invoice, context.stripe?.invoiceLines);
  // An event carries the first page of lines only; without the rest the lines cannot add up to the total.
  if (money.linesTruncated)
    return park(
      'invoice_lines_incomplete',
      `invoice ${invoiceId} has more lines than the event carries: read GET /v1/invoices/${invoiceId}/lines (all pages)`,
    );
  if (money.total === 0 && money.lines.every((line) => line.amount === 0)) return skip('zero_amount');
  const currencyPark = currencyProblem(context, currency);
  if (currencyPark !== undefined) return currencyPark;
  // Stripe lets proration credits take an invoice below zero (the rest goes to the customer balance); a QBO
  // Invoice cannot be negative, and whether it is a CreditMemo or a balance credit is the accountant's call.
  if (money.total < 0) return park('negative_total', `invoice ${invoiceId} totals ${money.total} minor units`);
  const mismatch = documentMismatch(money, currency);
  if (mismatch !== undefined) return park('totals_mismatch', `invoice ${invoiceId}: ${mismatch}`);

  const customerRef = customerRefOf(invoice);
  if (customerRef === undefined) throw new InvalidStripeObject(`invoice ${invoiceId} has no customer`);
  const finalized = finalizedAt(invoice);
  const txnDate = finalized === undefined ? undefined : context.date(finalized);
  const dueDateUnix = optInteger(invoice, 'due_date');
  const body: Record<string, unknown> = { CustomerRef: customerRef, ...buildSalesBody(context, money, currency) };
  // Charged automatically means due on receipt; leaving DueDate out would let QBO's default terms add 30 days.
  if (dueDateUnix !== undefined) body.DueDate = context.date(dueDateUnix);
  else if (txnDate !== undefined && invoice.collection_method !== 'send_invoice') body.DueDate = txnDate;
  const number = optString(invoice, 'number');
  const credit =
    appliedCustomerCredit(invoice) > 0 ? planCustomerCreditApplication(context, invoice) : { operations: [] };
  if (credit.parked !== undefined) return credit;
  const operation = buildOperation(context, {
    entity: 'Invoice',
    stripeId: invoiceId,
    stripeObject: 'invoice',
    currency,
    body,
    expectedTotalMinor: money.total,
    ...(txnDate === undefined ? {} : { txnDate }),
    ...(number === undefined ? {} : { docNumber: qboDocNumber(number) }),
  });
  return finishPlan(context, [operation, ...credit.operations]);
}

/**
 * invoice.voided → void the Invoice we created. "Only if nothing is applied to it" (section 6) needs QBO's
 * Balance, which the plan cannot see: the executor compares Balance with TotalAmt before voiding and parks when
 * a payment or credit is applied.
 */
export function planInvoiceVoided(context: PlanContext, invoice: StripeRecord): Plan {
  const invoiceId = requireString(invoice, 'id');
  if (isBeforeGoLive(context, optInteger(invoice, 'created'))) return skip('before_go_live');
  const currency = requireCurrency(invoice);
  const operation = buildOperation(context, {
    entity: 'Invoice',
    operation: 'void',
    stripeId: invoiceId,
    stripeObject: 'invoice',
    currency,
    body: {},
    target: refTo('Invoice', invoiceId),
    note: 'voided in Stripe',
  });
  return finishPlan(context, [operation]);
}
