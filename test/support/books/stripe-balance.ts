import type { StripeEnrichment } from '../../../shared/accounting/plan';

/**
 * The balance side of the simulated Stripe account (test support for the books property test; stripe-world.ts adds
 * the sales): balance transactions with the booking category Stripe's documentation gives them, the events Stripe
 * sends, balance movements of many types, payouts paid, failed before or after being paid, canceled or negative, and
 * Stripe's own figures.
 */
export type MovementType =
  'reserve' | 'topup' | 'application_fee' | 'stripe_fee' | 'climate_order_purchase' | 'transfer' | 'minimum_balance';

export type PayoutOutcome = 'paid' | 'failed_before' | 'failed_after' | 'canceled';

export interface WorldOptions {
  multicurrency: boolean;
  /** Customers 1 and 2 pay in EUR when the company is multicurrency. */
  eurRate: number;
  taxRatePct: number;
}

export interface WorldEvent {
  type: string;
  object: Record<string, unknown>;
  occurredAt: string;
  stripe: StripeEnrichment;
  balanceTransactions?: Record<string, unknown>[];
}

/** Stripe's own figures: what the books must show. */
export interface StripeFigures {
  /** Sales net of discounts, credit notes and refunds, excluding tax, per currency (minor units). */
  revenue: Map<string, number>;
  /** Tax charged less tax credited, per currency. */
  tax: Map<string, number>;
  /** Signed sums of balance transactions per booking category (home currency), fees included as `fees`. */
  categories: Map<string, number>;
  /** Money paid out to the bank, net of top-ups drawn from it. */
  bank: number;
  /** Open invoice amounts plus the customer's Stripe balance, per "customer currency". */
  receivables: Map<string, number>;
  /** Open invoice amounts alone, per "customer currency". */
  openInvoices: Map<string, number>;
  /** The customer's credit balance (positive), per "customer currency". */
  credits: Map<string, number>;
}

export type Row = Record<string, unknown> & { id: string; amount: number; fee: number; net: number };

export const add = (map: Map<string, number>, key: string, amount: number) =>
  map.set(key, (map.get(key) ?? 0) + amount);

export class StripeBalance {
  readonly events: WorldEvent[] = [];
  readonly figures: StripeFigures = {
    revenue: new Map(),
    tax: new Map(),
    categories: new Map(),
    bank: 0,
    receivables: new Map(),
    openInvoices: new Map(),
    credits: new Map(),
  };
  protected time = 1_748_779_200; // 2025-06-01
  private serial = 0;
  protected pending: Row[] = [];
  protected holdNext = 0;
  private readonly bookingOf = new Map<string, string>();
  /** After a payout's last event: what clearing must hold then (the balance not yet paid out), per mode. */
  readonly checkpoints: { afterEvents: number; clearing: { invoices: number; payout_summary: number } }[] = [];

  constructor(protected readonly options: WorldOptions) {}

  protected id(prefix: string): string {
    this.serial += 1;
    return `${prefix}_${String(this.serial).padStart(4, '0')}`;
  }

  protected tick(): number {
    this.time += 3600;
    return this.time;
  }

  protected currencyOf(customer: string | null): string {
    return this.options.multicurrency && (customer === 'cus_1' || customer === 'cus_2') ? 'eur' : 'usd';
  }

  /** Stripe's conversion into the USD balance: it rounds down, so QBO's half-up rounding sometimes differs. */
  protected settle(amount: number, currency: string): number {
    return currency === 'usd' ? amount : Math.sign(amount) * Math.floor(Math.abs(amount) * this.options.eurRate);
  }

  /** A balance transaction, with the booking category Stripe's documentation gives it (the oracle's, not the code's). */
  protected row(
    type: string,
    category: string,
    amount: number,
    fee: number,
    source: string,
    currency: string,
    booking: string,
  ) {
    const row: Row = {
      id: this.id('txn'),
      object: 'balance_transaction',
      type,
      reporting_category: category,
      amount,
      fee,
      net: amount - fee,
      currency: 'usd',
      exchange_rate: currency === 'usd' ? null : this.options.eurRate,
      source,
      created: this.time,
    };
    this.pending.push(row);
    this.bookingOf.set(row.id, booking);
    add(this.figures.categories, booking, amount);
    add(this.figures.categories, 'fees', -fee);
    return row;
  }

  protected emit(type: string, object: Record<string, unknown>, stripe: StripeEnrichment = {}, rows?: Row[]) {
    this.events.push({
      type,
      object: structuredClone(object),
      occurredAt: new Date(this.time * 1000).toISOString(),
      stripe: structuredClone(stripe),
      ...(rows === undefined ? {} : { balanceTransactions: structuredClone(rows) }),
    });
  }

  protected fee(amount: number): number {
    return Math.round(Math.abs(amount) * 0.029) + 30;
  }

  protected movement(type: MovementType, amount: number) {
    const source = this.id('src');
    const movements: Record<MovementType, [string, string, number, string][]> = {
      reserve: [
        ['reserve_hold', 'risk_reserved_funds', -amount, 'reserves'],
        ['reserve_release', 'risk_reserved_funds', amount, 'reserves'],
      ],
      topup: [['topup', 'topup', amount, 'bankTransfers']],
      application_fee: [['application_fee', 'platform_earning', amount, 'platformEarnings']],
      stripe_fee: [['stripe_fee', 'fee', -amount, 'fees']],
      climate_order_purchase: [['climate_order_purchase', 'climate_order_purchase', -amount, 'contributions']],
      transfer: [['transfer', 'transfer', -amount, 'connectTransfers']],
      minimum_balance: [],
    };
    if (type === 'minimum_balance') this.holdNext = amount;
    for (const [rowType, category, signed, booking] of movements[type]) {
      this.row(rowType, category, signed, 0, source, 'usd', booking);
    }
    if (type === 'topup') this.figures.bank -= amount;
  }

  /** Sweeps the balance into a payout. `final` never holds back a minimum balance, so everything is paid out. */
  payout(outcome: PayoutOutcome, final = false) {
    const swept = this.pending.reduce((sum, row) => sum + row.net, 0);
    const held = !final && this.holdNext > 0 && swept > this.holdNext ? this.holdNext : 0;
    if (this.pending.length === 0 || swept - held === 0) return;
    this.holdNext = 0;
    const id = this.id('po');
    if (held > 0)
      this.row('payout_minimum_balance_hold', 'payout_minimum_balance_hold', -held, 0, id, 'usd', 'stripeBalance');
    const rows = this.pending;
    const amount = swept - held;
    this.pending = [];
    if (held > 0)
      this.row('payout_minimum_balance_release', 'payout_minimum_balance_release', held, 0, id, 'usd', 'stripeBalance');
    const own = {
      id: this.id('txn'),
      object: 'balance_transaction',
      type: 'payout',
      reporting_category: 'payout',
      amount: -amount,
      fee: 0,
      net: -amount,
      currency: 'usd',
      source: id,
    };
    const payout = {
      id,
      object: 'payout',
      amount,
      currency: 'usd',
      arrival_date: Math.floor(this.time / 86400) * 86400,
      automatic: true,
      created: this.time,
      status: 'paid',
      reconciliation_status: 'completed',
      balance_transaction: own.id,
    };
    const list = [...rows, own];
    if (outcome === 'paid' || outcome === 'failed_after') {
      this.emit('payout.paid', payout, {}, list);
      this.emit('payout.reconciliation_completed', payout, {}, list);
    }
    if (outcome === 'paid') {
      this.figures.bank += amount;
      this.checkpoint();
      return;
    }
    this.tick();
    const status = outcome === 'canceled' ? 'canceled' : 'failed';
    this.emit(`payout.${status}`, { ...payout, status, failure_code: 'account_closed' }, {}, list);
    this.row(
      outcome === 'canceled' ? 'payout_cancel' : 'payout_failure',
      'payout_reversal',
      amount,
      0,
      id,
      'usd',
      'payoutReversals',
    );
    this.checkpoint();
  }

  /**
   * Clearing stands for the Stripe balance: after a payout, it holds what the balance holds that is booked on it. In
   * invoices mode the recipes book sales and refunds into it as they happen, so those unswept rows count; in
   * payout_summary mode only the movements that never leave the balance (holds, returned payouts) do.
   */
  protected checkpoint(): void {
    const onClearing = (bookings: string[]) =>
      this.pending.reduce(
        (sum, row) => sum + (bookings.includes(this.bookingOf.get(row.id) ?? '') ? row.amount : 0),
        0,
      );
    this.checkpoints.push({
      afterEvents: this.events.length,
      clearing: {
        invoices: onClearing(['charges', 'refunds', 'payoutReversals', 'stripeBalance']),
        payout_summary: onClearing(['payoutReversals', 'stripeBalance']),
      },
    });
  }
}
