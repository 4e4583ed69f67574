import type Stripe from 'stripe';
import { optString, type StripeRecord } from './stripe-fields';

/**
 * Every Stripe balance-transaction `type` (DESIGN section 6), read off the pinned `stripe` package: its union ends in
 * `OtherString` (any string), which `Literal` drops, leaving the documented list. The table below is a Record over
 * it, so a package upgrade that adds a type fails to compile until someone decides where its money goes. A type the
 * package does not know yet (Stripe ships new ones between releases) is not in the table and parks the payout.
 */
type Literal<T> = T extends string ? (string extends T ? never : T) : never;
export type BalanceTransactionType = Literal<Stripe.BalanceTransaction.Type>;

/**
 * Where a balance movement is booked. Each category is one line of a payout's Deposit (or summary JournalEntry) on
 * one tenant account (see ACCOUNT_OF_CATEGORY in payout-breakdown.ts):
 * - `charges`, `refunds`: money whose sale or refund a recipe already booked into `stripeClearing` (invoices mode),
 *   or income/refunds (payout_summary mode);
 * - `payoutReversals`, `stripeBalance`: money that never left the Stripe balance, which `stripeClearing` stands for;
 * - `reserves`: funds Stripe holds back (a balance-sheet asset, `stripeReserve`, by default the clearing account);
 * - `bankTransfers`: money between the bank and the Stripe balance (top-ups), against `bank`;
 * - `fees`, `disputes`, `failedPayments`, `platformEarnings`, `contributions`: profit and loss;
 * - `connectTransfers`, `financing`, `issuing`: balance-sheet or cost accounts only the tenant can choose;
 * - `adjustments`: Stripe's own `other_adjustment`, and the few movements only an accountant can place.
 */
export type BalanceCategory =
  | 'charges'
  | 'refunds'
  | 'failedPayments'
  | 'fees'
  | 'disputes'
  | 'payoutReversals'
  | 'stripeBalance'
  | 'reserves'
  | 'bankTransfers'
  | 'platformEarnings'
  | 'connectTransfers'
  | 'contributions'
  | 'financing'
  | 'issuing'
  | 'adjustments';

/**
 * A type whose `reporting_category` says more than the type: Stripe files disputes, failed refunds, some fees and
 * platform earnings under `type: adjustment`, and a partial capture's released remainder under `type: refund`.
 * `otherwise` applies to a reporting category the map does not name; `park` means we cannot tell, so a person looks.
 */
interface ByReportingCategory {
  byReportingCategory: Readonly<Record<string, BalanceCategory>>;
  otherwise: BalanceCategory | 'park';
}

type TypeRule = BalanceCategory | ByReportingCategory;

/** Capturing less than was authorised releases the rest: it lowers the sale, it is no refund to anybody. */
const PARTIAL_CAPTURE = { partial_capture_reversal: 'charges' } as const;

/**
 * The classification of every balance-transaction type. Stripe's descriptions: docs.stripe.com/reports/
 * balance-transaction-types and docs.stripe.com/reports/reporting-categories.
 */
export const CATEGORY_OF_TYPE: Readonly<Record<BalanceTransactionType, TypeRule>> = {
  // Payments and their reversals.
  charge: { byReportingCategory: PARTIAL_CAPTURE, otherwise: 'charges' },
  payment: { byReportingCategory: PARTIAL_CAPTURE, otherwise: 'charges' },
  refund: { byReportingCategory: PARTIAL_CAPTURE, otherwise: 'refunds' },
  payment_refund: 'refunds',
  // A refund that failed puts its money back; the refund-failure recipe books its reversal into clearing.
  refund_failure: 'refunds',
  // A delayed-notification payment (ACH, SEPA) that failed after it succeeded: the money never came.
  payment_failure_refund: 'failedPayments',
  payment_reversal: 'failedPayments',
  // Bank-transfer funds Stripe could not match to a customer: only the accountant can say whose they are.
  payment_unreconciled: 'adjustments',
  adjustment: {
    byReportingCategory: {
      dispute: 'disputes',
      dispute_reversal: 'disputes',
      refund_failure: 'refunds',
      fee: 'fees',
      tax: 'fees',
      network_cost: 'fees',
      charge_failure: 'failedPayments',
      platform_earning: 'platformEarnings',
      platform_earning_refund: 'platformEarnings',
      risk_reserved_funds: 'reserves',
      connect_reserved_funds: 'reserves',
      ...PARTIAL_CAPTURE,
      other_adjustment: 'adjustments',
    },
    otherwise: 'park',
  },
  // Stripe's fees, whatever they are charged for.
  stripe_fee: 'fees',
  stripe_fx_fee: 'fees',
  tax_fee: 'fees',
  fee_credit_funding: 'fees',
  // Paying a Stripe invoice (Stripe's own subscription products) out of the balance.
  stripe_balance_payment_debit: 'fees',
  stripe_balance_payment_debit_reversal: 'fees',
  // Payouts: the payout's own row is left out of its list; anything else stays in (or returns to) the balance.
  payout: 'stripeBalance',
  payout_cancel: 'payoutReversals',
  payout_failure: 'payoutReversals',
  // Held back from one payout to keep a minimum balance, released into the next: never left Stripe.
  payout_minimum_balance_hold: 'stripeBalance',
  payout_minimum_balance_release: 'stripeBalance',
  // Reserves: the merchant's money, held by Stripe or the card networks.
  reserve_hold: 'reserves',
  reserve_release: 'reserves',
  reserve_transaction: 'reserves',
  reserved_funds: 'reserves',
  payment_network_reserve_hold: 'reserves',
  payment_network_reserve_release: 'reserves',
  // Money between the tenant's bank and the Stripe balance.
  topup: 'bankTransfers',
  topup_reversal: 'bankTransfers',
  inbound_transfer: 'bankTransfers',
  inbound_transfer_reversal: 'bankTransfers',
  // Connect: a platform's earnings from its connected accounts, and the money it moves to and from them.
  application_fee: 'platformEarnings',
  application_fee_refund: 'platformEarnings',
  transfer: 'connectTransfers',
  transfer_cancel: 'connectTransfers',
  transfer_failure: 'connectTransfers',
  transfer_refund: 'connectTransfers',
  connect_collection_transfer: 'connectTransfers',
  // Stripe Climate.
  climate_order_purchase: 'contributions',
  climate_order_refund: 'contributions',
  contribution: 'contributions',
  // Stripe Capital and other money Stripe lends or collects.
  advance: 'financing',
  advance_funding: 'financing',
  anticipation_repayment: 'financing',
  obligation_outbound: 'financing',
  obligation_reversal_inbound: 'financing',
  // Stripe Issuing card spending out of the balance.
  issuing_authorization_hold: 'issuing',
  issuing_authorization_release: 'issuing',
  issuing_transaction: 'issuing',
  issuing_dispute: 'issuing',
  issuing_dispute_provisional_credit: 'issuing',
  issuing_dispute_provisional_credit_reversal: 'issuing',
  // Tax Stripe collects to remit for the account: the tenant's tax liability, which only the accountant can match.
  tax_fund: 'adjustments',
};

function isKnownType(type: string): type is BalanceTransactionType {
  return Object.prototype.hasOwnProperty.call(CATEGORY_OF_TYPE, type);
}

/** The category of a balance transaction, or why it has none (an unknown type, an adjustment we cannot place). */
export function classifyBalanceTransaction(
  transaction: StripeRecord,
): { category: BalanceCategory } | { unknown: string } {
  const type = optString(transaction, 'type') ?? '';
  const reporting = optString(transaction, 'reporting_category');
  const named = `${String(transaction.id)} type ${type || '(none)'} reporting_category ${reporting ?? '(none)'}`;
  if (!isKnownType(type)) return { unknown: named };
  const rule = CATEGORY_OF_TYPE[type];
  if (typeof rule === 'string') return { category: rule };
  const refined = reporting === undefined ? undefined : rule.byReportingCategory[reporting];
  if (refined !== undefined) return { category: refined };
  return rule.otherwise === 'park' ? { unknown: named } : { category: rule.otherwise };
}
