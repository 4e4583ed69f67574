import { classifyBalanceTransaction, type BalanceCategory } from './balance-types';
import type { AccountKey, PlanContext } from './operation';
import { InvalidStripeObject, isRecord, optInteger, optString, requireCurrency, requireInteger } from './stripe-fields';

/** Line order on a Deposit or summary JournalEntry: money in first, the payout's own reversals, fees last. */
export const CATEGORY_ORDER: readonly BalanceCategory[] = [
  'charges',
  'refunds',
  'failedPayments',
  'disputes',
  'adjustments',
  'platformEarnings',
  'connectTransfers',
  'contributions',
  'financing',
  'issuing',
  'reserves',
  'bankTransfers',
  'stripeBalance',
  'payoutReversals',
  'fees',
];

export const CATEGORY_LABEL: Record<BalanceCategory, string> = {
  charges: 'Stripe charges',
  refunds: 'Stripe refunds',
  failedPayments: 'Stripe failed payments',
  fees: 'Stripe fees',
  disputes: 'Stripe disputes',
  payoutReversals: 'Returned Stripe payouts',
  stripeBalance: 'Stripe balance holds and other payouts',
  reserves: 'Stripe reserves',
  bankTransfers: 'Stripe top-ups',
  platformEarnings: 'Stripe platform earnings',
  connectTransfers: 'Stripe Connect transfers',
  contributions: 'Stripe Climate contributions',
  financing: 'Stripe Capital',
  issuing: 'Stripe Issuing',
  adjustments: 'Stripe adjustments',
};

/** A tenant account, or one that defaults to another (see PlanContext.accountOr). */
type AccountChoice = AccountKey | readonly [AccountKey, AccountKey];

/**
 * The account of each category in invoices mode (a Deposit line). Charges and refunds stay on the clearing
 * account, where the Payments, SalesReceipts and RefundReceipts put them; what no recipe books goes to its own
 * account. Everything that never left the Stripe balance stays on clearing, which stands for that balance.
 */
const DEPOSIT_ACCOUNT: Record<BalanceCategory, AccountChoice> = {
  charges: 'stripeClearing',
  refunds: 'stripeClearing',
  payoutReversals: 'stripeClearing',
  stripeBalance: 'stripeClearing',
  reserves: ['stripeReserve', 'stripeClearing'],
  bankTransfers: 'bank',
  fees: 'stripeFees',
  disputes: 'disputes',
  failedPayments: ['failedPayments', 'disputes'],
  platformEarnings: ['platformIncome', 'income'],
  connectTransfers: 'connectTransfers',
  contributions: 'contributions',
  financing: 'financing',
  issuing: 'issuing',
  adjustments: 'adjustments',
};

/** payout_summary mode books no sales or refunds of its own: the payout is where income and refunds land. */
const SUMMARY_ACCOUNT: Record<BalanceCategory, AccountChoice> = {
  ...DEPOSIT_ACCOUNT,
  charges: 'income',
  // accounts.refunds is optional and defaults to income (section 6).
  refunds: ['refunds', 'income'],
};

export function categoryAccount(context: PlanContext, category: BalanceCategory): { value: string } {
  const choice = (context.settings.mode === 'payout_summary' ? SUMMARY_ACCOUNT : DEPOSIT_ACCOUNT)[category];
  return typeof choice === 'string' ? context.account(choice) : context.accountOr(choice[0], choice[1]);
}

export interface PayoutBreakdown {
  /** Signed minor units per category (money into the Stripe balance positive); zero categories are absent. */
  amounts: Partial<Record<BalanceCategory, number>>;
  counts: Partial<Record<BalanceCategory, number>>;
  /** Σ(amount − fee) = Σ net: what the payout must equal. */
  net: number;
}

/**
 * Sums a payout's balance transactions per category. The payout's own row (type `payout`) is the withdrawal
 * itself and is left out. A row's `fee` goes to fees whatever its type, so fee lines stay visible even when Stripe
 * nets them into a charge. A row no rule places is returned by name, for the plan to park: nothing lands in
 * adjustments by default.
 */
export function breakdownPayout(
  payoutId: string,
  currency: string,
  transactions: readonly unknown[],
): { breakdown: PayoutBreakdown } | { unknown: string[] } {
  const breakdown: PayoutBreakdown = { amounts: {}, counts: {}, net: 0 };
  const unknown: string[] = [];
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
    const classified = classifyBalanceTransaction(raw);
    if ('unknown' in classified) unknown.push(classified.unknown);
    else add(classified.category, amount, 1);
    if (fee !== 0) add('fees', -fee, 0);
    breakdown.net += amount - fee;
  }
  return unknown.length > 0 ? { unknown } : { breakdown };
}

export function lineDescription(breakdown: PayoutBreakdown, category: BalanceCategory): string {
  const count = breakdown.counts[category] ?? 0;
  return count > 0 ? `${CATEGORY_LABEL[category]} (${count})` : CATEGORY_LABEL[category];
}
