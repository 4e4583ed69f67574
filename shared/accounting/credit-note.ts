import { customerRefOf } from './invoice';
import { minorToQboAmount } from './money';
import {
  buildOperation,
  currencyProblem,
  finishPlan,
  isBeforeGoLive,
  park,
  qboDocNumber,
  refTo,
  skip,
  type Plan,
  type PlanContext,
  type PlannedOperation,
} from './operation';
import { buildSalesLines, documentMismatch, readCreditNoteMoney, salesItemLine } from './sales-lines';
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

/** The refunds a credit note made: basil+ `refunds[]` ({refund, amount_refunded}), legacy a single `refund`. */
interface CreditNoteRefund {
  refundId: string;
  amount: number;
}

function readRefunds(creditNote: StripeRecord, refundable: number): CreditNoteRefund[] | 'unknown_split' {
  if (Array.isArray(creditNote.refunds))
    return listRecords(creditNote.refunds).flatMap((entry) => {
      const refundId = refId(entry.refund);
      // payment_record refunds happened outside Stripe: out of band, like the out_of_band_amount.
      return refundId === undefined ? [] : [{ refundId, amount: requireInteger(entry, 'amount_refunded') }];
    });
  const legacyRefund = refId(creditNote.refund);
  if (legacyRefund === undefined) return [];
  // Legacy credit notes do not say how much of the total went to the refund when part of it was credited to the
  // customer balance as well; only the all-refund case is unambiguous.
  if (refId(creditNote.customer_balance_transaction) !== undefined) return 'unknown_split';
  return [{ refundId: legacyRefund, amount: refundable }];
}

/** The stripeId of the zero-amount Payment that applies a CreditMemo to its invoice (its own ledger key). */
export function creditApplicationId(creditNoteId: string): string {
  return `${creditNoteId}/apply`;
}

/**
 * credit_note.created (section 6, amounts include tax):
 * - the part refunded in money → a RefundReceipt per Stripe refund, keyed by the refund id (see refund.ts);
 * - the part credited (pre-payment: reduces the open invoice; post-payment: customer balance) → a CreditMemo,
 *   and for a pre-payment note a zero Payment linking CreditMemo and Invoice, which is how QBO applies a credit;
 * - the out-of-band part → nothing (it was settled outside Stripe and outside our books).
 * A document that is all credit, or a single refund of the whole total, keeps its lines (items, discount, tax);
 * a split posts one line per part on `defaultItem`, because Stripe does not split the lines between the parts.
 */
export function planCreditNoteCreated(context: PlanContext, creditNote: StripeRecord): Plan {
  const creditNoteId = requireString(creditNote, 'id');
  if (isBeforeGoLive(context, optInteger(creditNote, 'created'))) return skip('before_go_live');
  const currency = requireCurrency(creditNote);
  const currencyPark = currencyProblem(context, currency);
  if (currencyPark !== undefined) return currencyPark;
  const money = readCreditNoteMoney(creditNote);
  const mismatch = documentMismatch(money, currency);
  if (mismatch !== undefined) return park('totals_mismatch', `credit note ${creditNoteId}: ${mismatch}`);
  const customerRef = customerRefOf(creditNote);
  if (customerRef === undefined) throw new InvalidStripeObject(`credit note ${creditNoteId} has no customer`);
  const outOfBand = optInteger(creditNote, 'out_of_band_amount') ?? 0;
  const refunds = readRefunds(creditNote, money.total - outOfBand);
  if (refunds === 'unknown_split')
    return park(
      'totals_mismatch',
      `credit note ${creditNoteId}: legacy shape does not split refund and balance credit`,
    );
  const refunded = refunds.reduce((sum, refund) => sum + refund.amount, 0);
  const credited = money.total - outOfBand - refunded;
  if (credited < 0)
    return park('totals_mismatch', `credit note ${creditNoteId}: refunds and out-of-band exceed the total`);
  if (credited === 0 && refunds.length === 0)
    return skip(money.total === 0 ? 'zero_amount' : 'credit_note_out_of_band');

  const created = optInteger(creditNote, 'created');
  const txnDate = created === undefined ? undefined : context.date(created);
  const number = optString(creditNote, 'number');
  const docNumber = number === undefined ? undefined : qboDocNumber(number);
  const wholeDocument = (part: number): boolean => part === money.total;
  const linesFor = (part: number, description: string): Record<string, unknown>[] =>
    wholeDocument(part)
      ? buildSalesLines(context, money, currency)
      : [salesItemLine(currency, { amount: part, quantity: 1, description, itemRef: context.item('defaultItem') })];
  const common = {
    currency,
    ...(txnDate === undefined ? {} : { txnDate }),
  };

  const operations: PlannedOperation[] = [];
  for (const refund of refunds) {
    if (refund.amount === 0) continue;
    operations.push(
      buildOperation(context, {
        ...common,
        entity: 'RefundReceipt',
        stripeId: refund.refundId,
        stripeObject: 'refund',
        expectedTotalMinor: refund.amount,
        // DocNumber only when one receipt is the whole note, so two receipts never share a number (6140).
        ...(docNumber !== undefined && wholeDocument(refund.amount) ? { docNumber } : {}),
        body: {
          CustomerRef: customerRef,
          Line: linesFor(refund.amount, `Refund, credit note ${number ?? creditNoteId}`),
          DepositToAccountRef: context.account('stripeClearing'),
        },
        note: `credit note ${creditNoteId}`,
      }),
    );
  }
  if (credited > 0) {
    operations.push(
      buildOperation(context, {
        ...common,
        entity: 'CreditMemo',
        stripeId: creditNoteId,
        stripeObject: 'credit_note',
        expectedTotalMinor: credited,
        ...(docNumber === undefined ? {} : { docNumber }),
        body: { CustomerRef: customerRef, Line: linesFor(credited, `Credit note ${number ?? creditNoteId}`) },
      }),
    );
    const invoiceId = refId(creditNote.invoice);
    if (creditNote.type === 'pre_payment' && invoiceId !== undefined) {
      const amount = minorToQboAmount(credited, currency);
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
  if (creditNote.type === 'pre_payment' && refId(creditNote.invoice) !== undefined) {
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
