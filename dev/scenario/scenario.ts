import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import balanceTransactionChargeFee from './fixtures/object-balance_transaction-charge-fee.json';
import creditNoteCreated from './fixtures/event-credit_note.created.json';
import customerCreated from './fixtures/event-customer.created.json';
import invoiceFinalized from './fixtures/event-invoice.finalized.json';
import invoicePaymentPaid from './fixtures/event-invoice_payment.paid.json';
import payoutPaid from './fixtures/event-payout.paid.json';
import refundCreated from './fixtures/event-refund.created.json';

import { paymentObjects } from './stripe-objects';

export { createScenarioStripeReader } from './stripe-reader';

/**
 * A deterministic Stripe history for the benchmark, the chaos run and the demo: customers, invoices, invoice
 * payments, refunds, credit notes and payouts whose balance transactions add up to the payout, all with ids that
 * point at each other. Shapes come from the real fixtures (`test/fixtures/stripe`, `stripe-api`); only ids, amounts, names and
 * times are replaced, so what the pipeline parses is what Stripe sends.
 */

export type StripeRecord = Record<string, unknown>;

/** A Stripe event envelope, ready for `signStripeEvent`. */
export interface ScenarioEvent {
  id: string;
  type: string;
  created: number;
  data: { object: StripeRecord };
  [key: string]: unknown;
}

/** A QBO object the history must leave behind exactly once, with the Stripe amount its total must equal. */
export interface ExpectedQboObject {
  stripeId: string;
  stripeObject: string;
  qboEntity:
    | 'Customer'
    | 'Invoice'
    | 'Payment'
    | 'RefundReceipt'
    | 'CreditMemo'
    | 'Deposit'
    | 'SalesReceipt'
    | 'JournalEntry'
    | 'Transfer';
  /** Minor units; undefined where the QBO object has no total (a Customer). */
  amountMinor?: number;
}

export interface Scenario {
  seed: number;
  /** Stripe objects that should reach QBO (what `--objects N` counts). */
  objectCount: number;
  events: ScenarioEvent[];
  expected: ExpectedQboObject[];
  /** Every generated Stripe object by id (what a dependency fetch returns), and the products the invoices sell. */
  objects: Map<string, StripeRecord>;
  /** payout id → its balance transactions (`GET /v1/balance_transactions?payout=`). */
  balanceTransactions: Map<string, StripeRecord[]>;
  /**
   * invoice or credit note id → every line (`GET /v1/invoices/:id/lines`), for documents whose event carries a
   * first page only; a document not here is answered with its own embedded lines.
   */
  lines: Map<string, StripeRecord[]>;
}

export interface ScenarioOptions {
  seed?: number;
  /** How many Stripe objects that map to a QBO object to generate (default 2,000). */
  objects?: number;
  /** A folder of Stripe event fixtures to use instead of the templates in `./fixtures` (API objects in `../stripe-api`). */
  fixturesDir?: string;
  /** Unix seconds of the first object (default 2025-01-01). */
  startAt?: number;
}

/** mulberry32: small, fast, and the same sequence on every machine for a given seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

interface Templates {
  events: Record<string, ScenarioEvent>;
  invoice: StripeRecord;
  balanceTransaction: StripeRecord;
}

/** The templates shipped beside this file (imported, so the build carries them and nothing reads a test folder). */
const EMBEDDED_EVENTS: Record<string, unknown> = {
  'customer.created': customerCreated,
  'invoice.finalized': invoiceFinalized,
  'invoice_payment.paid': invoicePaymentPaid,
  'refund.created': refundCreated,
  'credit_note.created': creditNoteCreated,
  'payout.paid': payoutPaid,
};

function loadTemplates(dir: string | undefined): Templates {
  const read = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));
  const events: Record<string, ScenarioEvent> = {};
  for (const [type, embedded] of Object.entries(EMBEDDED_EVENTS))
    events[type] = structuredClone((dir ? read(join(dir, `event-${type}.json`)) : embedded) as ScenarioEvent);
  return {
    events,
    invoice: events['invoice.finalized']!.data.object,
    balanceTransaction: structuredClone(
      (dir
        ? read(join(dir, '..', 'stripe-api', 'object-balance_transaction-charge-fee.json'))
        : balanceTransactionChargeFee) as StripeRecord,
    ),
  };
}

/** The product an invoice line sells: basil+ `pricing.price_details.product`, legacy `price.product`/`plan.product`. */
function lineProductId(line: StripeRecord): string | undefined {
  const pricing = line.pricing as { price_details?: { product?: unknown } } | undefined;
  const price = (line.price ?? line.plan) as { product?: unknown } | undefined;
  const product = pricing?.price_details?.product ?? price?.product;
  return typeof product === 'string' ? product : undefined;
}

/** Amounts in cents with odd cents on purpose: a rounding bug shows up as a penny mismatch. */
function cents(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function buildScenario(options: ScenarioOptions = {}): Scenario {
  const seed = options.seed ?? 1;
  const target = Math.max(1, options.objects ?? 2000);
  const templates = loadTemplates(options.fixturesDir);
  const random = seededRandom(seed);
  const tag = `${seed.toString(36)}x`;
  const startAt = options.startAt ?? 1_735_689_600;

  const events: ScenarioEvent[] = [];
  const expected: ExpectedQboObject[] = [];
  const objects = new Map<string, StripeRecord>();
  const balanceTransactions = new Map<string, StripeRecord[]>();
  const lineTemplate = ((templates.invoice.lines as { data: StripeRecord[] }).data[0] ?? {}) as StripeRecord;
  // Every invoice line sells the template's product; its name is what the consumers look up among QBO Items.
  const productId = lineProductId(lineTemplate);
  if (productId !== undefined)
    objects.set(productId, {
      id: productId,
      object: 'product',
      active: true,
      created: startAt,
      livemode: false,
      name: 'Bench Subscription',
      type: 'service',
    });
  let clock = startAt;
  let eventNumber = 0;
  const tick = () => (clock += 1 + Math.floor(random() * 60));

  const emit = (type: string, object: StripeRecord) => {
    const template = templates.events[type]!;
    eventNumber += 1;
    const { account: _account, ...envelope } = template;
    events.push({
      ...envelope,
      id: `evt_${tag}${String(eventNumber).padStart(6, '0')}`,
      type,
      created: clock,
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object },
    });
    objects.set(String(object.id), object);
  };

  // Charges settled since the last payout, and refunds of them, that the next payout sweeps.
  let unpaid: StripeRecord[] = [];
  let count = 0;
  let unit = 0;
  const room = () => target - count;

  const addPayout = () => {
    const transactions = unpaid;
    unpaid = [];
    const amount = transactions.reduce((sum, t) => sum + Number(t.net), 0);
    if (amount <= 0 || transactions.length === 0) return;
    tick();
    const payoutId = `po_${tag}${String(unit).padStart(6, '0')}`;
    const template = templates.events['payout.paid']!.data.object;
    const payout: StripeRecord = {
      ...template,
      id: payoutId,
      amount,
      currency: 'usd',
      created: clock,
      arrival_date: clock + 86_400,
      automatic: true,
      livemode: false,
      status: 'paid',
      balance_transaction: `txn_${payoutId}`,
    };
    balanceTransactions.set(payoutId, [
      ...transactions,
      {
        ...templates.balanceTransaction,
        id: `txn_${payoutId}`,
        type: 'payout',
        reporting_category: 'payout',
        amount: -amount,
        fee: 0,
        net: -amount,
        source: payoutId,
        currency: 'usd',
        fee_details: [],
      },
    ]);
    emit('payout.paid', payout);
    expected.push({ stripeId: payoutId, stripeObject: 'payout', qboEntity: 'Deposit', amountMinor: amount });
    count += 1;
  };

  while (room() > 0) {
    unit += 1;
    const n = String(unit).padStart(6, '0');
    const customerId = `cus_${tag}${n}`;
    const name = `Bench ${tag}${n}`;
    const email = `bench+${tag}${n}@example.com`;
    tick();
    emit('customer.created', {
      ...templates.events['customer.created']!.data.object,
      id: customerId,
      object: 'customer',
      name,
      email,
      created: clock,
      currency: 'usd',
      livemode: false,
    });
    expected.push({ stripeId: customerId, stripeObject: 'customer', qboEntity: 'Customer' });
    count += 1;
    if (room() <= 0) break;

    const invoiceId = `in_${tag}${n}`;
    const amount = cents(random, 500, 250_000);
    tick();
    const invoice: StripeRecord = {
      ...templates.invoice,
      id: invoiceId,
      customer: customerId,
      customer_name: name,
      customer_email: email,
      number: `B${tag}${n}`.slice(0, 21),
      currency: 'usd',
      created: clock,
      livemode: false,
      status: 'open',
      subtotal: amount,
      subtotal_excluding_tax: amount,
      total: amount,
      total_excluding_tax: amount,
      amount_due: amount,
      amount_remaining: amount,
      amount_paid: 0,
      total_taxes: [],
      total_pretax_credit_amounts: [],
      total_discount_amounts: [],
      status_transitions: { finalized_at: clock, paid_at: null, voided_at: null, marked_uncollectible_at: null },
      lines: {
        object: 'list',
        has_more: false,
        url: `/v1/invoices/${invoiceId}/lines`,
        data: [{ ...lineTemplate, id: `il_${tag}${n}`, invoice: invoiceId, amount, quantity: 1, taxes: [] }],
      },
    };
    emit('invoice.finalized', invoice);
    expected.push({ stripeId: invoiceId, stripeObject: 'invoice', qboEntity: 'Invoice', amountMinor: amount });
    count += 1;
    if (room() <= 0) break;

    const intentId = `pi_${tag}${n}`;
    const chargeId = `ch_${tag}${n}`;
    tick();
    emit('invoice_payment.paid', {
      ...templates.events['invoice_payment.paid']!.data.object,
      id: `inpay_${tag}${n}`,
      amount_paid: amount,
      amount_requested: amount,
      created: clock,
      currency: 'usd',
      invoice: invoiceId,
      livemode: false,
      payment: { type: 'payment_intent', payment_intent: intentId },
      status: 'paid',
      status_transitions: { canceled_at: null, paid_at: clock },
    });
    expected.push({ stripeId: intentId, stripeObject: 'payment_intent', qboEntity: 'Payment', amountMinor: amount });
    count += 1;
    const fee = Math.round(amount * 0.029) + 30;
    const chargeTransaction: StripeRecord = {
      ...templates.balanceTransaction,
      id: `txn_${chargeId}`,
      type: 'charge',
      reporting_category: 'charge',
      amount,
      fee,
      net: amount - fee,
      source: chargeId,
      currency: 'usd',
      fee_details: [{ amount: fee, currency: 'usd', description: 'Stripe processing fees', type: 'stripe_fee' }],
    };
    unpaid.push(chargeTransaction);
    // What a refund event's enrich reads back (the refunded charge, its intent, their settlement); no events.
    for (const object of paymentObjects({ chargeId, intentId, customerId, amount, created: clock }))
      objects.set(String(object.id), object);
    objects.set(String(chargeTransaction.id), chargeTransaction);
    if (room() <= 0) break;

    // Every other unit refunds part of its payment; the others get a post-payment credit note to the balance.
    if (unit % 2 === 0) {
      const refundId = `re_${tag}${n}`;
      const refunded = cents(random, 1, amount - 1);
      tick();
      emit('refund.created', {
        ...templates.events['refund.created']!.data.object,
        id: refundId,
        amount: refunded,
        charge: chargeId,
        payment_intent: intentId,
        created: clock,
        currency: 'usd',
        status: 'succeeded',
        balance_transaction: `txn_${refundId}`,
      });
      expected.push({ stripeId: refundId, stripeObject: 'refund', qboEntity: 'RefundReceipt', amountMinor: refunded });
      const refundTransaction: StripeRecord = {
        ...templates.balanceTransaction,
        id: `txn_${refundId}`,
        type: 'refund',
        reporting_category: 'refund',
        amount: -refunded,
        fee: 0,
        net: -refunded,
        source: refundId,
        currency: 'usd',
        fee_details: [],
      };
      unpaid.push(refundTransaction);
      objects.set(String(refundTransaction.id), refundTransaction);
    } else {
      const creditNoteId = `cn_${tag}${n}`;
      const credited = cents(random, 1, amount);
      tick();
      const template = templates.events['credit_note.created']!.data.object;
      const templateLine = ((template.lines as { data: StripeRecord[] }).data[0] ?? {}) as StripeRecord;
      emit('credit_note.created', {
        ...template,
        id: creditNoteId,
        customer: customerId,
        invoice: invoiceId,
        number: `C${tag}${n}`.slice(0, 21),
        type: 'post_payment',
        amount: credited,
        subtotal: credited,
        subtotal_excluding_tax: credited,
        total: credited,
        total_excluding_tax: credited,
        created: clock,
        currency: 'usd',
        livemode: false,
        status: 'issued',
        refund: null,
        refunds: [],
        out_of_band_amount: null,
        customer_balance_transaction: `cbtxn_${tag}${n}`,
        discount_amount: 0,
        discount_amounts: [],
        pretax_credit_amounts: [],
        tax_amounts: [],
        total_taxes: [],
        lines: {
          object: 'list',
          has_more: false,
          url: `/v1/credit_notes/${creditNoteId}/lines`,
          data: [
            {
              ...templateLine,
              id: `cnli_${tag}${n}`,
              amount: credited,
              quantity: 1,
              discount_amount: 0,
              discount_amounts: [],
              pretax_credit_amounts: [],
              tax_amounts: [],
              taxes: [],
              tax_rates: [],
            },
          ],
        },
      });
      expected.push({
        stripeId: creditNoteId,
        stripeObject: 'credit_note',
        qboEntity: 'CreditMemo',
        amountMinor: credited,
      });
    }
    count += 1;
    if (unit % 5 === 0 && room() > 0) addPayout();
  }
  return { seed, objectCount: count, events, expected, objects, balanceTransactions, lines: new Map() };
}
