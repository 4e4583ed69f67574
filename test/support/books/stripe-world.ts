import type { StripeEnrichment } from '../../../shared/accounting/plan';
import { add, StripeBalance, type MovementType, type PayoutOutcome, type Row, type WorldEvent } from './stripe-balance';

export type { StripeFigures, WorldEvent, WorldOptions } from './stripe-balance';

/**
 * A small Stripe account simulated from a script of actions (test support for the books property test), its sales
 * side over stripe-balance.ts: invoices
 * with discounts, taxes and customer credit, standalone charges captured at once, later, in part or never, refunds
 * that succeed or fail, credit notes of every part, disputes won and lost, balance movements of many types, and
 * payouts paid, failed before or after being paid, canceled, negative. It records the events Stripe would send
 * (with the data the enrich stage would read for each), and Stripe's own figures to hold the books against.
 */
export type Action =
  | {
      kind: 'invoice';
      customer: number;
      lines: { amount: number; product: 'prod_A' | 'prod_B'; taxed: boolean }[];
      discountPct: number;
      pay: 'card' | 'open';
      shape: 'legacy' | 'basil';
      paged: boolean;
    }
  | { kind: 'charge'; customer: number | null; amount: number; capture: 'auto' | 'later' | 'partial' | 'never' }
  | { kind: 'refund'; payment: number; pct: number; fails: boolean }
  | { kind: 'creditNote'; invoice: number; pct: number; refundPct: number; outOfBandPct: number }
  | { kind: 'dispute'; payment: number; won: boolean }
  | { kind: 'movement'; type: MovementType; amount: number }
  | { kind: 'payout'; outcome: PayoutOutcome };

interface Payment {
  key: string;
  chargeId: string;
  customer: string | null;
  currency: string;
  amount: number;
  settled: number;
  refundable: number;
  invoiceId: string | null;
}

interface Invoice {
  id: string;
  customer: string;
  currency: string;
  lines: { amount: number; product: string; tax: number }[];
  open: number;
  paid: Payment | undefined;
  snapshot: Record<string, unknown>;
}

export class StripeWorld extends StripeBalance {
  private readonly payments: Payment[] = [];
  private readonly invoices: Invoice[] = [];
  private readonly balances = new Map<string, number>();
  private readonly balanceHistory = new Map<string, Record<string, unknown>[]>();

  apply(action: Action): void {
    this.tick();
    switch (action.kind) {
      case 'invoice':
        return this.invoice(action);
      case 'charge':
        return this.charge(action);
      case 'refund':
        return this.refund(action);
      case 'creditNote':
        return this.creditNote(action);
      case 'dispute':
        return this.dispute(action);
      case 'movement':
        return this.movement(action.type, action.amount);
      case 'payout':
        return this.payout(action.outcome);
    }
  }

  private balanceTransaction(customer: string, amount: number, fields: Record<string, unknown>) {
    const history = this.balanceHistory.get(customer) ?? [];
    history.push({
      id: this.id('cbtxn'),
      object: 'customer_balance_transaction',
      amount,
      created: this.time,
      ...fields,
    });
    this.balanceHistory.set(customer, history);
    this.balances.set(customer, (this.balances.get(customer) ?? 0) + amount);
  }

  private invoice(action: Extract<Action, { kind: 'invoice' }>) {
    const id = this.id('in');
    const customer = `cus_${action.customer}`;
    const currency = this.currencyOf(customer);
    const rate = 'txr_std';
    const lines = action.lines.map((line) => ({
      ...line,
      tax: line.taxed ? Math.round((line.amount * this.options.taxRatePct) / 100) : 0,
    }));
    const gross = lines.reduce((sum, line) => sum + line.amount, 0);
    const discount = Math.floor((gross * action.discountPct) / 100);
    const tax = lines.reduce((sum, line) => sum + line.tax, 0);
    const total = gross - discount + tax;
    const stripeLines = lines.map((line, index) => ({
      id: `il_${id}_${index}`,
      object: 'line_item',
      amount: line.amount,
      quantity: 1,
      description: `Widget ${line.product}`,
      pricing: { type: 'price_details', price_details: { price: 'price_1', product: line.product } },
      taxes: line.taxed
        ? [
            {
              amount: line.tax,
              tax_behavior: 'exclusive',
              tax_rate_details: { tax_rate: rate },
              taxable_amount: line.amount,
            },
          ]
        : [],
    }));
    const credit = Math.min(-(this.balances.get(customer) ?? 0), total);
    const applied = Math.max(credit, 0);
    const starting = this.balances.get(customer) ?? 0;
    if (applied > 0) this.balanceTransaction(customer, applied, { type: 'applied_to_invoice', invoice: id });
    const snapshot: Record<string, unknown> = {
      id,
      object: 'invoice',
      number: `N-${id}`,
      currency,
      customer,
      created: this.time,
      collection_method: 'charge_automatically',
      status: 'open',
      status_transitions: { finalized_at: this.time, paid_at: null },
      lines: { object: 'list', data: action.paged ? stripeLines.slice(0, 1) : stripeLines, has_more: action.paged },
      total_discount_amounts: discount > 0 ? [{ amount: discount, discount: 'di_1' }] : [],
      total_taxes:
        tax > 0
          ? [{ amount: tax, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: rate }, taxable_amount: gross }]
          : [],
      total,
      starting_balance: starting,
      ending_balance: starting + applied,
      amount_due: total - applied,
      amount_paid: 0,
      amount_remaining: total - applied,
    };
    const invoice: Invoice = {
      id,
      customer,
      currency,
      lines: lines.map((l) => ({ amount: l.amount, product: l.product, tax: l.tax })),
      open: total - applied,
      paid: undefined,
      snapshot,
    };
    this.invoices.push(invoice);
    add(this.figures.revenue, currency.toUpperCase(), gross - discount);
    add(this.figures.tax, currency.toUpperCase(), tax);
    const full = action.paged ? { invoiceLines: stripeLines } : {};
    const history = { customerBalanceTransactions: this.balanceHistory.get(customer) ?? [] };
    this.emit('invoice.finalized', snapshot, { ...full, ...history });
    if (action.pay === 'open') return;
    const due = total - applied;
    this.tick();
    const paid: Record<string, unknown> = {
      ...snapshot,
      status: 'paid',
      amount_paid: due,
      amount_remaining: 0,
      status_transitions: { finalized_at: snapshot.created, paid_at: this.time },
    };
    invoice.open = 0;
    if (due === 0) {
      this.emit('invoice.paid', paid, { ...full, ...history });
      return;
    }
    const payment = this.pay(customer, currency, due, id, this.id('pi'));
    invoice.paid = payment;
    const settlement = { balanceTransactionOf: { [payment.key]: this.lastRow() } };
    if (action.shape === 'legacy') {
      this.emit(
        'invoice.paid',
        { ...paid, charge: payment.chargeId, payment_intent: payment.key, paid_out_of_band: false },
        { ...full, ...history, ...settlement },
      );
      return;
    }
    this.emit('invoice.paid', paid, { ...full, ...history });
    this.emit(
      'invoice_payment.paid',
      {
        id: this.id('inpay'),
        object: 'invoice_payment',
        amount_paid: due,
        currency,
        invoice: id,
        status: 'paid',
        created: this.time,
        payment: { type: 'payment_intent', payment_intent: payment.key },
        status_transitions: { paid_at: this.time },
      },
      { invoice: paid, ...settlement },
    );
  }

  private lastRow(): Row {
    return this.pending[this.pending.length - 1] as Row;
  }

  /** A captured card payment: its charge balance transaction, with Stripe's fee. */
  private pay(customer: string | null, currency: string, amount: number, invoiceId: string | null, key: string) {
    const chargeId = key.startsWith('ch_') ? key : this.id('ch');
    const settled = this.settle(amount, currency);
    const fee = this.fee(settled);
    this.row('charge', 'charge', settled, fee, chargeId, currency, 'charges');
    const payment: Payment = { key, chargeId, customer, currency, amount, settled, refundable: amount, invoiceId };
    this.payments.push(payment);
    return payment;
  }

  private charge(action: Extract<Action, { kind: 'charge' }>) {
    const customer = action.customer === null ? null : `cus_${action.customer}`;
    // A partly captured charge in a foreign currency parks by design (one rate cannot value the captured part).
    const currency = action.capture === 'partial' ? 'usd' : this.currencyOf(customer);
    const chargeId = this.id('ch');
    const captured = action.capture === 'partial' ? Math.max(1, Math.floor(action.amount / 2)) : action.amount;
    const base = {
      id: chargeId,
      object: 'charge',
      amount: action.amount,
      currency,
      customer,
      created: this.time,
      status: 'succeeded',
      invoice: null,
      payment_intent: null,
      description: 'Consulting',
    };
    const immediate = action.capture === 'auto';
    this.emit('charge.succeeded', { ...base, captured: immediate, amount_captured: immediate ? action.amount : 0 });
    if (action.capture === 'never') return;
    this.tick();
    const payment = this.pay(customer, currency, action.amount, null, chargeId);
    if (captured < action.amount) {
      // The uncaptured rest is released in a second balance transaction (reporting category partial_capture_reversal).
      this.row('refund', 'partial_capture_reversal', -(action.amount - captured), 0, chargeId, currency, 'charges');
      payment.amount = captured;
      payment.refundable = captured;
    }
    add(this.figures.revenue, currency.toUpperCase(), captured);
    const settlement = { balanceTransactionOf: { [chargeId]: this.pending.find((r) => r.source === chargeId) as Row } };
    if (!immediate) this.emit('charge.captured', { ...base, captured: true, amount_captured: captured }, settlement);
    else this.events[this.events.length - 1]!.stripe = structuredClone(settlement);
  }

  private refund(action: Extract<Action, { kind: 'refund' }>) {
    const refundable = this.payments.filter((p) => p.refundable > 0);
    const payment = refundable[action.payment % Math.max(refundable.length, 1)];
    if (payment === undefined) return;
    const amount = Math.max(1, Math.floor((payment.refundable * action.pct) / 100));
    payment.refundable -= amount;
    const refundId = this.id('re');
    const settled = this.settle(amount, payment.currency);
    const row = this.row('refund', 'refund', -settled, 0, refundId, payment.currency, 'refunds');
    const invoice = this.invoices.find((i) => i.id === payment.invoiceId);
    const refund = {
      id: refundId,
      object: 'refund',
      amount,
      currency: payment.currency,
      charge: payment.chargeId,
      payment_intent: payment.key.startsWith('pi_') ? payment.key : null,
      created: this.time,
      status: 'pending',
      balance_transaction: row.id,
    };
    const stripe: StripeEnrichment = {
      charge: { id: payment.chargeId, object: 'charge', customer: payment.customer, captured: true },
      invoice: invoice === undefined ? null : invoice.snapshot,
      creditNoteOfRefund: { [refundId]: null },
      balanceTransactionOf: { [refundId]: row },
    };
    this.emit('refund.created', refund, stripe);
    if (!action.fails) {
      add(this.figures.revenue, payment.currency.toUpperCase(), -amount);
      return;
    }
    this.tick();
    const failure = this.row('refund_failure', 'refund_failure', settled, 0, refundId, payment.currency, 'refunds');
    payment.refundable += amount;
    const failed = {
      ...refund,
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
      failure_balance_transaction: failure.id,
    };
    const onFailure = { ...stripe, balanceTransactionOf: { [refundId]: row, [`${refundId}/failed`]: failure } };
    this.emit('refund.updated', failed, onFailure);
    this.emit('refund.failed', failed, onFailure);
  }

  private creditNote(action: Extract<Action, { kind: 'creditNote' }>) {
    const invoice = this.invoices[action.invoice % Math.max(this.invoices.length, 1)];
    const line = invoice?.lines[0];
    if (invoice === undefined || line === undefined) return;
    const net = Math.max(1, Math.floor((line.amount * action.pct) / 100));
    const tax = line.tax === 0 ? 0 : Math.round((net * this.options.taxRatePct) / 100);
    const total = net + tax;
    const id = this.id('cn');
    const taxes =
      tax === 0
        ? []
        : [{ amount: tax, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: 'txr_std' }, taxable_amount: net }];
    const note: Record<string, unknown> = {
      id,
      object: 'credit_note',
      number: `N-${id}`,
      currency: invoice.currency,
      customer: invoice.customer,
      invoice: invoice.id,
      created: this.time,
      lines: { object: 'list', data: [{ amount: net, quantity: 1, description: 'Credit', taxes }], has_more: false },
      total_taxes: taxes,
      total,
      out_of_band_amount: null,
      refunds: [],
    };
    const refundEvents: WorldEvent[] = [];
    if (invoice.paid === undefined) {
      // On an open invoice: a pre-payment note, no more than what is still owed.
      if (total > invoice.open) return;
      invoice.open -= total;
      Object.assign(note, { type: 'pre_payment', pre_payment_amount: total, post_payment_amount: 0 });
    } else {
      const payment = invoice.paid;
      const refund = Math.min(Math.floor((total * action.refundPct) / 100), payment.refundable);
      const outOfBand = Math.min(Math.floor((total * action.outOfBandPct) / 100), total - refund);
      const balance = total - refund - outOfBand;
      const refunds: Record<string, unknown>[] = [];
      if (refund > 0) {
        payment.refundable -= refund;
        const refundId = this.id('re');
        const settled = this.settle(refund, payment.currency);
        const row = this.row('refund', 'refund', -settled, 0, refundId, payment.currency, 'refunds');
        refunds.push({ refund: refundId, amount_refunded: refund, type: 'refund' });
        refundEvents.push({
          type: 'refund.created',
          object: {
            id: refundId,
            object: 'refund',
            amount: refund,
            currency: payment.currency,
            charge: payment.chargeId,
            created: this.time,
            status: 'succeeded',
          },
          occurredAt: new Date(this.time * 1000).toISOString(),
          stripe: {
            charge: { id: payment.chargeId, object: 'charge', customer: invoice.customer, captured: true },
            invoice: invoice.snapshot,
            balanceTransactionOf: { [refundId]: row },
          },
        });
      }
      if (balance > 0) this.balanceTransaction(invoice.customer, -balance, { type: 'credit_note', credit_note: id });
      Object.assign(note, {
        type: 'post_payment',
        pre_payment_amount: 0,
        post_payment_amount: total,
        out_of_band_amount: outOfBand > 0 ? outOfBand : null,
        refunds,
      });
    }
    add(this.figures.revenue, invoice.currency.toUpperCase(), -net);
    add(this.figures.tax, invoice.currency.toUpperCase(), -tax);
    const settlements = Object.assign({}, ...refundEvents.map((e) => e.stripe.balanceTransactionOf));
    this.emit('credit_note.created', note, { balanceTransactionOf: settlements });
    for (const event of refundEvents) {
      event.stripe.creditNoteOfRefund = { [String(event.object.id)]: structuredClone(note) };
      this.events.push(event);
    }
  }

  private dispute(action: Extract<Action, { kind: 'dispute' }>) {
    const payment = this.payments[action.payment % Math.max(this.payments.length, 1)];
    if (payment === undefined) return;
    const disputeId = this.id('dp');
    this.row('adjustment', 'dispute', -payment.settled, 1500, disputeId, 'usd', 'disputes');
    this.emit('charge.dispute.created', {
      id: disputeId,
      object: 'dispute',
      amount: payment.amount,
      charge: payment.chargeId,
      currency: payment.currency,
      status: 'needs_response',
      created: this.time,
    });
    if (!action.won) return;
    this.tick();
    this.row('adjustment', 'dispute_reversal', payment.settled, -1500, disputeId, 'usd', 'disputes');
  }

  /** Ends the history: one last payout takes everything left in the balance to the bank. */
  finish(): void {
    this.tick();
    if (this.pending.length > 0 && this.pending.reduce((sum, row) => sum + row.net, 0) === 0)
      this.movement('topup', 100);
    this.payout('paid', true);
    for (const invoice of this.invoices) {
      const key = `${invoice.customer} ${invoice.currency.toUpperCase()}`;
      add(this.figures.receivables, key, invoice.open);
      add(this.figures.openInvoices, key, invoice.open);
    }
    for (const [customer, balance] of this.balances) {
      const key = `${customer} ${this.currencyOf(customer).toUpperCase()}`;
      add(this.figures.receivables, key, balance);
      add(this.figures.credits, key, -balance);
    }
  }
}
