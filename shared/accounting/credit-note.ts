import { customerRefOf } from './invoice';
import { minorToQboAmount } from './money';
import {
  buildOperation,
  currencyProblem,
  finishPlan,
  isBeforeGoLive,
  park,
  qboDocNumber,
  qboPaymentRef,
  refTo,
  skip,
  type Plan,
  type PlanContext,
  type PlannedOperation,
} from './operation';
import { splitDocument } from './portions';
import { refundReceiptOperations } from './refund-receipt';
import { buildSalesBody, documentMismatch, readCreditNoteMoney, type SalesDocumentMoney } from './sales-lines';
import {
  InvalidStripeObject,
  listRecords,
  optInteger,
  optString,
  refId,
  requireCurrency,
  requireInteger,
  requireString,
  type StripeRecord,
} from './stripe-fields';

/** The stripeId of the zero-amount Payment that applies a CreditMemo to its invoice (its own ledger key). */
export function creditApplicationId(creditNoteId: string): string {
  return `${creditNoteId}/apply`;
}

/** The ledger key of the RefundReceipt of a credit note's out-of-band amount. */
export function outOfBandRefundId(creditNoteId: string): string {
  return `${creditNoteId}/out_of_band`;
}

/** How a credit note's total divides (DESIGN section 6); every part includes its share of tax. */
interface CreditNotePortions {
  /** Reduces the open invoice (pre-payment). */
  prePayment: number;
  /** Money refunded through Stripe, per refund. */
  refunds: { refundId: string; amount: number }[];
  /** Credited to the customer's Stripe balance. */
  balance: number;
  /** Refunded outside Stripe (including refunds of payment records). */
  outOfBand: number;
}

/**
 * basil+ (2025-03-31) states the parts: `pre_payment_amount`, `post_payment_amount`, `refunds[]`,
 * `out_of_band_amount`; the rest of the post-payment part went to the customer balance. Legacy notes say only
 * `type`, a single `refund` and `customer_balance_transaction`, which cannot split a refund from a balance credit.
 */
function readPortions(creditNote: StripeRecord, total: number): CreditNotePortions | string {
  const outOfBandAmount = optInteger(creditNote, 'out_of_band_amount') ?? 0;
  if (Array.isArray(creditNote.refunds)) {
    const prePayment = optInteger(creditNote, 'pre_payment_amount') ?? (creditNote.type === 'pre_payment' ? total : 0);
    const postPayment = optInteger(creditNote, 'post_payment_amount') ?? total - prePayment;
    const refunds: { refundId: string; amount: number }[] = [];
    let outOfBand = outOfBandAmount;
    for (const entry of listRecords(creditNote.refunds)) {
      const refundId = refId(entry.refund);
      const amount = requireInteger(entry, 'amount_refunded');
      // A payment record's refund happened outside Stripe, like the out-of-band amount.
      if (refundId === undefined || entry.type === 'payment_record_refund') outOfBand += amount;
      else refunds.push({ refundId, amount });
    }
    const refunded = refunds.reduce((sum, refund) => sum + refund.amount, 0);
    const balance = postPayment - refunded - outOfBand;
    if (prePayment + postPayment !== total || balance < 0)
      return `pre-payment ${prePayment} + post-payment ${postPayment} (refunds ${refunded}, out of band ${outOfBand}) do not make the total ${total}`;
    return { prePayment, refunds, balance, outOfBand };
  }
  const prePayment = creditNote.type === 'pre_payment' ? total : 0;
  const legacyRefund = refId(creditNote.refund);
  const postPayment = total - prePayment;
  if (legacyRefund === undefined)
    return { prePayment, refunds: [], balance: postPayment - outOfBandAmount, outOfBand: outOfBandAmount };
  // Legacy credit notes do not say how much of the total went to the refund when part of it was credited to the
  // customer balance as well; only the all-refund case is unambiguous.
  if (refId(creditNote.customer_balance_transaction) !== undefined)
    return 'legacy shape does not split refund and balance credit';
  return {
    prePayment,
    refunds: [{ refundId: legacyRefund, amount: postPayment - outOfBandAmount }],
    balance: 0,
    outOfBand: outOfBandAmount,
  };
}

interface CreditNoteFacts {
  creditNoteId: string;
  currency: string;
  customerRef: { $ref: string };
  txnDate: string | undefined;
  number: string | undefined;
  docNumber: string | undefined;
  money: SalesDocumentMoney;
  portions: CreditNotePortions;
  /** Each part's own document, in the order: credit (pre-payment + balance), refunds…, out of band. */
  shares: SalesDocumentMoney[];
}

/** Reads a credit note and splits it; a Plan when it cannot be booked as it stands. */
function readCreditNote(context: PlanContext, creditNote: StripeRecord): CreditNoteFacts | Plan {
  const creditNoteId = requireString(creditNote, 'id');
  const currency = requireCurrency(creditNote);
  const currencyPark = currencyProblem(context, currency);
  if (currencyPark !== undefined) return currencyPark;
  const money = readCreditNoteMoney(creditNote, context.stripe?.creditNoteLines);
  if (money.linesTruncated)
    return park(
      'credit_note_lines_incomplete',
      `credit note ${creditNoteId} has more lines than the event carries: read GET /v1/credit_notes/${creditNoteId}/lines (all pages)`,
    );
  const mismatch = documentMismatch(money, currency);
  if (mismatch !== undefined) return park('totals_mismatch', `credit note ${creditNoteId}: ${mismatch}`);
  const customerRef = customerRefOf(creditNote);
  if (customerRef === undefined) throw new InvalidStripeObject(`credit note ${creditNoteId} has no customer`);
  const portions = readPortions(creditNote, money.total);
  if (typeof portions === 'string') return park('totals_mismatch', `credit note ${creditNoteId}: ${portions}`);
  const created = optInteger(creditNote, 'created');
  const number = optString(creditNote, 'number');
  return {
    creditNoteId,
    currency,
    customerRef,
    txnDate: created === undefined ? undefined : context.date(created),
    number,
    docNumber: number === undefined ? undefined : qboDocNumber(number),
    money,
    portions,
    shares: splitDocument(money, [
      portions.prePayment + portions.balance,
      ...portions.refunds.map((refund) => refund.amount),
      portions.outOfBand,
    ]),
  };
}

/**
 * The RefundReceipt of one refund a credit note made: the note's customer, its share of the note's lines and tax,
 * from clearing, keyed by the refund id. The refund events plan it through here too when the enrich stage says a
 * credit note made the refund, so the receipt is the same whichever event arrives first.
 */
function refundReceipt(context: PlanContext, facts: CreditNoteFacts, index: number): PlannedOperation[] | Plan {
  const refund = facts.portions.refunds[index];
  const share = facts.shares[index + 1];
  if (refund === undefined || share === undefined || refund.amount === 0) return [];
  return refundReceiptOperations(context, {
    stripeId: refund.refundId,
    stripeObject: 'refund',
    currency: facts.currency,
    amount: refund.amount,
    txnDate: facts.txnDate,
    // DocNumber only when one receipt is the whole note, so two receipts never share a number (6140).
    docNumber: refund.amount === facts.money.total ? facts.docNumber : undefined,
    body: {
      CustomerRef: facts.customerRef,
      ...buildSalesBody(context, share, facts.currency),
      DepositToAccountRef: context.account('stripeClearing'),
      PaymentRefNum: qboPaymentRef(refund.refundId),
    },
    note: `credit note ${facts.creditNoteId}`,
    settledBy: refund.refundId,
  });
}

/** For the refund recipe: the receipt of `refundId` as the credit note that made it books it. */
export function creditNoteRefundReceipt(
  context: PlanContext,
  creditNote: StripeRecord,
  refundId: string,
): PlannedOperation[] | Plan {
  const facts = readCreditNote(context, creditNote);
  if ('operations' in facts) return facts;
  const index = facts.portions.refunds.findIndex((refund) => refund.refundId === refundId);
  if (index < 0) return park('totals_mismatch', `credit note ${facts.creditNoteId} lists no refund ${refundId}`);
  return refundReceipt(context, facts, index);
}

/**
 * credit_note.created (section 6, every part with its share of tax):
 * - each refund → a RefundReceipt from clearing, keyed by the refund id (refund.ts plans the same write);
 * - the out-of-band part → a RefundReceipt from `accounts.outOfBandRefunds`, where the money really left;
 * - the pre-payment part and the customer-balance part → one CreditMemo; the pre-payment part is applied to its
 *   invoice by a zero Payment (how QBO applies a credit), and the balance part stays as the customer's credit,
 *   which an invoice that uses it later applies (customer-credit.ts).
 */
export function planCreditNoteCreated(context: PlanContext, creditNote: StripeRecord): Plan {
  if (isBeforeGoLive(context, optInteger(creditNote, 'created'))) return skip('before_go_live');
  const facts = readCreditNote(context, creditNote);
  if ('operations' in facts) return facts;
  const { creditNoteId, currency, customerRef, portions, shares } = facts;
  if (facts.money.total === 0) return skip('zero_amount');
  const common = { currency, ...(facts.txnDate === undefined ? {} : { txnDate: facts.txnDate }) };
  const operations: PlannedOperation[] = [];
  for (let index = 0; index < portions.refunds.length; index += 1) {
    const receipt = refundReceipt(context, facts, index);
    if (!Array.isArray(receipt)) return receipt;
    operations.push(...receipt);
  }
  const outOfBandShare = shares[shares.length - 1];
  if (portions.outOfBand > 0 && outOfBandShare !== undefined)
    operations.push(
      buildOperation(context, {
        ...common,
        entity: 'RefundReceipt',
        stripeId: outOfBandRefundId(creditNoteId),
        stripeObject: 'credit_note',
        expectedTotalMinor: portions.outOfBand,
        body: {
          CustomerRef: customerRef,
          ...buildSalesBody(context, outOfBandShare, currency),
          DepositToAccountRef: context.account('outOfBandRefunds'),
        },
        note: `credit note ${creditNoteId}, refunded outside Stripe`,
      }),
    );
  const credited = portions.prePayment + portions.balance;
  const creditShare = shares[0];
  if (credited > 0 && creditShare !== undefined) {
    operations.push(
      buildOperation(context, {
        ...common,
        entity: 'CreditMemo',
        stripeId: creditNoteId,
        stripeObject: 'credit_note',
        expectedTotalMinor: credited,
        ...(facts.docNumber === undefined ? {} : { docNumber: facts.docNumber }),
        body: { CustomerRef: customerRef, ...buildSalesBody(context, creditShare, currency) },
      }),
    );
    const invoiceId = refId(creditNote.invoice);
    if (portions.prePayment > 0 && invoiceId !== undefined) {
      const amount = minorToQboAmount(portions.prePayment, currency);
      operations.push(
        buildOperation(context, {
          ...common,
          entity: 'Payment',
          stripeId: creditApplicationId(creditNoteId),
          stripeObject: 'credit_note',
          expectedTotalMinor: 0,
          body: {
            CustomerRef: customerRef,
            TotalAmt: 0,
            Line: [
              { Amount: amount, LinkedTxn: [{ TxnId: refTo('Invoice', invoiceId), TxnType: 'Invoice' }] },
              { Amount: amount, LinkedTxn: [{ TxnId: refTo('CreditMemo', creditNoteId), TxnType: 'CreditMemo' }] },
            ],
          },
          note: `applies credit note ${creditNoteId} to invoice ${invoiceId}`,
        }),
      );
    }
  }
  return finishPlan(context, operations);
}

/** Whether a credit note reduced its invoice before payment (a pre-payment or mixed note). */
function hasPrePaymentPart(creditNote: StripeRecord): boolean {
  const prePayment = optInteger(creditNote, 'pre_payment_amount');
  return prePayment !== undefined ? prePayment > 0 : creditNote.type === 'pre_payment';
}

/**
 * credit_note.voided → undo the credit: delete the application Payment first (QBO will not delete a CreditMemo
 * that is applied), then the CreditMemo. QBO's API cannot void a CreditMemo, only delete it; the delete stays in
 * QBO's audit log and our audit row says why. Refunds are not undone: Stripe cannot void a note whose money left.
 */
export function planCreditNoteVoided(context: PlanContext, creditNote: StripeRecord): Plan {
  const creditNoteId = requireString(creditNote, 'id');
  if (isBeforeGoLive(context, optInteger(creditNote, 'created'))) return skip('before_go_live');
  const currency = requireCurrency(creditNote);
  const operations: PlannedOperation[] = [];
  if (hasPrePaymentPart(creditNote) && refId(creditNote.invoice) !== undefined) {
    const applicationId = creditApplicationId(creditNoteId);
    operations.push(
      buildOperation(context, {
        entity: 'Payment',
        operation: 'delete',
        stripeId: applicationId,
        stripeObject: 'credit_note',
        currency,
        body: {},
        target: refTo('Payment', applicationId),
        note: 'credit note voided in Stripe',
      }),
    );
  }
  operations.push(
    buildOperation(context, {
      entity: 'CreditMemo',
      operation: 'delete',
      stripeId: creditNoteId,
      stripeObject: 'credit_note',
      currency,
      body: {},
      target: refTo('CreditMemo', creditNoteId),
      note: 'credit note voided in Stripe',
    }),
  );
  return finishPlan(context, operations);
}
