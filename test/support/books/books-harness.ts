import fc from 'fast-check';
import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import { buildPlan } from '../../../shared/accounting/plan';
import { EVERY_ACCOUNT, buildEvent, buildSettings } from '../../unit/accounting/factories';
import { PlanRunner } from './plan-runner';
import { QboBooks } from './qbo-books';
import { StripeWorld, type Action, type WorldEvent } from './stripe-world';

/**
 * The books property's harness (test support): generated Stripe histories, the tenant they run for, and the run of
 * every event through buildPlan into the QBO model, with the figures to compare.
 */

const ITEM_ACCOUNTS: Record<string, string> = {
  '1': 'income:default',
  '2': 'tax-payable',
  '5': 'income:prod_A',
  'item:prod_B': 'income:prod_B',
};
const INCOME = ['income:default', 'income:prod_A', 'income:prod_B', EVERY_ACCOUNT.discountAccount];

const line = fc.record({
  amount: fc.integer({ min: 100, max: 40_000 }),
  product: fc.constantFrom('prod_A' as const, 'prod_B' as const),
  taxed: fc.boolean(),
});
const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('invoice' as const),
      customer: fc.integer({ min: 0, max: 2 }),
      lines: fc.array(line, { minLength: 1, maxLength: 3 }),
      discountPct: fc.constantFrom(0, 0, 10, 25),
      pay: fc.constantFrom('card' as const, 'card' as const, 'open' as const),
      shape: fc.constantFrom('legacy' as const, 'basil' as const),
      paged: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('charge' as const),
      customer: fc.option(fc.integer({ min: 0, max: 2 }), { nil: null }),
      amount: fc.integer({ min: 100, max: 60_000 }),
      capture: fc.constantFrom('auto' as const, 'later' as const, 'partial' as const, 'never' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('refund' as const),
      payment: fc.nat(20),
      pct: fc.integer({ min: 1, max: 100 }),
      fails: fc.boolean(),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('creditNote' as const),
      invoice: fc.nat(20),
      pct: fc.integer({ min: 1, max: 100 }),
      refundPct: fc.constantFrom(0, 50, 100),
      outOfBandPct: fc.constantFrom(0, 0, 30),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('dispute' as const), payment: fc.nat(20), won: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('movement' as const),
      type: fc.constantFrom(
        'reserve' as const,
        'topup' as const,
        'application_fee' as const,
        'stripe_fee' as const,
        'climate_order_purchase' as const,
        'transfer' as const,
        'minimum_balance' as const,
      ),
      amount: fc.integer({ min: 1, max: 20_000 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('payout' as const),
      outcome: fc.constantFrom(
        'paid' as const,
        'paid' as const,
        'failed_before' as const,
        'failed_after' as const,
        'canceled' as const,
      ),
    }),
  },
);

export const history = fc.record({
  actions: fc.array(action, { minLength: 1, maxLength: 14 }),
  mode: fc.constantFrom('invoices' as const, 'invoices' as const, 'invoices' as const, 'payout_summary' as const),
  multicurrency: fc.boolean(),
  eurRate: fc.constantFrom(1.0935, 1.1027, 0.9876),
  taxRatePct: fc.constantFrom(8, 20),
  regime: fc.constantFrom('us' as const, 'vat' as const),
  mapRate: fc.boolean(),
  /** undefined: events in the order Stripe sent them; else a seed to shuffle them. */
  shuffle: fc.option(fc.integer(), { nil: undefined }),
});
export type History = typeof history extends fc.Arbitrary<infer T> ? T : never;

function shuffled<T>(items: T[], seed: number | undefined): T[] {
  if (seed === undefined) return items;
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

function settingsFor(h: History): TenantSettings {
  return buildSettings({
    mode: h.mode,
    qbo: { realmId: '9130350000000000', environment: 'sandbox', multicurrency: h.multicurrency },
    accounts: { ...EVERY_ACCOUNT },
    items: { defaultItem: '1', taxItem: '2', byStripeProduct: { prod_A: '5' } },
    tax: {
      regime: h.regime,
      ...(h.mapRate ? { taxCodeByRate: { txr_std: '11' } } : {}),
      defaultTaxCode: '20',
      exemptTaxCode: '30',
    },
  });
}

/** Runs every event to the books; waiting events come back until nothing moves (the consumers' retries). */
export function runBooks(h: History) {
  const world = new StripeWorld({ multicurrency: h.multicurrency, eurRate: h.eurRate, taxRatePct: h.taxRatePct });
  for (const step of h.actions) world.apply(step);
  world.finish();
  const settings = settingsFor(h);
  const books = new QboBooks({
    homeCurrency: 'USD',
    multicurrency: h.multicurrency,
    regime: h.regime,
    itemAccount: (item) => {
      const account = ITEM_ACCOUNTS[item];
      if (account === undefined) throw new Error(`no account for item ${item}`);
      return account;
    },
    qboRate: () => 1.1,
    taxPayable: 'tax-payable',
  });
  const runner = new PlanRunner(books);
  const run = (event: WorldEvent): boolean =>
    runner.run(
      buildPlan({
        event: buildEvent(event.type, event.object, event.occurredAt),
        settings,
        stripe: event.stripe,
        ...(event.balanceTransactions === undefined ? {} : { balanceTransactions: event.balanceTransactions }),
      }),
      `${event.type} ${String(event.object.id)}`,
    ) !== 'waiting';
  /** Retries waiting events until none moves (the consumers' redeliveries); returns those still waiting. */
  const drain = (events: WorldEvent[]): WorldEvent[] => {
    let waiting = events;
    for (let moved = true; moved && waiting.length > 0;) {
      const before = waiting.length;
      waiting = waiting.filter((event) => !run(event));
      moved = waiting.length < before;
    }
    return waiting;
  };
  const clearingAtPayouts: string[] = [];
  if (h.shuffle !== undefined)
    return { world, books, runner, waiting: drain(shuffled(world.events, h.shuffle)), clearingAtPayouts };
  // In Stripe's order, clearing must hold exactly the balance not paid out yet after every payout, not only at the end.
  let waiting: WorldEvent[] = [];
  world.events.forEach((event, index) => {
    waiting = drain([...waiting, event]);
    for (const checkpoint of world.checkpoints)
      if (checkpoint.afterEvents === index + 1) {
        const expected = checkpoint.clearing[h.mode];
        const actual = books.balance(EVERY_ACCOUNT.stripeClearing);
        if (actual !== expected)
          clearingAtPayouts.push(`after event ${index + 1}: clearing ${actual}, Stripe ${expected}`);
      }
  });
  return { world, books, runner, waiting, clearingAtPayouts };
}

const byCurrency = (books: QboBooks, accounts: readonly string[], sign: number): Map<string, number> => {
  const totals = new Map<string, number>();
  for (const account of accounts)
    for (const [currency, amount] of books.balanceIn(account))
      totals.set(currency, (totals.get(currency) ?? 0) + sign * amount);
  return new Map([...totals].filter(([, amount]) => amount !== 0));
};
const nonZero = (map: Map<string, number>) =>
  Object.fromEntries([...map].filter(([, amount]) => amount !== 0).sort(([a], [b]) => a.localeCompare(b)));

/** What the books show beside what Stripe says; the property compares the two. */
export function compareBooks(h: History) {
  const { world, books, runner, waiting, clearingAtPayouts } = runBooks(h);
  const category = (name: string) => world.figures.categories.get(name) ?? 0;
  const problems = {
    parked: runner.parked,
    rejected: runner.rejected,
    violations: books.violations,
    waiting: waiting.map((event) => `${event.type} ${String(event.object.id)}`),
    clearingAtPayouts,
  };
  const accounts = {
    clearing: books.balance(EVERY_ACCOUNT.stripeClearing),
    bank: books.balance(EVERY_ACCOUNT.bank) - world.figures.bank,
    fees: books.balance(EVERY_ACCOUNT.stripeFees) + category('fees'),
    disputes: books.balance(EVERY_ACCOUNT.disputes) + category('disputes'),
    reserves: books.balance(EVERY_ACCOUNT.stripeReserve) + category('reserves'),
    platformEarnings: books.balance(EVERY_ACCOUNT.platformIncome) + category('platformEarnings'),
    connectTransfers: books.balance(EVERY_ACCOUNT.connectTransfers) + category('connectTransfers'),
    contributions: books.balance(EVERY_ACCOUNT.contributions) + category('contributions'),
    adjustments: books.balance(EVERY_ACCOUNT.adjustments),
  };
  if (h.mode === 'payout_summary')
    return {
      problems,
      accounts: {
        ...accounts,
        income: books.balance(EVERY_ACCOUNT.income) + category('charges'),
        refunds: books.balance(EVERY_ACCOUNT.refunds) + category('refunds'),
      },
    };
  return {
    problems,
    accounts,
    revenue: { books: nonZero(byCurrency(books, INCOME, -1)), stripe: nonZero(world.figures.revenue) },
    tax: { books: nonZero(byCurrency(books, ['tax-payable'], -1)), stripe: nonZero(world.figures.tax) },
    receivables: { books: nonZero(books.receivables()), stripe: nonZero(world.figures.receivables) },
    openInvoices: { books: nonZero(books.openInvoices()), stripe: nonZero(world.figures.openInvoices) },
    credits: { books: nonZero(books.openCredits()), stripe: nonZero(world.figures.credits) },
  };
}
