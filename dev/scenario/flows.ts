import type { ExpectedQboObject, Scenario, ScenarioEvent, StripeRecord } from './scenario';
import { eventEnvelope, paymentObjects } from './stripe-objects';

/**
 * Small Stripe histories, one money flow each, that a test posts end to end: a payout that failed before it was
 * paid, a negative payout, a refund that failed, a manual capture, an invoice paid from the customer's credit
 * balance, a mixed credit note, a foreign-currency payment and its payout. Each ends with a payout that sweeps
 * every balance transaction it made, so Stripe's balance, and the clearing account that stands for it, ends at
 * zero. `addFlow` puts a flow's objects into a scenario so its reader (stripe-reader.ts) answers the enrich stage
 * as Stripe would.
 */
export interface Flow {
  name: string;
  /** In the order to deliver them. */
  events: ScenarioEvent[];
  /** Every Stripe object of the flow, by id, as `GET` of it answers now. */
  objects: StripeRecord[];
  /** payout id → its balance transactions. */
  payoutTransactions: Record<string, StripeRecord[]>;
  expected: ExpectedQboObject[];
}

/** A flow's objects and payout lists into `scenario` (events stay the test's to deliver). */
export function addFlow(scenario: Scenario, flow: Flow): void {
  for (const object of flow.objects) scenario.objects.set(String(object.id), object);
  for (const [payoutId, transactions] of Object.entries(flow.payoutTransactions))
    scenario.balanceTransactions.set(payoutId, transactions);
}

/** A scenario holding nothing yet: flows are added to it. */
export function emptyScenario(): Scenario {
  return {
    seed: 0,
    objectCount: 0,
    events: [],
    expected: [],
    objects: new Map(),
    balanceTransactions: new Map(),
    lines: new Map(),
  };
}

interface LineSpec {
  amount: number;
  description?: string;
  /** Exclusive tax on the line. */
  tax?: number;
}

/** Writes one flow: ids tagged per flow, a clock that moves a minute per object, the balance not yet paid out. */
class FlowWriter {
  private clock: number;
  private count = 0;
  private readonly events: ScenarioEvent[] = [];
  private readonly objects = new Map<string, StripeRecord>();
  private readonly payoutTransactions: Record<string, StripeRecord[]> = {};
  private readonly expected: ExpectedQboObject[] = [];
  /** Balance transactions since the last payout. */
  private unpaid: StripeRecord[] = [];

  constructor(
    private readonly name: string,
    private readonly tag: string,
    start: number,
  ) {
    this.clock = start;
    // What every invoice line sells; its name is what the consumers look for among QBO items.
    this.put({ id: 'prod_flow', object: 'product', name: 'Flow Subscription', active: true, created: start });
  }

  id(prefix: string): string {
    this.count += 1;
    return `${prefix}_${this.tag}${String(this.count).padStart(3, '0')}`;
  }

  tick(): number {
    this.clock += 60;
    return this.clock;
  }

  put(object: StripeRecord): StripeRecord {
    this.objects.set(String(object.id), object);
    return object;
  }

  emit(type: string, object: StripeRecord): void {
    this.put(object);
    this.events.push(
      eventEnvelope(`evt_${this.tag}${this.events.length + 1}`, type, this.clock, structuredClone(object)),
    );
  }

  expect(item: ExpectedQboObject): void {
    this.expected.push(item);
  }

  /** A balance transaction in the home currency, not paid out yet. */
  settle(spec: {
    type: string;
    amount: number;
    source: string;
    fee?: number;
    category?: string;
    /** Default `txn_<source>`, the one balance transaction most sources have. */
    id?: string;
  }): StripeRecord {
    const fee = spec.fee ?? 0;
    const transaction = this.put({
      id: spec.id ?? `txn_${spec.source}`,
      object: 'balance_transaction',
      type: spec.type,
      reporting_category: spec.category ?? spec.type,
      amount: spec.amount,
      fee,
      net: spec.amount - fee,
      currency: 'usd',
      source: spec.source,
      status: 'available',
      created: this.clock,
      exchange_rate: null,
      fee_details: fee === 0 ? [] : [{ amount: fee, currency: 'usd', type: 'stripe_fee', description: 'Stripe fees' }],
    });
    this.unpaid.push(transaction);
    return transaction;
  }

  customer(currency = 'usd'): string {
    const id = this.id('cus');
    this.tick();
    this.emit('customer.created', {
      id,
      object: 'customer',
      name: `${this.name} ${this.tag}`,
      email: `${this.tag}@example.com`,
      currency,
      balance: 0,
      created: this.clock,
      livemode: false,
    });
    this.expect({ stripeId: id, stripeObject: 'customer', qboEntity: 'Customer' });
    return id;
  }

  /** A basil+ invoice (lines with `pricing` and `taxes`, `total_taxes`), finalized now. */
  invoice(customer: string, lines: LineSpec[], extra: StripeRecord = {}, currency = 'usd'): StripeRecord {
    const id = this.id('in');
    this.tick();
    const tax = lines.reduce((sum, line) => sum + (line.tax ?? 0), 0);
    const total = lines.reduce((sum, line) => sum + line.amount, 0) + tax;
    const taxEntry = (amount: number, taxable: number) => ({
      amount,
      tax_behavior: 'exclusive',
      taxable_amount: taxable,
      type: 'tax_rate_details',
      tax_rate_details: { tax_rate: 'txr_sales' },
    });
    const invoice: StripeRecord = {
      id,
      object: 'invoice',
      number: `${this.tag.toUpperCase()}-${String(this.count)}`,
      customer,
      currency,
      created: this.clock,
      livemode: false,
      status: 'open',
      collection_method: 'charge_automatically',
      due_date: null,
      starting_balance: 0,
      ending_balance: 0,
      subtotal: total - tax,
      total,
      amount_due: total,
      amount_paid: 0,
      amount_remaining: total,
      pre_payment_credit_notes_amount: 0,
      post_payment_credit_notes_amount: 0,
      total_discount_amounts: [],
      total_pretax_credit_amounts: [],
      total_taxes: tax === 0 ? [] : [taxEntry(tax, total - tax)],
      status_transitions: { finalized_at: this.clock, paid_at: null, voided_at: null },
      lines: {
        object: 'list',
        has_more: false,
        url: `/v1/invoices/${id}/lines`,
        data: lines.map((line, index) => ({
          id: `il_${id}_${index}`,
          object: 'line_item',
          invoice: id,
          amount: line.amount,
          currency,
          quantity: 1,
          description: line.description ?? 'Subscription',
          period: { start: this.clock, end: this.clock + 2_592_000 },
          pricing: { type: 'price_details', price_details: { price: 'price_flow', product: 'prod_flow' } },
          taxes: line.tax === undefined ? [] : [taxEntry(line.tax, line.amount)],
        })),
      },
      ...extra,
    };
    this.emit('invoice.finalized', invoice);
    this.expect({ stripeId: id, stripeObject: 'invoice', qboEntity: 'Invoice', amountMinor: total });
    return invoice;
  }

  /**
   * A card payment of `amount` on the invoice (invoice_payment.paid), its charge and intent, and the charge's
   * balance transaction: `settled` home minor units (a foreign payment's, at `exchangeRate`), less a fee.
   */
  pay(
    invoice: StripeRecord,
    amount: number,
    options: { settled?: number; exchangeRate?: number } = {},
  ): { intentId: string; chargeId: string } {
    const intentId = this.id('pi');
    const chargeId = `ch_${intentId.slice('pi_'.length)}`;
    const currency = String(invoice.currency);
    this.tick();
    for (const object of paymentObjects({
      chargeId,
      intentId,
      customerId: String(invoice.customer),
      amount,
      created: this.clock,
      currency,
    }))
      this.put(object);
    const settled = options.settled ?? amount;
    const transaction = this.settle({
      type: 'charge',
      amount: settled,
      source: chargeId,
      fee: Math.round(settled * 0.029) + 30,
    });
    if (options.exchangeRate !== undefined) transaction.exchange_rate = options.exchangeRate;
    const paid = (Number(invoice.amount_paid) || 0) + amount;
    this.put({
      ...invoice,
      amount_paid: paid,
      amount_remaining: Number(invoice.amount_due) - paid,
      status: paid >= Number(invoice.amount_due) ? 'paid' : 'open',
    });
    this.emit('invoice_payment.paid', {
      id: this.id('inpay'),
      object: 'invoice_payment',
      invoice: invoice.id,
      amount_paid: amount,
      amount_requested: amount,
      currency,
      created: this.clock,
      is_default: true,
      livemode: false,
      status: 'paid',
      payment: { type: 'payment_intent', payment_intent: intentId },
      status_transitions: { canceled_at: null, paid_at: this.clock },
    });
    this.expect({ stripeId: intentId, stripeObject: 'payment_intent', qboEntity: 'Payment', amountMinor: amount });
    return { intentId, chargeId };
  }

  /**
   * A basil+ credit note of `invoice` (its parts as `pre_payment_amount`, `post_payment_amount`, `refunds[]`,
   * `out_of_band_amount`; the rest of the post-payment part credited to the customer balance), not emitted. Its
   * lines are the invoice's, scaled to `total`; the invoice is updated as Stripe updates it.
   */
  creditNote(
    invoice: StripeRecord,
    spec: { total: number; prePayment?: number; refunds?: StripeRecord[]; outOfBand?: number },
  ): StripeRecord {
    const id = this.id('cn');
    this.tick();
    const prePayment = spec.prePayment ?? 0;
    const refunds = (spec.refunds ?? []).map((refund) => ({
      refund: refund.id,
      amount_refunded: Number(refund.amount),
      type: 'refund',
    }));
    const refunded = refunds.reduce((sum, refund) => sum + refund.amount_refunded, 0);
    const outOfBand = spec.outOfBand ?? 0;
    const toBalance = spec.total - prePayment - refunded - outOfBand;
    const invoiceLines = (invoice.lines as { data: StripeRecord[] }).data;
    const invoiceTotal = Number(invoice.total);
    const scaled = (amount: number) => Math.round((amount * spec.total) / invoiceTotal);
    const taxOf = (line: StripeRecord) => Number((line.taxes as StripeRecord[])[0]?.amount ?? 0);
    const lines = invoiceLines.map((line, index) => ({
      id: `cnli_${id}_${index}`,
      object: 'credit_note_line_item',
      type: 'invoice_line_item',
      invoice_line_item: line.id,
      amount: scaled(Number(line.amount)),
      quantity: 1,
      description: line.description,
      discount_amount: 0,
      discount_amounts: [],
      pretax_credit_amounts: [],
      taxes: taxOf(line) === 0 ? [] : [{ ...(line.taxes as StripeRecord[])[0], amount: scaled(taxOf(line)) }],
    }));
    const tax = lines.reduce((sum, line) => sum + Number(line.taxes[0]?.amount ?? 0), 0);
    // Scaling rounds each line; Stripe's lines and tax always make the note's total exactly.
    const last = lines[lines.length - 1];
    if (last !== undefined) last.amount += spec.total - tax - lines.reduce((sum, line) => sum + line.amount, 0);
    const balanceTransaction = toBalance === 0 ? null : `cbtxn_${id}`;
    if (balanceTransaction !== null)
      this.put({
        id: balanceTransaction,
        object: 'customer_balance_transaction',
        type: 'credit_note',
        amount: -toBalance,
        currency: invoice.currency,
        customer: invoice.customer,
        credit_note: id,
        invoice: null,
        created: this.clock,
      });
    this.put({
      ...invoice,
      pre_payment_credit_notes_amount: Number(invoice.pre_payment_credit_notes_amount ?? 0) + prePayment,
      post_payment_credit_notes_amount: Number(invoice.post_payment_credit_notes_amount ?? 0) + spec.total - prePayment,
      amount_remaining: Math.max(0, Number(invoice.amount_remaining) - prePayment),
    });
    this.expect({
      stripeId: id,
      stripeObject: 'credit_note',
      qboEntity: 'CreditMemo',
      amountMinor: prePayment + toBalance,
    });
    return this.put({
      id,
      object: 'credit_note',
      type: prePayment === spec.total ? 'pre_payment' : prePayment === 0 ? 'post_payment' : 'mixed',
      number: `${String(invoice.number)}-CN`,
      customer: invoice.customer,
      invoice: invoice.id,
      currency: invoice.currency,
      created: this.clock,
      livemode: false,
      status: 'issued',
      reason: 'order_change',
      subtotal: spec.total - tax,
      total: spec.total,
      total_taxes: tax === 0 ? [] : [{ ...(invoice.total_taxes as StripeRecord[])[0], amount: tax }],
      discount_amount: 0,
      discount_amounts: [],
      pretax_credit_amounts: [],
      pre_payment_amount: prePayment,
      post_payment_amount: spec.total - prePayment,
      out_of_band_amount: outOfBand === 0 ? null : outOfBand,
      refunds,
      customer_balance_transaction: balanceTransaction,
      lines: { object: 'list', has_more: false, url: `/v1/credit_notes/${id}/lines`, data: lines },
    });
  }

  /** A refund object (not emitted): its money left the balance now. */
  refund(chargeId: string, amount: number, extra: StripeRecord = {}): StripeRecord {
    const id = this.id('re');
    this.tick();
    this.settle({ type: 'refund', amount: -amount, source: id });
    return this.put({
      id,
      object: 'refund',
      amount,
      charge: chargeId,
      payment_intent: `pi_${chargeId.slice('ch_'.length)}`,
      currency: 'usd',
      created: this.clock,
      status: 'succeeded',
      balance_transaction: `txn_${id}`,
      reason: 'requested_by_customer',
      ...extra,
    });
  }

  /** An automatic payout of everything not paid out yet; `amount` is what those transactions net to. */
  payout(extra: StripeRecord = {}): StripeRecord {
    const id = this.id('po');
    this.tick();
    const amount = this.unpaid.reduce((sum, transaction) => sum + Number(transaction.net), 0);
    this.payoutTransactions[id] = [
      ...this.unpaid,
      {
        id: `txn_${id}`,
        object: 'balance_transaction',
        type: 'payout',
        reporting_category: 'payout',
        amount: -amount,
        fee: 0,
        net: -amount,
        currency: 'usd',
        source: id,
        status: 'available',
        created: this.clock,
        fee_details: [],
      },
    ];
    this.unpaid = [];
    return this.put({
      id,
      object: 'payout',
      amount,
      currency: 'usd',
      automatic: true,
      method: 'standard',
      type: 'bank_account',
      created: this.clock,
      arrival_date: Math.floor(this.clock / 86_400) * 86_400 + 86_400,
      status: 'paid',
      reconciliation_status: 'completed',
      balance_transaction: `txn_${id}`,
      failure_balance_transaction: null,
      failure_code: null,
      livemode: false,
      ...extra,
    });
  }

  done(): Flow {
    return {
      name: this.name,
      events: this.events,
      objects: [...this.objects.values()],
      payoutTransactions: this.payoutTransactions,
      expected: this.expected,
    };
  }
}

export { FlowWriter };
