import { minorToDecimal, minorToQboAmount } from './money';
import { buildOperation, finishPlan, park, refTo, type Plan, type PlanContext } from './operation';
import {
  InvalidStripeObject,
  isRecord,
  optInteger,
  optString,
  refId,
  requireCurrency,
  requireInteger,
  requireString,
  type StripeRecord,
} from './stripe-fields';

/** Customer credit balance Stripe applied to the invoice at finalization (positive minor units). */
export function appliedCustomerCredit(invoice: StripeRecord): number {
  const starting = optInteger(invoice, 'starting_balance') ?? 0;
  if (starting >= 0) return 0;
  const ending = optInteger(invoice, 'ending_balance');
  if (ending !== undefined) return Math.max(0, ending - starting);
  return Math.min(-starting, optInteger(invoice, 'total') ?? 0);
}

/** The ledger key of the zero Payment that applies customer credit to an invoice. */
export function customerCreditApplicationId(invoiceId: string): string {
  return `${invoiceId}/credit`;
}

/** Where a slice of the customer's credit balance came from. */
interface CreditSource {
  /** The credit note whose CreditMemo holds it in QBO; undefined for credit no QBO document holds. */
  creditNoteId: string | undefined;
  sourceId: string;
  type: string;
  remaining: number;
}

/**
 * Which credit notes the credit Stripe applied to `invoiceId` came from. Stripe keeps one credit balance per
 * customer and does not say; we take it first in, first out over the customer's balance transactions (oldest
 * first), which is deterministic and is how an accountant would apply open credits. Credits (negative amounts)
 * join the queue; debits (positive: applied to an invoice, a debit adjustment) take from its head.
 */
function allocate(
  transactions: readonly StripeRecord[],
  invoiceId: string,
): { slices: { source: CreditSource; amount: number }[] } | undefined {
  const ordered = [...transactions].sort(
    (a, b) =>
      (optInteger(a, 'created') ?? 0) - (optInteger(b, 'created') ?? 0) || String(a.id).localeCompare(String(b.id)),
  );
  const queue: CreditSource[] = [];
  for (const transaction of ordered) {
    const amount = requireInteger(transaction, 'amount');
    const type = optString(transaction, 'type') ?? 'unknown';
    if (amount < 0) {
      queue.push({
        creditNoteId: type === 'credit_note' ? refId(transaction.credit_note) : undefined,
        sourceId: requireString(transaction, 'id'),
        type,
        remaining: -amount,
      });
      continue;
    }
    const slices: { source: CreditSource; amount: number }[] = [];
    let debit = amount;
    while (debit > 0 && queue.length > 0) {
      const head = queue[0] as CreditSource;
      const taken = Math.min(head.remaining, debit);
      slices.push({ source: head, amount: taken });
      head.remaining -= taken;
      debit -= taken;
      if (head.remaining === 0) queue.shift();
    }
    if (type === 'applied_to_invoice' && refId(transaction.invoice) === invoiceId) {
      // Credit the queue could not cover came from before the history we were given (or from a debit balance).
      if (debit > 0)
        slices.push({
          source: { creditNoteId: undefined, sourceId: 'earlier', type: 'unknown', remaining: 0 },
          amount: debit,
        });
      return { slices };
    }
  }
  return undefined;
}

/**
 * The customer credit balance Stripe applied to an invoice when it finalized it (its `starting_balance` was
 * negative), applied in QBO the same way, right after the Invoice: a zero Payment linking the Invoice and the
 * CreditMemos of the credit notes the credit came from, under its own ledger key, so the QBO invoice is open for
 * what Stripe's is. Credit no CreditMemo holds (a manual balance adjustment, credit from before go-live) parks with
 * the amount named: QBO has no credit to apply, and inventing one would change the customer's balance.
 */
export function planCustomerCreditApplication(context: PlanContext, invoice: StripeRecord): Plan {
  const invoiceId = requireString(invoice, 'id');
  const currency = requireCurrency(invoice);
  const credit = appliedCustomerCredit(invoice);
  // invoice.ts's customerRefOf, inline: invoice.ts imports this module.
  const customerId = refId(invoice.customer);
  if (customerId === undefined) throw new InvalidStripeObject(`invoice ${invoiceId} has no customer`);
  const customerRef = refTo('Customer', customerId);
  const raw = context.stripe?.customerBalanceTransactions;
  if (raw === undefined)
    return park(
      'customer_balance_transactions_required',
      `invoice ${invoiceId} used ${minorToDecimal(credit, currency)} of customer credit: read GET /v1/customers/${customerId}/balance_transactions (all pages)`,
    );
  const allocation = allocate(raw.filter(isRecord), invoiceId);
  if (allocation === undefined)
    return park(
      'customer_balance_transactions_required',
      `the customer's balance transactions hold no applied_to_invoice for ${invoiceId}`,
    );
  const unbooked = allocation.slices.filter((slice) => slice.source.creditNoteId === undefined);
  if (unbooked.length > 0) {
    const amount = unbooked.reduce((sum, slice) => sum + slice.amount, 0);
    return park(
      'customer_credit_unbooked',
      `invoice ${invoiceId}: ${minorToDecimal(amount, currency)} of the customer credit Stripe applied has no QBO credit memo (${unbooked.map((slice) => `${slice.source.type} ${slice.source.sourceId}`).join(', ')})`,
    );
  }
  const byCreditNote = new Map<string, number>();
  for (const slice of allocation.slices) {
    const id = slice.source.creditNoteId as string;
    byCreditNote.set(id, (byCreditNote.get(id) ?? 0) + slice.amount);
  }
  const applied = allocation.slices.reduce((sum, slice) => sum + slice.amount, 0);
  const appliedAt = optInteger(invoice, 'created');
  const finalized = isRecord(invoice.status_transitions)
    ? optInteger(invoice.status_transitions, 'finalized_at')
    : undefined;
  const date = finalized ?? appliedAt;
  return finishPlan(context, [
    buildOperation(context, {
      entity: 'Payment',
      stripeId: customerCreditApplicationId(invoiceId),
      stripeObject: 'invoice',
      currency,
      expectedTotalMinor: 0,
      ...(date === undefined ? {} : { txnDate: context.date(date) }),
      body: {
        CustomerRef: customerRef,
        TotalAmt: 0,
        Line: [
          {
            Amount: minorToQboAmount(applied, currency),
            LinkedTxn: [{ TxnId: refTo('Invoice', invoiceId), TxnType: 'Invoice' }],
          },
          ...[...byCreditNote.entries()].map(([creditNoteId, amount]) => ({
            Amount: minorToQboAmount(amount, currency),
            LinkedTxn: [{ TxnId: refTo('CreditMemo', creditNoteId), TxnType: 'CreditMemo' }],
          })),
        ],
      },
      note: `applies customer credit to invoice ${invoiceId}`,
    }),
  ]);
}
