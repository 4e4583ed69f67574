import { parseConfig } from '../../../shared/config/config';
import { createStripeReader } from '../../../shared/runtime/stripe-reader';
import { secretNames } from '../../../shared/secrets/secret-store';
import { buildStripeObject, startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { buildTenantSettings } from '../../support/tenants';
import { MemorySecretStore, silentLogger, TEST_STRIPE_KEY } from './support';

const T0 = 1_767_225_600;
const line = (id: string, amount: number) => ({ id, object: 'line_item', amount, currency: 'usd', quantity: 1 });

describe("the consumers' Stripe reader: the lists and objects a plan is handed, over HTTP through stripe-node", () => {
  let standIn: StripeStandIn;
  const secrets = new MemorySecretStore();
  const tenant = buildTenantSettings();

  beforeAll(async () => {
    const manyLines = Array.from({ length: 230 }, (_, index) => line(`il_${String(index).padStart(3, '0')}`, 100));
    standIn = await startStripeStandIn({
      apiKeys: [TEST_STRIPE_KEY],
      objects: [
        buildStripeObject('customer', { id: 'cus_credit', created: T0 }),
        buildStripeObject(
          'invoice',
          { id: 'in_long', created: T0 },
          {
            lines: {
              object: 'list',
              data: manyLines.slice(0, 10),
              has_more: true,
              url: '/v1/invoices/in_long/lines',
            },
          },
        ),
        buildStripeObject(
          'invoice',
          { id: 'in_short', created: T0 },
          {
            lines: {
              object: 'list',
              data: [line('il_only', 1000)],
              has_more: false,
              url: '/v1/invoices/in_short/lines',
            },
          },
        ),
        buildStripeObject('credit_note', { id: 'cn_1', created: T0 + 10 }, { invoice: 'in_short' }),
        buildStripeObject('credit_note', { id: 'cn_2', created: T0 + 20 }, { invoice: 'in_short' }),
        buildStripeObject('credit_note', { id: 'cn_other', created: T0 + 30 }, { invoice: 'in_long' }),
        ...[1, 2, 3].map((n) => ({
          id: `cbtxn_${n}`,
          object: 'customer_balance_transaction',
          created: T0 + n,
          customer: 'cus_credit',
          amount: -100 * n,
          currency: 'usd',
          type: 'credit_note',
          credit_note: `cn_${n}`,
        })),
        {
          id: 'cbtxn_elsewhere',
          object: 'customer_balance_transaction',
          created: T0,
          customer: 'cus_other',
          amount: -1,
          currency: 'usd',
          type: 'adjustment',
        },
        buildStripeObject('charge', { id: 'ch_1', created: T0 }, { balance_transaction: 'txn_ch_1' }),
        { id: 'pi_1', object: 'payment_intent', created: T0, latest_charge: 'ch_1', currency: 'eur', amount: 1000 },
        buildStripeObject('balance_transaction', { id: 'txn_ch_1', created: T0 }, { exchange_rate: 1.0935 }),
      ],
    });
    standIn.addLines({ invoice: 'in_long' }, manyLines);
    await secrets.write(secretNames.stripeApiKey('acme'), TEST_STRIPE_KEY);
  });
  afterAll(() => standIn.close());

  const reader = () =>
    createStripeReader({
      config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'stripe-qbo-test', STRIPE_API_BASE: standIn.url }),
      secrets,
      logger: silentLogger,
      now: () => new Date(T0 * 1000),
    });
  const since = () => {
    const before = standIn.requests().length;
    return () => standIn.requests().slice(before);
  };

  it("reads every page of an invoice's lines, in the invoice's order", async () => {
    const requests = since();
    const lines = await reader().listAll(tenant, { list: 'invoice_lines', invoiceId: 'in_long' });
    expect(lines.map((l) => l.id)).toEqual(
      Array.from({ length: 230 }, (_, index) => `il_${String(index).padStart(3, '0')}`),
    );
    expect(requests().map((r) => [r.path, r.query.limit, r.query.starting_after, r.status])).toEqual([
      ['/v1/invoices/in_long/lines', '100', undefined, 200],
      ['/v1/invoices/in_long/lines', '100', 'il_099', 200],
      ['/v1/invoices/in_long/lines', '100', 'il_199', 200],
    ]);
  });

  it("reads a customer's balance transactions, and only that customer's", async () => {
    const transactions = await reader().listAll(tenant, {
      list: 'customer_balance_transactions',
      customerId: 'cus_credit',
    });
    expect(transactions.map((t) => t.id)).toEqual(['cbtxn_3', 'cbtxn_2', 'cbtxn_1']);
    expect(standIn.requests().at(-1)).toMatchObject({ path: '/v1/customers/cus_credit/balance_transactions' });
  });

  it('lists the credit notes of one invoice (how a refund finds the note that made it)', async () => {
    const notes = await reader().listAll(tenant, { list: 'credit_notes_of_invoice', invoiceId: 'in_short' });
    expect(notes.map((n) => n.id)).toEqual(['cn_2', 'cn_1']);
    expect(standIn.requests().at(-1)).toMatchObject({ path: '/v1/credit_notes', query: { invoice: 'in_short' } });
  });

  it("answers a document's lines from the document when it has no more than its first page", async () => {
    const lines = await reader().listAll(tenant, { list: 'invoice_lines', invoiceId: 'in_short' });
    expect(lines.map((l) => l.id)).toEqual(['il_only']);
  });

  it('a sub-list of an object Stripe does not have fails as Stripe fails it: 404, not an empty list', async () => {
    await expect(reader().listAll(tenant, { list: 'credit_note_lines', creditNoteId: 'cn_gone' })).rejects.toThrow(
      /No such credit_note/,
    );
  });

  it.each([
    ['charges', 'ch_1'],
    ['payment_intents', 'pi_1'],
    ['balance_transactions', 'txn_ch_1'],
  ] as const)('retrieves one %s by id', async (path, id) => {
    expect(await reader().retrieve(tenant, path, id)).toMatchObject({ id });
    expect(standIn.requests().at(-1)).toMatchObject({ path: `/v1/${path}/${id}`, status: 200 });
  });

  it('an object Stripe does not have is undefined, not a failure', async () => {
    expect(await reader().retrieve(tenant, 'refunds', 're_gone')).toBeUndefined();
  });

  it('a rate-limited read is retried under the one retry policy and still answers', async () => {
    standIn.injectRateLimit(1, 0);
    const requests = since();
    expect(await reader().retrieve(tenant, 'charges', 'ch_1')).toMatchObject({ id: 'ch_1' });
    expect(requests().map((r) => r.status)).toEqual([429, 200]);
  });
});
