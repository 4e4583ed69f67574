import type { NormalizedEvent } from '../../../schemas/normalized-event.schema';
import { RetryableError } from '../../../shared/errors';
import type { Ledger } from '../../../shared/stores/ports';
import type { StripeReader } from '../../../shared/stripe/ports';
import { buildEvent, buildInvoice, buildSettings } from '../accounting/factories';
import { FakeQbo, memoryStores, push, testConsumer } from './fakes';

/** basil `invoice_payment.paid` for in_test1 (buildInvoice's total, 100.00), owned by its PaymentIntent. */
const paymentEvent = (id = 'inpay_1', intent = 'pi_1'): NormalizedEvent => ({
  ...buildEvent('invoice_payment.paid', {
    id,
    object: 'invoice_payment',
    invoice: 'in_test1',
    status: 'paid',
    amount_paid: 10_000,
    currency: 'usd',
    created: 1748779300,
    payment: { type: 'payment_intent', payment_intent: intent },
    status_transitions: { paid_at: 1748779300, canceled_at: null },
  }),
  objectId: intent,
});

const invoiceEvent = () =>
  buildEvent(
    'invoice.finalized',
    buildInvoice({ customer_name: 'Harbour Supplies', customer_email: 'ap@harbour.example' }),
  );

/** A post-payment credit note credited to the customer's balance: one CreditMemo, no snapshot of its customer. */
const creditNoteEvent = () =>
  buildEvent('credit_note.created', {
    id: 'cn_post1',
    object: 'credit_note',
    type: 'post_payment',
    number: 'ACME-0001-CN-01',
    currency: 'usd',
    customer: 'cus_test1',
    invoice: 'in_test1',
    created: 1748779400,
    lines: { object: 'list', data: [{ amount: 1000, quantity: 1, description: 'Widget', taxes: [] }] },
    total_taxes: [],
    discount_amounts: [],
    total: 1000,
    out_of_band_amount: null,
    refunds: [],
  });

const stripeCustomer = {
  id: 'cus_test1',
  object: 'customer',
  name: 'Harbour Supplies',
  email: 'ap@harbour.example',
  created: 1748779000,
  currency: 'usd',
};

/** Stripe as the consumers read it: what each dependency is now, with every fetch remembered. */
function stripeReader(fail?: () => Error) {
  const fetched: string[] = [];
  const reader: StripeReader = {
    listPayoutBalanceTransactions: async () => [],
    productName: async () => undefined,
    invoiceForPaymentIntent: async () => null,
    async fetchDependency(_tenant, ref) {
      fetched.push(`${ref.kind}:${ref.stripeId}`);
      if (fail) throw fail();
      const event =
        ref.kind === 'invoice'
          ? invoiceEvent()
          : ref.kind === 'customer'
            ? buildEvent('customer.created', stripeCustomer)
            : undefined;
      return event && { ...event, eventId: `dep_${ref.kind}_${ref.stripeId}`, source: 'dependency' };
    },
  };
  return { reader, fetched };
}

const tenant = buildSettings();
const waitsOf = (stores: ReturnType<typeof memoryStores>) => stores.waits.list('acme');

describe('a dependency wait is a state, not a failure', () => {
  it('a payment whose invoice is not posted is acknowledged, recorded, audited waiting, and asks for the invoice once', async () => {
    const stores = memoryStores(tenant);
    const { reader, fetched } = stripeReader();
    const { consumer, audit, publisher, qbo } = testConsumer({ stores, entity: 'payment', stripe: reader });

    expect(await push(consumer, paymentEvent())).toBe(204);
    expect(qbo.requests).toEqual([]);
    expect(await waitsOf(stores)).toEqual([
      expect.objectContaining({ dependency: 'invoice:in_test1', eventId: 'evt_inpay_1', event: paymentEvent() }),
    ]);
    expect(audit.records).toEqual([
      expect.objectContaining({
        outcome: 'waiting',
        reason: 'dependency_pending',
        detail: 'invoice:in_test1',
        stripeId: 'pi_1',
        eventId: 'evt_inpay_1',
      }),
    ]);
    expect(fetched).toEqual(['invoice:in_test1']);
    expect(publisher.published).toEqual([
      expect.objectContaining({
        topic: 'test-stripe-invoices',
        data: expect.objectContaining({ eventId: 'dep_invoice_in_test1', source: 'dependency' }),
        options: expect.objectContaining({ orderingKey: 'in_test1' }),
      }),
    ]);

    // A redelivery of the same event, on its tenth attempt: still acknowledged, still one wait, not asked again.
    expect(await push(consumer, paymentEvent(), 10)).toBe(204);
    expect(await waitsOf(stores)).toHaveLength(1);
    expect(fetched).toEqual(['invoice:in_test1']);
    expect(audit.records.filter((row) => row.outcome === 'dead_lettered' || row.outcome === 'failed')).toEqual([]);
  });

  it('another instance does not ask again: the wait-list decides who asks, not an instance memory', async () => {
    const stores = memoryStores(tenant);
    const first = stripeReader();
    const second = stripeReader();
    const one = testConsumer({ stores, entity: 'payment', stripe: first.reader });
    const two = testConsumer({ stores, entity: 'payment', stripe: second.reader });

    expect(await push(one.consumer, paymentEvent('inpay_1', 'pi_1'))).toBe(204);
    expect(await push(two.consumer, paymentEvent('inpay_2', 'pi_2'))).toBe(204);
    expect((await waitsOf(stores)).map((wait) => wait.eventId)).toEqual(['evt_inpay_1', 'evt_inpay_2']);
    expect([...first.fetched, ...second.fetched]).toEqual(['invoice:in_test1']);
    expect(two.publisher.published).toEqual([]);
  });

  it("the invoice's commit republishes its waiters as new messages and clears them; the republished payment posts", async () => {
    const stores = memoryStores(tenant);
    const qbo = new FakeQbo();
    qbo.totalAmt.Invoice = '100.00';
    qbo.totalAmt.Payment = '100.00';
    const payments = testConsumer({ stores, entity: 'payment', qbo });
    const invoices = testConsumer({ stores, entity: 'invoice', qbo });
    expect(await push(payments.consumer, paymentEvent())).toBe(204);

    expect(await push(invoices.consumer, invoiceEvent())).toBe(204);
    expect(invoices.publisher.published).toEqual([
      {
        topic: 'test-stripe-payments',
        data: paymentEvent(),
        options: expect.objectContaining({ orderingKey: 'pi_1' }),
      },
    ]);
    expect(await waitsOf(stores)).toEqual([]);

    expect(await push(payments.consumer, invoices.publisher.published[0]!.data as object)).toBe(204);
    expect(qbo.entities('Payment')).toHaveLength(1);
    const invoiceId = String(qbo.entities('Invoice')[0]!.Id);
    expect(qbo.entities('Payment')[0]!.Line).toEqual([
      expect.objectContaining({ LinkedTxn: [{ TxnId: invoiceId, TxnType: 'Invoice' }] }),
    ]);
    expect(payments.audit.records.map((row) => `${row.outcome}/${row.reason}`)).toEqual([
      'waiting/dependency_pending',
      'posted/created',
    ]);
  });

  it('a redelivered owner whose first attempt died before republishing releases its waiters itself', async () => {
    const stores = memoryStores(tenant);
    const invoices = testConsumer({ stores, entity: 'invoice' });
    stores.ledger.posted('acme', 'cus_test1', '7');
    stores.ledger.posted('acme', 'in_test1', '41');
    await stores.waits.add(
      { tenantId: 'acme', dependency: 'invoice:in_test1', eventId: 'evt_inpay_1', event: paymentEvent() },
      '2026-01-01T00:00:00.000Z',
    );

    expect(await push(invoices.consumer, invoiceEvent(), 2)).toBe(204);
    expect(invoices.publisher.published.map((message) => message.topic)).toEqual(['test-stripe-payments']);
    expect(await waitsOf(stores)).toEqual([]);
  });

  it('closes the race with a commit that landed between the first ledger read and the wait record', async () => {
    const stores = memoryStores(tenant);
    stores.ledger.posted('acme', 'in_test1', '41', { qboCustomerId: '7' });
    let reads = 0;
    // sync-invoice committed just after this attempt's first read, and looked for waiters before it recorded one.
    const lateCommit: Ledger = {
      ...stores.ledger,
      get: async (key) => (key.stripeId === 'in_test1' && reads++ === 0 ? undefined : stores.ledger.get(key)),
      reserve: (request) => stores.ledger.reserve(request),
      commit: (key, owner, result) => stores.ledger.commit(key, owner, result),
      release: (key, owner, outcome) => stores.ledger.release(key, owner, outcome),
      list: (tenantId) => stores.ledger.list(tenantId),
    };
    const { reader, fetched } = stripeReader();
    const { consumer, qbo, audit } = testConsumer({
      stores: { ...stores, ledger: lateCommit },
      entity: 'payment',
      stripe: reader,
    });
    qbo.totalAmt.Payment = '100.00';

    expect(await push(consumer, paymentEvent())).toBe(204);
    expect(qbo.entities('Payment')).toHaveLength(1);
    expect(await waitsOf(stores)).toEqual([]);
    expect(fetched).toEqual([]);
    expect(audit.records.map((row) => row.outcome)).toEqual(['posted']);
  });

  it('does not ask while the owner holds a live lease, nor with no Stripe reader; it waits all the same', async () => {
    const stores = memoryStores(tenant);
    await stores.ledger.reserve({
      tenantId: 'acme',
      stripeId: 'in_test1',
      operation: 'create',
      requestId: 'r',
      qboEntity: 'Invoice',
      leaseOwner: 'sync-invoice',
      leaseMs: 60_000,
      now: new Date('2026-01-15T12:00:00.000Z').getTime(),
    });
    const { reader, fetched } = stripeReader();
    const writing = testConsumer({ stores, entity: 'payment', stripe: reader });
    expect(await push(writing.consumer, paymentEvent())).toBe(204);
    expect(fetched).toEqual([]);

    const unwired = memoryStores(tenant);
    const alone = testConsumer({ stores: unwired, entity: 'payment' });
    expect(await push(alone.consumer, paymentEvent())).toBe(204);
    expect(alone.publisher.published).toEqual([]);
    expect(await waitsOf(unwired)).toHaveLength(1);
  });

  it('a request Stripe cannot answer now is a real failure (503): the claim is taken back and the redelivery asks', async () => {
    const stores = memoryStores(tenant);
    const down = stripeReader(() => new RetryableError('Stripe 503', { code: 'stripe_503' }));
    const failing = testConsumer({ stores, entity: 'payment', stripe: down.reader });
    expect(await push(failing.consumer, paymentEvent())).toBe(503);
    // The wait is durable already: if every redelivery failed, the invoice's commit would still republish it.
    expect(await waitsOf(stores)).toEqual([expect.not.objectContaining({ requestedAt: expect.anything() })]);

    const { reader, fetched } = stripeReader();
    const healthy = testConsumer({ stores, entity: 'payment', stripe: reader });
    expect(await push(healthy.consumer, paymentEvent(), 2)).toBe(204);
    expect(fetched).toEqual(['invoice:in_test1']);
    expect(healthy.publisher.published).toHaveLength(1);
  });
});

describe('a document whose customer is not posted ensures it from Stripe instead of waiting', () => {
  it('a post-payment credit note fetches its customer in enrich and writes it before the CreditMemo', async () => {
    const stores = memoryStores(tenant);
    const { reader, fetched } = stripeReader();
    const { consumer, qbo, audit } = testConsumer({ stores, entity: 'credit_note', stripe: reader });
    qbo.totalAmt.CreditMemo = '10.00';

    expect(await push(consumer, creditNoteEvent())).toBe(204);
    expect(fetched).toEqual(['customer:cus_test1']);
    expect(qbo.requests.filter((request) => request.startsWith('create'))).toEqual([
      'create Customer',
      'create CreditMemo',
    ]);
    const customerId = String(qbo.entities('Customer')[0]!.Id);
    expect(qbo.entities('CreditMemo')[0]!.CustomerRef).toEqual({ value: customerId });
    expect(audit.records.map((row) => `${row.stripeId}:${row.outcome}`)).toEqual([
      'cus_test1:posted',
      'cn_post1:posted',
    ]);
    expect(await waitsOf(stores)).toEqual([]);
  });

  it('waits, instead of retrying, for a customer another event is writing right now, and asks for it all the same', async () => {
    const stores = memoryStores(tenant);
    // sync-customer holds a live lease on the customer: it is writing it (or died doing so).
    await stores.ledger.reserve({
      tenantId: 'acme',
      stripeId: 'cus_test1',
      operation: 'create',
      requestId: 'r',
      qboEntity: 'Customer',
      leaseOwner: 'sync-customer',
      leaseMs: 60_000,
      now: new Date('2026-01-15T12:00:00.000Z').getTime(),
    });
    const { reader } = stripeReader();
    const { consumer, qbo, audit, publisher } = testConsumer({ stores, entity: 'credit_note', stripe: reader });

    expect(await push(consumer, creditNoteEvent())).toBe(204);
    expect(qbo.requests.filter((request) => request.startsWith('create'))).toEqual([]);
    expect(audit.records).toEqual([
      expect.objectContaining({ outcome: 'waiting', detail: 'customer:cus_test1', stripeId: 'cn_post1' }),
    ]);
    expect(await waitsOf(stores)).toEqual([expect.objectContaining({ dependency: 'customer:cus_test1' })]);
    // If the lease's owner died, sync-customer takes the lease over once it expires and its commit republishes.
    expect(publisher.published.map((message) => message.topic)).toEqual(['test-stripe-customers']);
  });

  it('asks Stripe nothing when the customer is posted already', async () => {
    const stores = memoryStores(tenant);
    stores.ledger.posted('acme', 'cus_test1', '7');
    const { reader, fetched } = stripeReader();
    const { consumer, qbo } = testConsumer({ stores, entity: 'credit_note', stripe: reader });
    qbo.totalAmt.CreditMemo = '10.00';
    expect(await push(consumer, creditNoteEvent())).toBe(204);
    expect(fetched).toEqual([]);
    expect(qbo.entities('CreditMemo')[0]!.CustomerRef).toEqual({ value: '7' });
  });
});
