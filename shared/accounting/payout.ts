import { utcDate } from './dates';
import { minorToDecimal, minorToQboAmount } from './money';
import {
  buildOperation,
  currencyProblem,
  finishPlan,
  isBeforeGoLive,
  park,
  refTo,
  skip,
  type AccountKey,
  type Plan,
  type PlanContext,
} from './operation';
import {
  InvalidStripeObject,
  isRecord,
  optInteger,
  optString,
  requireCurrency,
  requireInteger,
  requireString,
  type StripeRecord,
} from './stripe-fields';

/**
 * Where a balance transaction's amount goes (section 6). `reporting_category` is Stripe's stable grouping and is
 * read first; `type` is the fallback for older snapshots. Money in is positive, money out negative.
 */
export type BalanceCategory = 'charges' | 'refunds' | 'fees' | 'disputes' | 'payoutReversals' | 'adjustments';

const CATEGORY_BY_NAME: Readonly<Record<string, BalanceCategory>> = {
  charge: 'charges',
  payment: 'charges',
  refund: 'refunds',
  payment_refund: 'refunds',
  refund_failure: 'refunds',
  payment_failure_refund: 'refunds',
  fee: 'fees',
  stripe_fee: 'fees',
  tax_fee: 'fees',
  network_cost: 'fees',
  tax: 'fees',
  dispute: 'disputes',
  dispute_reversal: 'disputes',
  // A failed payout returns its money to the Stripe balance; the reversal entry parked it in clearing.
  payout_failure: 'payoutReversals',
  payout_cancel: 'payoutReversals',
  payout_reversal: 'payoutReversals',
};

export function balanceCategory(transaction: StripeRecord): BalanceCategory {
  const byReporting = CATEGORY_BY_NAME[optString(transaction, 'reporting_category') ?? ''];
  return byReporting ?? CATEGORY_BY_NAME[optString(transaction, 'type') ?? ''] ?? 'adjustments';
}

const CATEGORY_ORDER: readonly BalanceCategory[] = [
  'charges',
  'refunds',
  'disputes',
  'adjustments',
  'payoutReversals',
  'fees',
];
const CATEGORY_LABEL: Record<BalanceCategory, string> = {
  charges: 'Stripe charges',
  refunds: 'Stripe refunds',
  fees: 'Stripe fees',
  disputes: 'Stripe disputes',
  payoutReversals: 'Returned Stripe payouts',
  adjustments: 'Stripe adjustments',
};

export interface PayoutBreakdown {
  /** Signed minor units per category; zero categories are absent. */
  amounts: Partial<Record<BalanceCategory, number>>;
  counts: Partial<Record<BalanceCategory, number>>;
  /** Σ(amount − fee) = Σ net: what the payout must equal. */
  net: number;
}

/**
 * Sums a payout's balance transactions per category. The payout's own row (type `payout`) is the withdrawal
 * itself and is left out. A row's `fee` goes to fees whatever its type, so fee lines stay visible even when Stripe
 * nets them into a charge.
 */
export function breakdownPayout(payoutId: string, currency: string, transactions: readonly unknown[]): PayoutBreakdown {
  const breakdown: PayoutBreakdown = { amounts: {}, counts: {}, net: 0 };
  const add = (category: BalanceCategory, amount: number, count: number): void => {
    if (amount === 0 && count === 0) return;
    breakdown.amounts[category] = (breakdown.amounts[category] ?? 0) + amount;
    breakdown.counts[category] = (breakdown.counts[category] ?? 0) + count;
  };
  for (const raw of transactions) {
    if (!isRecord(raw)) throw new InvalidStripeObject('a balance transaction is not an object');
    const type = optString(raw, 'type');
    if (type === 'payout' && (raw.source === undefined || raw.source === null || raw.source === payoutId)) continue;
    if (requireCurrency(raw) !== currency)
      throw new InvalidStripeObject(`balance transaction ${String(raw.id)} is not in the payout currency ${currency}`);
    const amount = requireInteger(raw, 'amount');
    const fee = optInteger(raw, 'fee') ?? 0;
    const net = optInteger(raw, 'net');
    if (net !== undefined && net !== amount - fee)
      throw new InvalidStripeObject(`balance transaction ${String(raw.id)}: net ≠ amount − fee`);
    add(balanceCategory(raw), amount, 1);
    if (fee !== 0) add('fees', -fee, 0);
    breakdown.net += amount - fee;
  }
  return breakdown;
}

const DEPOSIT_ACCOUNT: Record<BalanceCategory, AccountKey> = {
  charges: 'stripeClearing',
  refunds: 'stripeClearing',
  payoutReversals: 'stripeClearing',
  fees: 'stripeFees',
  disputes: 'disputes',
  adjustments: 'adjustments',
};

function lineDescription(breakdown: PayoutBreakdown, category: BalanceCategory): string {
  const count = breakdown.counts[category] ?? 0;
  return count > 0 ? `${CATEGORY_LABEL[category]} (${count})` : CATEGORY_LABEL[category];
}

interface PayoutFacts {
  payoutId: string;
  amount: number;
  currency: string;
  arrivalDate: string | undefined;
}

function readPayout(payout: StripeRecord): PayoutFacts {
  const arrival = optInteger(payout, 'arrival_date');
  return {
    payoutId: requireString(payout, 'id'),
    amount: requireInteger(payout, 'amount'),
    currency: requireCurrency(payout),
    arrivalDate: arrival === undefined ? undefined : utcDate(arrival),
  };
}

function totalsPark(facts: PayoutFacts, breakdown: PayoutBreakdown): Plan | undefined {
  if (breakdown.net === facts.amount) return undefined;
  return park(
    'totals_mismatch',
    `payout ${facts.payoutId}: balance transactions net ${minorToDecimal(breakdown.net, facts.currency)}, payout is ${minorToDecimal(facts.amount, facts.currency)}`,
  );
}

/**
 * Deposit to `bank` (invoices mode): one line per category, grouped because a payout can hold thousands of
 * balance transactions and the Deposit should read like the bank statement; charges and refunds move out of the
 * clearing account where the payments and refund receipts put them, fees are a negative line on `stripeFees`.
 */
function planDeposit(context: PlanContext, facts: PayoutFacts, breakdown: PayoutBreakdown): Plan {
  const lines = CATEGORY_ORDER.flatMap((category) => {
    const amount = breakdown.amounts[category] ?? 0;
    if (amount === 0) return [];
    return [
      {
        DetailType: 'DepositLineDetail',
        Amount: minorToQboAmount(amount, facts.currency),
        Description: lineDescription(breakdown, category),
        DepositLineDetail: { AccountRef: context.account(DEPOSIT_ACCOUNT[category]) },
      },
    ];
  });
  return finishPlan(context, [
    buildOperation(context, {
      entity: 'Deposit',
      stripeId: facts.payoutId,
      stripeObject: 'payout',
      currency: facts.currency,
      expectedTotalMinor: facts.amount,
      ...(facts.arrivalDate === undefined ? {} : { txnDate: facts.arrivalDate }),
      body: { DepositToAccountRef: context.account('bank'), Line: lines },
    }),
  ]);
}

/** Manual payouts have no balance-transaction list (Stripe refuses `payout=` for them): clearing → bank. */
function planManualTransfer(context: PlanContext, facts: PayoutFacts): Plan {
  return finishPlan(context, [
    buildOperation(context, {
      entity: 'Transfer',
      stripeId: facts.payoutId,
      stripeObject: 'payout',
      currency: facts.currency,
      // QBO calls a Transfer's total `Amount`; the executor compares that.
      expectedTotalMinor: facts.amount,
      ...(facts.arrivalDate === undefined ? {} : { txnDate: facts.arrivalDate }),
      body: {
        FromAccountRef: context.account('stripeClearing'),
        ToAccountRef: context.account('bank'),
        Amount: minorToQboAmount(facts.amount, facts.currency),
      },
      note: 'manual payout (no balance transactions)',
    }),
  ]);
}

const SUMMARY_ACCOUNT: Record<BalanceCategory, AccountKey> = {
  charges: 'income',
  refunds: 'refunds',
  fees: 'stripeFees',
  disputes: 'disputes',
  adjustments: 'adjustments',
  payoutReversals: 'stripeClearing',
};

/**
 * payout_summary mode: one JournalEntry per payout (section 6). DR bank (net); each category on its account,
 * credit when money came in (gross charges → income) and debit when it went out (fees, refunds, lost disputes).
 * It balances exactly when the categories sum to the payout, which totalsPark has checked.
 */
function planSummaryJournal(context: PlanContext, facts: PayoutFacts, breakdown: PayoutBreakdown): Plan {
  const line = (posting: 'Debit' | 'Credit', amount: number, account: { value: string }, description: string) => ({
    DetailType: 'JournalEntryLineDetail',
    Amount: minorToQboAmount(amount, facts.currency),
    Description: description,
    JournalEntryLineDetail: { PostingType: posting, AccountRef: account },
  });
  const lines = [line('Debit', facts.amount, context.account('bank'), `Stripe payout ${facts.payoutId}`)];
  let debits = facts.amount;
  for (const category of CATEGORY_ORDER) {
    const amount = breakdown.amounts[category] ?? 0;
    if (amount === 0) continue;
    const accountKey = SUMMARY_ACCOUNT[category];
    // accounts.refunds is optional and defaults to income (section 6).
    const account =
      accountKey === 'refunds' && context.settings.accounts.refunds === undefined
        ? context.account('income')
        : context.account(accountKey);
    if (amount < 0) debits += -amount;
    lines.push(line(amount > 0 ? 'Credit' : 'Debit', Math.abs(amount), account, lineDescription(breakdown, category)));
  }
  return finishPlan(context, [
    buildOperation(context, {
      entity: 'JournalEntry',
      stripeId: facts.payoutId,
      stripeObject: 'payout',
      currency: facts.currency,
      expectedTotalMinor: debits,
      ...(facts.arrivalDate === undefined ? {} : { txnDate: facts.arrivalDate }),
      body: { Line: lines },
    }),
  ]);
}

/**
 * payout.paid and payout.reconciliation_completed: post once the payout is paid and its balance transactions are
 * final. A legacy payout without `reconciliation_status` (older API versions) is taken as reconciled when paid.
 * Both events plan the same ledger key, so whichever arrives second is a duplicate.
 */
export function planPayoutPaid(context: PlanContext, payout: StripeRecord): Plan {
  const facts = readPayout(payout);
  if (isBeforeGoLive(context, optInteger(payout, 'created'))) return skip('before_go_live');
  if (optString(payout, 'status') !== 'paid') return skip('payout_not_paid');
  // `in_progress` means Stripe is still attaching balance transactions; a manual payout says `not_applicable`
  // (it never gets a list) and goes on to the transfer.
  if (optString(payout, 'reconciliation_status') === 'in_progress') return skip('not_reconciled');
  if (facts.amount === 0) return skip('zero_amount');
  const currencyPark = currencyProblem(context, facts.currency);
  if (currencyPark !== undefined) return currencyPark;
  const transactions = context.balanceTransactions;
  if (transactions === undefined) {
    if (payout.automatic === false && context.settings.mode === 'invoices') return planManualTransfer(context, facts);
    return park(
      'balance_transactions_required',
      payout.automatic === false
        ? `manual payout ${facts.payoutId} has no balance transactions to summarise`
        : `fetch GET /v1/balance_transactions?payout=${facts.payoutId} and plan again`,
    );
  }
  const breakdown = breakdownPayout(facts.payoutId, facts.currency, transactions);
  const mismatch = totalsPark(facts, breakdown);
  if (mismatch !== undefined) return mismatch;
  return context.settings.mode === 'payout_summary'
    ? planSummaryJournal(context, facts, breakdown)
    : planDeposit(context, facts, breakdown);
}

/** The ledger key of a payout's reversal: its own, so it never collides with the deposit's `create`. */
export function payoutReversalId(payoutId: string): string {
  return `${payoutId}/failed`;
}

/**
 * payout.failed → reverse what the paid payout posted. A JournalEntry (DR clearing, CR bank) rather than deleting
 * the Deposit: QBO cannot void a Deposit, a delete erases the record the bank feed may already have matched, and
 * the money really did go back to the Stripe balance, where a later payout picks it up as a `payout_failure` row
 * (mapped to clearing). `target` names what is reversed: the executor posts only when that target is linked,
 * because a payout that fails before it is paid never reached the books.
 */
export function planPayoutFailed(context: PlanContext, payout: StripeRecord): Plan {
  const facts = readPayout(payout);
  if (isBeforeGoLive(context, optInteger(payout, 'created'))) return skip('before_go_live');
  if (facts.amount === 0) return skip('zero_amount');
  const currencyPark = currencyProblem(context, facts.currency);
  if (currencyPark !== undefined) return currencyPark;
  const target =
    context.settings.mode === 'payout_summary'
      ? refTo('JournalEntry', facts.payoutId)
      : payout.automatic === false
        ? refTo('Transfer', facts.payoutId)
        : refTo('Deposit', facts.payoutId);
  const amount = minorToQboAmount(facts.amount, facts.currency);
  const failure = optString(payout, 'failure_code');
  const journalLine = (posting: 'Debit' | 'Credit', account: { value: string }) => ({
    DetailType: 'JournalEntryLineDetail',
    Amount: amount,
    Description: `Stripe payout ${facts.payoutId} failed${failure === undefined ? '' : ` (${failure})`}`,
    JournalEntryLineDetail: { PostingType: posting, AccountRef: account },
  });
  return finishPlan(context, [
    buildOperation(context, {
      entity: 'JournalEntry',
      stripeId: payoutReversalId(facts.payoutId),
      stripeObject: 'payout',
      currency: facts.currency,
      expectedTotalMinor: facts.amount,
      txnDate: context.date(Math.floor(Date.parse(context.event.occurredAt) / 1000)),
      target,
      body: {
        Line: [journalLine('Debit', context.account('stripeClearing')), journalLine('Credit', context.account('bank'))],
      },
      note: `reverses payout ${facts.payoutId}`,
    }),
  ]);
}
