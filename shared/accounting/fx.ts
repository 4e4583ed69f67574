import { journalLines, journalTotal, type Posting } from './journal';
import { currencyExponent } from './money';
import { buildOperation, park, type Plan, type PlanContext, type PlannedOperation } from './operation';
import { optString, requireCurrency, requireInteger, type StripeRecord } from './stripe-fields';

/**
 * Multicurrency (tenant `qbo.multicurrency`, DESIGN section 6). A payment, sales receipt or refund in a currency
 * other than the home currency carries Stripe's exchange rate (`exchange_rate` of the balance transaction that
 * settled it), and QBO turns its amount into home currency at that rate. Stripe rounds its conversion its own
 * way, so the home amount QBO computes can differ from what Stripe really put into (or took out of) the balance by
 * a cent or so: that realized difference is booked to `accounts.fxGainLoss` against clearing, so clearing nets to
 * zero in home currency when the payout's deposit takes Stripe's amount out.
 *
 * Only settlement in the home currency is supported: a balance in another currency would need a clearing account
 * per currency.
 */
export interface Settlement {
  /** QBO ExchangeRate: home currency per unit of the document's currency. */
  rate: number;
  /** What Stripe's balance moved, in home minor units (≥ 0). */
  homeAmount: number;
}

/** Exact decimal `rate` as integer digits over a power of ten (Stripe's rates are JSON numbers like 1.0935). */
function rateParts(rate: number): { digits: bigint; scale: number } {
  const text = rate.toFixed(12).replace(/0+$/, '').replace(/\.$/, '');
  const [whole = '0', fraction = ''] = text.split('.');
  return { digits: BigInt(whole + fraction), scale: fraction.length };
}

/**
 * The home amount QBO computes for `amount` minor units of `currency` at `rate`, rounded half away from zero to the
 * home currency's minor unit. Integer arithmetic on the rate's decimal digits: a float product could round the
 * wrong way at exactly half a cent.
 */
export function homeAmountAt(amount: number, currency: string, rate: number, homeCurrency: string): number {
  const { digits, scale } = rateParts(rate);
  const shift = currencyExponent(homeCurrency) - currencyExponent(currency) - scale;
  const numerator = BigInt(Math.abs(amount)) * digits * (shift > 0 ? 10n ** BigInt(shift) : 1n);
  const denominator = shift < 0 ? 10n ** BigInt(-shift) : 1n;
  const rounded = (2n * numerator + denominator) / (2n * denominator);
  return Number(rounded) * Math.sign(amount);
}

/**
 * The settlement of the movement booked under `stripeId`, when it needs one (foreign currency in a multicurrency
 * company); undefined when it does not; a park when the enrich stage did not supply the balance transaction.
 */
export function settlementFor(
  context: PlanContext,
  stripeId: string,
  currency: string,
): Settlement | undefined | { park: Plan } {
  const home = context.settings.homeCurrency;
  if (!context.settings.qbo.multicurrency || currency === home) return undefined;
  const transaction: StripeRecord | undefined = context.stripe?.balanceTransactionOf?.[stripeId];
  if (transaction === undefined)
    return {
      park: park(
        'exchange_rate_required',
        `${stripeId} is in ${currency}: read the balance transaction that settled it for Stripe's exchange_rate`,
      ),
    };
  if (requireCurrency(transaction) !== home)
    return {
      park: park(
        'currency_unsupported',
        `${stripeId} settled in ${requireCurrency(transaction)}, not the home currency ${home}`,
      ),
    };
  const rate = transaction.exchange_rate;
  if (typeof rate !== 'number' || !(rate > 0))
    return {
      park: park('exchange_rate_required', `balance transaction ${optString(transaction, 'id') ?? '?'} has no rate`),
    };
  return { rate, homeAmount: Math.abs(requireInteger(transaction, 'amount')) };
}

/**
 * The journal that books the difference between Stripe's settlement and QBO's home amount: `direction` +1 for
 * money into the Stripe balance (a payment), −1 for money out (a refund). None when they agree.
 */
export function fxDifferenceOperation(
  context: PlanContext,
  spec: {
    stripeId: string;
    stripeObject: string;
    amount: number;
    currency: string;
    settlement: Settlement;
    direction: 1 | -1;
    txnDate: string | undefined;
  },
): PlannedOperation | undefined {
  const home = context.settings.homeCurrency;
  const qboHome = homeAmountAt(spec.amount, spec.currency, spec.settlement.rate, home);
  const difference = spec.direction * (spec.settlement.homeAmount - qboHome);
  if (difference === 0) return undefined;
  const description = `Exchange difference on ${spec.stripeId} (${spec.currency} at ${spec.settlement.rate})`;
  const postings: Posting[] = [
    { account: context.account('stripeClearing'), amount: difference, description },
    { account: context.account('fxGainLoss'), amount: -difference, description },
  ];
  return buildOperation(context, {
    entity: 'JournalEntry',
    stripeId: `${spec.stripeId}/fx`,
    stripeObject: spec.stripeObject,
    currency: home,
    expectedTotalMinor: journalTotal(postings),
    ...(spec.txnDate === undefined ? {} : { txnDate: spec.txnDate }),
    body: { Line: journalLines(home, postings) },
    note: `exchange difference of ${spec.stripeId}`,
  });
}
