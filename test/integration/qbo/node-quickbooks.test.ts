import QuickBooks from 'node-quickbooks';
import { DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { startHarness } from './harness';
import type { Harness } from './harness';

/**
 * node-quickbooks, an npm client nobody here wrote, against the simulator: if the simulator only understood our own
 * client it would prove little. Create, query, payment and void flows go through the library's own request
 * building (its query strings, its `format=json`, its void-by-reading-the-whole-invoice, its sparse payment void).
 */
type Callback = (err: unknown, data?: unknown) => void;
type Entity = Record<string, unknown>;

function call(invoke: (callback: Callback) => void): Promise<Entity> {
  return new Promise((resolve, reject) => {
    invoke((err, data) => (err ? reject(err instanceof Error ? err : new LibraryFault(err)) : resolve(data as Entity)));
  });
}

/** The library calls back with the Fault body itself (`{"Fault":{…}}`) or an axios error carrying it. */
class LibraryFault extends Error {
  constructor(readonly body: unknown) {
    super('QBO fault');
  }
}

function faultCode(error: unknown): string | undefined {
  const body =
    error instanceof LibraryFault
      ? error.body
      : (error as { response?: { data?: unknown } } | undefined)?.response?.data;
  return (body as { Fault?: { Error?: Array<{ code?: string }> } } | undefined)?.Fault?.Error?.[0]?.code;
}

describe('node-quickbooks against the simulator', () => {
  let h: Harness;
  let qbo: QuickBooks;
  const originalBase = QuickBooks.V3_ENDPOINT_BASE_URL;
  beforeEach(async () => {
    h = await startHarness();
    // The library keeps its endpoint in a static; sandbox mode uses it as it stands.
    QuickBooks.V3_ENDPOINT_BASE_URL = `${h.simulator.url}/v3/company/`;
    const token = await h.tokens.getAccessToken();
    qbo = new QuickBooks('client', 'secret', token, false, h.realmId, true, false, null, '2.0');
  });
  afterEach(async () => {
    QuickBooks.V3_ENDPOINT_BASE_URL = originalBase;
    await h.simulator.close();
  });

  it('creates a customer, and is refused with 2010 for PrivateNote on a Customer', async () => {
    const refused = await call((cb) => qbo.createCustomer({ DisplayName: 'Lib Co', PrivateNote: 'x' }, cb)).catch(
      (e: unknown) => e,
    );
    expect(faultCode(refused)).toBe('2010');
    const created = await call((cb) => qbo.createCustomer({ DisplayName: "Lib's Co", Notes: 'stripe:cus_lib' }, cb));
    expect(created).toMatchObject({ DisplayName: "Lib's Co", Notes: 'stripe:cus_lib', SyncToken: '0' });
  });

  it('finds by DisplayName with an apostrophe, counts, and fetches all pages', async () => {
    for (const name of ["Lib's Co", 'Other Co', 'Third Co'])
      await call((cb) => qbo.createCustomer({ DisplayName: name }, cb));
    const found = await call((cb) => qbo.findCustomers({ DisplayName: "Lib's Co" }, cb));
    expect(((found.QueryResponse as Entity).Customer as Entity[]).map((c) => c.DisplayName)).toEqual(["Lib's Co"]);
    const counted = await call((cb) => qbo.findCustomers({ count: true }, cb));
    expect((counted.QueryResponse as Entity).totalCount).toBe(3);
    const all = await call((cb) => qbo.findCustomers({ fetchAll: true }, cb));
    expect(((all.QueryResponse as Entity).Customer as Entity[]).length).toBe(3);
  });

  it('invoices, pays, voids the payment and then voids the invoice', async () => {
    const customer = await call((cb) => qbo.createCustomer({ DisplayName: 'Pay Co' }, cb));
    const invoice = await call((cb) =>
      qbo.createInvoice(
        {
          CustomerRef: { value: String(customer.Id) },
          Line: [
            {
              Amount: 80,
              DetailType: 'SalesItemLineDetail',
              SalesItemLineDetail: { ItemRef: { value: DEMO_ITEM_IDS.services } },
            },
          ],
          PrivateNote: 'stripe:in_lib',
        },
        cb,
      ),
    );
    expect(invoice).toMatchObject({ TotalAmt: 80, Balance: 80 });
    const payment = await call((cb) =>
      qbo.createPayment(
        {
          CustomerRef: { value: String(customer.Id) },
          TotalAmt: 80,
          DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing },
          Line: [{ Amount: 80, LinkedTxn: [{ TxnId: String(invoice.Id), TxnType: 'Invoice' }] }],
        },
        cb,
      ),
    );
    expect(payment).toMatchObject({ TotalAmt: 80, UnappliedAmt: 0 });
    const paidInvoice = await call((cb) => qbo.getInvoice(String(invoice.Id), cb));
    expect(paidInvoice.Balance).toBe(0);
    // A paid invoice cannot be voided: QBO refuses while a payment is linked.
    const refused = await call((cb) => qbo.voidInvoice(String(invoice.Id), cb)).catch((e: unknown) => e);
    expect(faultCode(refused)).toBe('6000');
    const voidedPayment = await call((cb) =>
      qbo.voidPayment({ Id: String(payment.Id), SyncToken: String(payment.SyncToken) }, cb),
    );
    expect(voidedPayment).toMatchObject({ TotalAmt: 0 });
    // voidInvoice by id reads the whole invoice and posts it back with operation=void.
    const voided = await call((cb) => qbo.voidInvoice(String(invoice.Id), cb));
    expect(voided.Invoice as Entity).toMatchObject({ TotalAmt: 0, PrivateNote: 'Voided stripe:in_lib' });
  });
});
