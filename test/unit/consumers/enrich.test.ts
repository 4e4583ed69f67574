import { buildPlan } from '../../../shared/accounting/plan';
import type { StripeListRead, StripeObjectRecord, StripeReader } from '../../../shared/stripe/ports';
import { enrich } from '../../../shared/consumers/enrich';
import { buildBalanceTransaction, buildEvent, buildInvoice, buildPayout, buildSettings } from '../accounting/factories';

type Fields = Record<string, unknown>;

/** A Stripe reader that answers from fixed data and remembers every read, named by its endpoint. */
function readerWith(
  answers: {
    balanceTransactions?: unknown[];
    invoiceOfIntent?: string | null;
    objects?: Fields[];
    lists?: Partial<Record<string, Fields[]>>;
  } = {},
) {
  const reads: string[] = [];
  const byId = new Map((answers.objects ?? []).map((object) => [String(object.id), object]));
  const listKey = (read: StripeListRead) => Object.values(read).join(':');
  const reader: StripeReader = {
    async listPayoutBalanceTransactions(_tenant, payoutId) {
      reads.push(`balance_transactions?payout=${payoutId}`);
      return answers.balanceTransactions ?? [];
    },
    async invoiceForPaymentIntent(_tenant, paymentIntentId) {
      reads.push(`invoice_payments?payment_intent=${paymentIntentId}`);
      return answers.invoiceOfIntent ?? null;
    },
    async listAll(_tenant, read) {
      reads.push(listKey(read));
      return (answers.lists?.[listKey(read)] ?? []) as StripeObjectRecord[];
    },
    async retrieve(_tenant, path, id) {
      reads.push(`${path}/${id}`);
      return byId.get(id) as StripeObjectRecord | undefined;
    },
    async fetchDependency() {
      throw new Error('enrich never fetches dependencies');
    },
    async productName() {
      throw new Error('enrich never reads products');
    },
  };
  return { reader, reads };
}

const tenant = buildSettings();
const multicurrency = buildSettings({
  qbo: { ...tenant.qbo, multicurrency: true },
  accounts: { ...tenant.accounts, fxGainLoss: '97' },
});
const basilCharge = (overrides: Record<string, unknown> = {}) =>
  buildEvent('charge.succeeded', {
    id: 'ch_1',
    object: 'charge',
    amount: 500,
    currency: 'usd',
    payment_intent: 'pi_1',
    status: 'succeeded',
    ...overrides,
  });
const refund = (overrides: Fields = {}): Fields => ({
  id: 're_1',
  object: 'refund',
  amount: 4800,
  currency: 'usd',
  status: 'succeeded',
  created: 1748800000,
  charge: 'ch_1',
  balance_transaction: 'txn_re_1',
  ...overrides,
});
const charge = (overrides: Fields = {}): Fields => ({
  id: 'ch_1',
  object: 'charge',
  amount: 12000,
  currency: 'usd',
  captured: true,
  status: 'succeeded',
  payment_intent: 'pi_1',
  customer: 'cus_test1',
  balance_transaction: 'txn_ch_1',
  ...overrides,
});
const creditNote = (overrides: Fields = {}): Fields => ({
  id: 'cn_1',
  object: 'credit_note',
  type: 'post_payment',
  currency: 'usd',
  customer: 'cus_test1',
  invoice: 'in_test1',
  created: 1748790000,
  lines: { object: 'list', data: [{ amount: 4800, quantity: 1, description: 'Seats', taxes: [] }], has_more: false },
  total_taxes: [],
  total: 4800,
  pre_payment_amount: 0,
  post_payment_amount: 4800,
  refunds: [{ refund: 're_1', amount_refunded: 4800, type: 'refund' }],
  ...overrides,
});

describe('enrich', () => {
  it("reads an automatic payout's balance transactions for planning", async () => {
    const transactions = [buildBalanceTransaction({ amount: 10_000, fee: 320 })];
    const { reader, reads } = readerWith({ balanceTransactions: transactions });
    const event = buildEvent('payout.paid', buildPayout());
    expect(await enrich(event, tenant, reader)).toEqual({ event, balanceTransactions: transactions });
    expect(reads).toEqual(['balance_transactions?payout=po_test1']);
  });

  it.each(['payout.failed', 'payout.canceled'])(
    'reads the balance transactions of an automatic payout that %s: it is booked, then reversed',
    async (type) => {
      const transactions = [buildBalanceTransaction({ amount: 10_320, fee: 320 })];
      const { reader, reads } = readerWith({ balanceTransactions: transactions });
      const event = buildEvent(type, buildPayout({ status: type === 'payout.failed' ? 'failed' : 'canceled' }));
      const enriched = await enrich(event, tenant, reader);
      expect(reads).toEqual(['balance_transactions?payout=po_test1']);
      const plan = buildPlan({ settings: tenant, ...enriched });
      expect(plan.operations.map((o) => [o.entity, o.stripeId])).toEqual([
        ['Deposit', 'po_test1'],
        ['JournalEntry', 'po_test1/failed'],
      ]);
    },
  );

  it.each([
    ['a manual payout (Stripe refuses payout= for it)', buildEvent('payout.paid', buildPayout({ automatic: false }))],
    ['a manual payout that failed', buildEvent('payout.failed', buildPayout({ automatic: false, status: 'failed' }))],
    [
      'a payout Stripe is still reconciling',
      buildEvent('payout.paid', buildPayout({ reconciliation_status: 'in_progress' })),
    ],
    ['a payout before the go-live', buildEvent('payout.paid', buildPayout({ created: 946_000_000 }))],
  ])('asks nothing about %s', async (_name, event) => {
    const { reader, reads } = readerWith();
    expect(await enrich(event, tenant, reader)).toEqual({ event });
    expect(reads).toEqual([]);
  });

  it('completes a basil charge with the invoice its PaymentIntent pays, or null when it pays none', async () => {
    const paying = readerWith({ invoiceOfIntent: 'in_9' });
    expect((await enrich(basilCharge(), tenant, paying.reader)).event.object).toMatchObject({ invoice: 'in_9' });
    expect(paying.reads).toEqual(['invoice_payments?payment_intent=pi_1']);
    const standalone = readerWith({ invoiceOfIntent: null });
    expect((await enrich(basilCharge(), tenant, standalone.reader)).event.object).toMatchObject({ invoice: null });
  });

  it('completes a captured basil charge (manual capture) the same way, and asks nothing of an authorisation', async () => {
    const captured = readerWith({ invoiceOfIntent: null });
    const event = buildEvent('charge.captured', { ...basilCharge().object, amount_captured: 300, captured: true });
    const enriched = await enrich(event, tenant, captured.reader);
    expect(captured.reads).toEqual(['invoice_payments?payment_intent=pi_1']);
    expect(buildPlan({ settings: tenant, ...enriched }).operations.map((o) => [o.entity, o.expectedTotal])).toEqual([
      ['SalesReceipt', '3.00'],
    ]);
    const authorised = readerWith();
    expect(await enrich(basilCharge({ captured: false }), tenant, authorised.reader)).toEqual({
      event: basilCharge({ captured: false }),
    });
    expect(authorised.reads).toEqual([]);
  });

  it('leaves a legacy charge, which names its invoice, as Stripe sent it', async () => {
    const { reader, reads } = readerWith();
    const event = basilCharge({ invoice: 'in_legacy' });
    expect(await enrich(event, tenant, reader)).toEqual({ event });
    expect(reads).toEqual([]);
  });

  it("reads a foreign sale's settlement in a multicurrency company, and no settlement in a single-currency one", async () => {
    const settlement = buildBalanceTransaction({ id: 'txn_ch_1', amount: 547, currency: 'usd', exchange_rate: 1.0935 });
    const event = basilCharge({ currency: 'eur', balance_transaction: 'txn_ch_1' });
    const multi = readerWith({ invoiceOfIntent: null, objects: [settlement] });
    const enriched = await enrich(event, multicurrency, multi.reader);
    expect(multi.reads).toEqual(['invoice_payments?payment_intent=pi_1', 'balance_transactions/txn_ch_1']);
    expect(enriched.stripe).toEqual({ balanceTransactionOf: { ch_1: settlement } });
    expect(buildPlan({ settings: multicurrency, ...enriched }).operations[0]?.body.ExchangeRate).toBe(1.0935);
    const single = readerWith({ invoiceOfIntent: null, objects: [settlement] });
    await enrich(event, tenant, single.reader);
    expect(single.reads).toEqual(['invoice_payments?payment_intent=pi_1']);
  });

  it('reads every line of an invoice whose event carries only the first page', async () => {
    const full = buildInvoice({ lineSpecs: Array.from({ length: 12 }, () => ({ amount: 100 })) });
    const truncated = {
      ...full,
      lines: { ...(full.lines as Fields), data: (full.lines as { data: Fields[] }).data.slice(0, 10), has_more: true },
    };
    const { reader, reads } = readerWith({
      lists: { 'invoice_lines:in_test1': (full.lines as { data: Fields[] }).data },
    });
    const enriched = await enrich(buildEvent('invoice.finalized', truncated), tenant, reader);
    expect(reads).toEqual(['invoice_lines:in_test1']);
    const plan = buildPlan({ settings: tenant, ...enriched });
    expect(plan.parked).toBeUndefined();
    expect(plan.operations[0]).toMatchObject({ entity: 'Invoice', expectedTotal: '12.00' });
  });

  it("reads the customer's balance transactions only for an invoice that used customer credit", async () => {
    const history = [
      { id: 'cbtxn_1', amount: -5000, type: 'credit_note', credit_note: 'cn_1', created: 1748000000 },
      { id: 'cbtxn_2', amount: 5000, type: 'applied_to_invoice', invoice: 'in_test1', created: 1748779200 },
    ];
    const usedCredit = buildInvoice({ starting_balance: -5000, ending_balance: 0 });
    const { reader, reads } = readerWith({ lists: { 'customer_balance_transactions:cus_test1': history } });
    const enriched = await enrich(buildEvent('invoice.finalized', usedCredit), tenant, reader);
    expect(reads).toEqual(['customer_balance_transactions:cus_test1']);
    expect(buildPlan({ settings: tenant, ...enriched }).operations.map((o) => o.stripeId)).toEqual([
      'in_test1',
      'in_test1/credit',
    ]);
    const owedBefore = readerWith();
    const plain = buildEvent('invoice.finalized', buildInvoice({ starting_balance: 2500 }));
    expect(await enrich(plain, tenant, owedBefore.reader)).toEqual({ event: plain });
    expect(owedBefore.reads).toEqual([]);
  });

  it('reads the invoice an invoice payment pays, and its settlement through the intent when it is foreign', async () => {
    const invoice = buildInvoice({ currency: 'eur', total: 3333 });
    const settlement = buildBalanceTransaction({ id: 'txn_ch_1', amount: 3644, exchange_rate: 1.0935 });
    const { reader, reads } = readerWith({
      objects: [invoice, { id: 'pi_1', latest_charge: 'ch_1' }, charge({ currency: 'eur' }), settlement],
    });
    const event = buildEvent('invoice_payment.paid', {
      id: 'inpay_1',
      object: 'invoice_payment',
      invoice: 'in_test1',
      amount_paid: 3333,
      currency: 'eur',
      status: 'paid',
      payment: { type: 'payment_intent', payment_intent: 'pi_1' },
      created: 1748779300,
    });
    const enriched = await enrich(event, multicurrency, reader);
    expect(reads).toEqual([
      'invoices/in_test1',
      'payment_intents/pi_1',
      'charges/ch_1',
      'balance_transactions/txn_ch_1',
    ]);
    expect(enriched.stripe).toEqual({ invoice, balanceTransactionOf: { pi_1: settlement } });
    expect(buildPlan({ settings: multicurrency, ...enriched }).operations.map((o) => o.stripeId)).toEqual([
      'pi_1',
      'pi_1/fx',
    ]);
  });

  it('tells a plain refund from one a credit note made, by the credit notes of the invoice the charge paid', async () => {
    const invoice = buildInvoice();
    const plain = readerWith({
      invoiceOfIntent: 'in_test1',
      objects: [charge(), invoice],
      lists: { 'credit_notes_of_invoice:in_test1': [creditNote({ refunds: [] })] },
    });
    const enriched = await enrich(buildEvent('refund.created', refund()), tenant, plain.reader);
    expect(plain.reads).toEqual([
      'charges/ch_1',
      'invoice_payments?payment_intent=pi_1',
      'credit_notes_of_invoice:in_test1',
      'invoices/in_test1',
    ]);
    expect(enriched.stripe).toEqual({ charge: charge(), creditNoteOfRefund: { re_1: null }, invoice });
    const receipt = buildPlan({ settings: tenant, ...enriched }).operations[0];
    expect(receipt?.body).toMatchObject({ CustomerRef: { $ref: 'customer:cus_test1' } });

    const note = creditNote({ lines: { object: 'list', data: [], has_more: true } });
    const fromNote = readerWith({
      invoiceOfIntent: 'in_test1',
      objects: [charge()],
      lists: {
        'credit_notes_of_invoice:in_test1': [note],
        'credit_note_lines:cn_1': (creditNote().lines as { data: Fields[] }).data,
      },
    });
    const noteEnriched = await enrich(buildEvent('refund.created', refund()), tenant, fromNote.reader);
    expect(fromNote.reads).toEqual([
      'charges/ch_1',
      'invoice_payments?payment_intent=pi_1',
      'credit_notes_of_invoice:in_test1',
      'credit_note_lines:cn_1',
    ]);
    expect(noteEnriched.stripe?.creditNoteOfRefund).toEqual({ re_1: note });
    const plan = buildPlan({ settings: tenant, ...noteEnriched });
    expect(plan.operations.map((o) => [o.entity, o.stripeId, o.body.PrivateNote])).toEqual([
      ['RefundReceipt', 're_1', 'stripe:re_1 credit note cn_1'],
    ]);
  });

  it('a refund of a charge that paid no invoice is plain, without a credit-note read', async () => {
    const { reader, reads } = readerWith({ invoiceOfIntent: null, objects: [charge()] });
    const enriched = await enrich(buildEvent('refund.created', refund()), tenant, reader);
    expect(reads).toEqual(['charges/ch_1', 'invoice_payments?payment_intent=pi_1']);
    expect(enriched.stripe).toEqual({ charge: charge(), creditNoteOfRefund: { re_1: null }, invoice: null });
  });

  it("reads a failed foreign refund's settlement and its failure's, for the receipt and its reversal", async () => {
    // 48.00 EUR × 1.0935 = 52.488 USD at QBO; Stripe moved 52.48 each way, so each side books a cent's difference.
    const out = buildBalanceTransaction({ id: 'txn_re_1', amount: -5248, type: 'refund', exchange_rate: 1.0935 });
    const back = buildBalanceTransaction({
      id: 'txn_ref_fail',
      amount: 5248,
      type: 'refund_failure',
      exchange_rate: 1.0935,
    });
    const { reader } = readerWith({ invoiceOfIntent: null, objects: [charge({ currency: 'eur' }), out, back] });
    const failed = refund({ currency: 'eur', status: 'failed', failure_balance_transaction: 'txn_ref_fail' });
    const enriched = await enrich(buildEvent('refund.failed', failed), multicurrency, reader);
    expect(enriched.stripe?.balanceTransactionOf).toEqual({ re_1: out, 're_1/failed': back });
    expect(buildPlan({ settings: multicurrency, ...enriched }).operations.map((o) => o.stripeId)).toEqual([
      're_1',
      're_1/fx',
      're_1/failed',
      're_1/failed/fx',
    ]);
  });

  it('asks nothing about a refund that never left the balance, and knows an uncaptured charge from its read', async () => {
    const canceled = readerWith();
    const event = buildEvent('refund.created', refund({ status: 'canceled' }));
    expect(await enrich(event, tenant, canceled.reader)).toEqual({ event });
    expect(canceled.reads).toEqual([]);
    const released = readerWith({ objects: [charge({ captured: false })] });
    const enriched = await enrich(buildEvent('refund.created', refund()), tenant, released.reader);
    expect(released.reads).toEqual(['charges/ch_1']);
    expect(buildPlan({ settings: tenant, ...enriched }).skipped?.reason).toBe('refund_of_uncaptured_charge');
  });

  it('charge.refunded: each listed refund gets its credit-note answer', async () => {
    const legacy = charge({
      invoice: 'in_test1',
      refunds: { object: 'list', data: [refund(), refund({ id: 're_2', amount: 100 })], has_more: false },
    });
    const { reader, reads } = readerWith({
      objects: [buildInvoice()],
      lists: { 'credit_notes_of_invoice:in_test1': [creditNote()] },
    });
    const enriched = await enrich(buildEvent('charge.refunded', legacy), tenant, reader);
    expect(reads).toEqual(['credit_notes_of_invoice:in_test1', 'invoices/in_test1']);
    expect(enriched.stripe?.creditNoteOfRefund).toEqual({ re_1: creditNote(), re_2: null });
  });

  it("reads a long credit note's lines, and the settlement of each foreign refund it made", async () => {
    const settlement = buildBalanceTransaction({
      id: 'txn_re_1',
      amount: -5249,
      type: 'refund',
      exchange_rate: 1.0935,
    });
    const long = creditNote({ currency: 'eur', lines: { object: 'list', data: [], has_more: true } });
    const { reader, reads } = readerWith({
      objects: [refund({ currency: 'eur' }), settlement],
      lists: { 'credit_note_lines:cn_1': (creditNote().lines as { data: Fields[] }).data },
    });
    const enriched = await enrich(buildEvent('credit_note.created', long), multicurrency, reader);
    expect(reads).toEqual(['credit_note_lines:cn_1', 'refunds/re_1', 'balance_transactions/txn_re_1']);
    const plan = buildPlan({ settings: multicurrency, ...enriched });
    expect(plan.parked).toBeUndefined();
    expect(plan.operations[0]).toMatchObject({ entity: 'RefundReceipt', body: { ExchangeRate: 1.0935 } });
  });

  it('with no Stripe reader wired, passes the event on as it came', async () => {
    const event = buildEvent('payout.paid', buildPayout());
    expect(await enrich(event, tenant, undefined)).toEqual({ event });
  });
});
