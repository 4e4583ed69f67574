import type { BalanceCategory } from './balance-types';
import { utcDate } from './dates';
import { journalLines, journalTotal, type Posting } from './journal';
import { minorToDecimal, minorToQboAmount } from './money';
import {
  buildOperation,
  currencyProblem,
  finishPlan,
  isBeforeGoLive,
  park,
  refTo,
  skip,
  type Plan,
  type PlanContext,
  type PlannedOperation,
  type QboEntityName,
} from './operation';
import {
  breakdownPayout,
  CATEGORY_ORDER,
  categoryAccount,
  lineDescription,
  type PayoutBreakdown,
} from './payout-breakdown';
import {
  optInteger,
  optString,
  requireCurrency,
  requireInteger,
  requireString,
  type StripeRecord,
} from './stripe-fields';

interface PayoutFacts {
  payoutId: string;
  /** Signed: a negative payout is Stripe debiting the bank to cover a negative balance. */
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

const arrival = (facts: PayoutFacts) => (facts.arrivalDate === undefined ? {} : { txnDate: facts.arrivalDate });

/**
 * The payout as signed postings: DR bank the payout, and each category on its account, credited when the money
 * came into the Stripe balance and debited when it went out. It balances exactly when the categories sum to the
 * payout, which totalsPark has checked.
 */
function payoutPostings(context: PlanContext, facts: PayoutFacts, breakdown: PayoutBreakdown): Posting[] {
  const postings: Posting[] = [
    { account: context.account('bank'), amount: facts.amount, description: `Stripe payout ${facts.payoutId}` },
  ];
  for (const category of CATEGORY_ORDER) {
    const amount = breakdown.amounts[category] ?? 0;
    if (amount === 0) continue;
    postings.push({
      account: categoryAccount(context, category),
      amount: -amount,
      description: lineDescription(breakdown, category),
    });
  }
  return postings;
}

/**
 * Deposit to `bank` (invoices mode, a payout of money to the bank): one line per category, grouped because a
 * payout can hold thousands of balance transactions and the Deposit should read like the bank statement; charges
 * and refunds move out of the clearing account where the payments and refund receipts put them, fees are a
 * negative line on `stripeFees`.
 */
function depositOperation(context: PlanContext, facts: PayoutFacts, breakdown: PayoutBreakdown): PlannedOperation {
  const lines = CATEGORY_ORDER.flatMap((category: BalanceCategory) => {
    const amount = breakdown.amounts[category] ?? 0;
    if (amount === 0) return [];
    return [
      {
        DetailType: 'DepositLineDetail',
        Amount: minorToQboAmount(amount, facts.currency),
        Description: lineDescription(breakdown, category),
        DepositLineDetail: { AccountRef: categoryAccount(context, category) },
      },
    ];
  });
  return buildOperation(context, {
    entity: 'Deposit',
    stripeId: facts.payoutId,
    stripeObject: 'payout',
    currency: facts.currency,
    expectedTotalMinor: facts.amount,
    ...arrival(facts),
    body: { DepositToAccountRef: context.account('bank'), Line: lines },
  });
}

/**
 * A JournalEntry of the payout's postings: every payout in payout_summary mode (section 6), and in invoices mode a
 * negative payout, which QBO cannot take as a Deposit (a Deposit's total must not be negative): there it books
 * CR bank, the money moving from the bank into the Stripe balance, with every line amount ≥ 0.
 */
function journalOperation(context: PlanContext, facts: PayoutFacts, breakdown: PayoutBreakdown): PlannedOperation {
  const postings = payoutPostings(context, facts, breakdown);
  return buildOperation(context, {
    entity: 'JournalEntry',
    stripeId: facts.payoutId,
    stripeObject: 'payout',
    currency: facts.currency,
    expectedTotalMinor: journalTotal(postings),
    ...arrival(facts),
    body: { Line: journalLines(facts.currency, postings) },
    ...(facts.amount < 0 ? { note: 'negative payout: Stripe debited the bank' } : {}),
  });
}

/**
 * Manual payouts have no balance-transaction list (Stripe refuses `payout=` for them): clearing → bank, or
 * bank → clearing for a negative one (QBO's Transfer amount must be positive).
 */
function transferOperation(context: PlanContext, facts: PayoutFacts): PlannedOperation {
  const clearing = context.account('stripeClearing');
  const bank = context.account('bank');
  const outOfStripe = facts.amount > 0;
  return buildOperation(context, {
    entity: 'Transfer',
    stripeId: facts.payoutId,
    stripeObject: 'payout',
    currency: facts.currency,
    // QBO calls a Transfer's total `Amount`; the executor compares that.
    expectedTotalMinor: Math.abs(facts.amount),
    ...arrival(facts),
    body: {
      FromAccountRef: outOfStripe ? clearing : bank,
      ToAccountRef: outOfStripe ? bank : clearing,
      Amount: minorToQboAmount(Math.abs(facts.amount), facts.currency),
    },
    note: 'manual payout (no balance transactions)',
  });
}

/**
 * The write that books a payout, whichever event plans it (paid, reconciled, failed, canceled): the same write
 * under the same ledger key (the payout id), so the first to arrive posts it and the others find it linked.
 */
function planPayoutBooking(context: PlanContext, facts: PayoutFacts, payout: StripeRecord): Plan {
  const transactions = context.balanceTransactions;
  if (transactions === undefined) {
    if (payout.automatic === false && context.settings.mode === 'invoices')
      return finishPlan(context, [transferOperation(context, facts)]);
    return park(
      'balance_transactions_required',
      payout.automatic === false
        ? `manual payout ${facts.payoutId} has no balance transactions to summarise`
        : `fetch GET /v1/balance_transactions?payout=${facts.payoutId} and plan again`,
    );
  }
  const result = breakdownPayout(facts.payoutId, facts.currency, transactions);
  if ('unknown' in result)
    return park(
      'balance_type_unknown',
      `payout ${facts.payoutId}: no booking rule for ${result.unknown.join('; ')}`.slice(0, 2000),
    );
  const mismatch = totalsPark(facts, result.breakdown);
  if (mismatch !== undefined) return mismatch;
  const operation =
    context.settings.mode === 'invoices' && facts.amount > 0
      ? depositOperation(context, facts, result.breakdown)
      : journalOperation(context, facts, result.breakdown);
  return finishPlan(context, [operation]);
}

function payoutPreconditions(context: PlanContext, payout: StripeRecord, facts: PayoutFacts): Plan | undefined {
  if (isBeforeGoLive(context, optInteger(payout, 'created'))) return skip('before_go_live');
  if (facts.amount === 0) return skip('zero_amount');
  return currencyProblem(context, facts.currency);
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
  return payoutPreconditions(context, payout, facts) ?? planPayoutBooking(context, facts, payout);
}

/** The ledger key of a payout's reversal: its own, so it never collides with the booking's `create`. */
export function payoutReversalId(payoutId: string): string {
  return `${payoutId}/failed`;
}

function bookingEntity(context: PlanContext, payout: StripeRecord, facts: PayoutFacts): QboEntityName {
  if (context.settings.mode === 'payout_summary') return 'JournalEntry';
  if (context.balanceTransactions === undefined && payout.automatic === false) return 'Transfer';
  return facts.amount > 0 ? 'Deposit' : 'JournalEntry';
}

/**
 * payout.failed and payout.canceled. Stripe returns the money to the balance, and a later payout carries it back
 * as a `payout_failure`/`payout_cancel` row on clearing. Every fee, dispute and adjustment the payout carried is
 * still real, whether the payout landed or not. So the plan is the payout's booking (the very write payout.paid
 * plans, same ledger key) followed by its reversal, a JournalEntry DR clearing / CR bank under `<payout>/failed`,
 * dated on the failure:
 * - failed after it was paid: the booking is already linked (skipped as such), the reversal posts;
 * - failed before it was paid: the booking posts now, then the reversal, so bank nets to zero while the fees,
 *   disputes and adjustments stay booked, and clearing keeps exactly the payout's net for the later
 *   `payout_failure` row to take out;
 * - a payout.paid arriving after the failure finds the booking linked and cannot post a second deposit.
 * Whatever the order of events, the books end the same: booking + reversal. (The alternative, a journal of only the
 * non-clearing lines when the deposit was never posted, would need the executor to tell the deposit from that
 * journal under one ledger key; this needs nothing but the ledger's exactly-once.) `target` names what is reversed,
 * as before: the executor skips a reversal whose target is not linked, which here cannot happen after the booking.
 */
export function planPayoutFailed(context: PlanContext, payout: StripeRecord): Plan {
  const facts = readPayout(payout);
  const stop = payoutPreconditions(context, payout, facts);
  if (stop !== undefined) return stop;
  const booking = planPayoutBooking(context, facts, payout);
  if (booking.parked !== undefined || booking.skipped !== undefined) return booking;
  const failure = optString(payout, 'failure_code');
  const status = optString(payout, 'status') === 'canceled' ? 'canceled' : 'failed';
  const description = `Stripe payout ${facts.payoutId} ${status}${failure === undefined ? '' : ` (${failure})`}`;
  const postings: Posting[] = [
    { account: context.account('stripeClearing'), amount: facts.amount, description },
    { account: context.account('bank'), amount: -facts.amount, description },
  ];
  const reversal = buildOperation(context, {
    entity: 'JournalEntry',
    stripeId: payoutReversalId(facts.payoutId),
    stripeObject: 'payout',
    currency: facts.currency,
    expectedTotalMinor: Math.abs(facts.amount),
    txnDate: context.eventDate(),
    target: refTo(bookingEntity(context, payout, facts), facts.payoutId),
    body: { Line: journalLines(facts.currency, postings) },
    note: `reverses payout ${facts.payoutId}`,
  });
  return finishPlan(context, [...booking.operations, reversal]);
}
