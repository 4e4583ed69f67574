import type { PlannedOperation } from '../../../shared/accounting/plan';
import { CustomerDirectory } from '../../../shared/consumers/customer-directory';
import { customerMatcher } from '../../../shared/consumers/customer-matching';
import { createExecutor } from '../../../shared/consumers/execute';
import { createProductItemLookup } from '../../../shared/consumers/product-items';
import type { QboWriter } from '../../../shared/consumers/qbo-port';
import type { WriteContext } from '../../../shared/consumers/write-protocol';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { DuckDbStores } from '../../../shared/stores/duckdb';
import { DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { buildTenantSettings } from '../../support/tenants';
import { sparseUpdate, startHarness } from './harness';
import type { Harness } from './harness';

/**
 * A customer or an item made inactive in QBO after an instance cached it (the customer directory, the item of a
 * product's name). QBO refuses a document that references an inactive one with 610 ("Something you're trying to use
 * has been made inactive", fixtures/qbo/batch-response.json), so an instance must not hand out what it cached
 * without QBO's word for it: the directory sees deactivations on refresh, a directory match is read before it is
 * linked, and a 610 makes the instance forget what it cached and resolve the document again, once.
 */
describe('references QBO made inactive after an instance cached them', () => {
  let h: Harness;
  let stores: DuckDbStores;
  let clock: number;
  let queries: string[];
  let qbo: QboWriter;
  let seq = 0;
  beforeEach(async () => {
    h = await startHarness({ requestIdMode: 'never' });
    stores = await openDuckDbStores(':memory:');
    clock = Date.parse('2026-01-01T00:00:00Z');
    queries = [];
    qbo = {
      ...h.client,
      query: (sql: string) => {
        queries.push(sql);
        return h.client.query(sql);
      },
    };
  });
  afterEach(async () => {
    await h.simulator.close();
    await stores.close();
  });

  const rid = () => `ref-${++seq}`;
  const deactivate = async (entity: 'Customer' | 'Item', id: string) => {
    const current = await h.client.read(entity, id);
    await sparseUpdate(
      h,
      entity,
      { Id: id, SyncToken: String(current.SyncToken), Active: false },
      { requestId: rid() },
    );
  };
  const executor = () =>
    createExecutor({
      ledger: stores.ledger,
      syncState: stores.syncState,
      instanceId: 'instance-1',
      items,
      now: () => new Date(clock),
    });
  const context = (): WriteContext => ({
    tenantId: 'acme',
    realmId: h.realmId,
    ledger: stores.ledger,
    qbo,
    leaseOwner: `attempt-${++seq}`,
    now: () => clock,
  });
  const operation = (entity: 'Customer' | 'Invoice', stripeId: string, body: Record<string, unknown>) =>
    ({
      entity,
      operation: 'create',
      stripeId,
      stripeObject: 'test',
      requestId: `00000000-0000-5000-8000-${String(++seq).padStart(12, '0')}`,
      currency: 'USD',
      body,
    }) as PlannedOperation;
  const customerBody = (name: string, email: string, stripeId: string) => ({
    DisplayName: name,
    PrimaryEmailAddr: { Address: email },
    Notes: `stripe:${stripeId}`,
  });
  let items = createProductItemLookup({ productName: () => Promise.resolve(undefined), now: () => clock });

  it('the directory refresh asks for inactive customers too, so a deactivation stops matching', async () => {
    const existing = await h.client.create(
      'Customer',
      { DisplayName: 'Juniper Joinery', PrimaryEmailAddr: { Address: 'jj@joinery.test' } },
      { requestId: rid() },
    );
    const directory = new CustomerDirectory({ now: () => clock, warmupMatches: 0, refreshMs: 5_000 });
    const match = () =>
      customerMatcher(
        directory.lookupFor('acme:realm', qbo),
        { DisplayName: 'Juniper', PrimaryEmailAddr: { Address: 'jj@joinery.test' } },
        'cus_jj',
      )();
    expect((await match())?.Id).toBe(existing.Id);
    await deactivate('Customer', String(existing.Id));
    clock += 5_000;
    queries = [];
    expect(await match()).toBeUndefined();
    expect(queries[0]).toMatch(/WHERE MetaData\.LastUpdatedTime >= '[^']+' AND Active IN \(true, false\) ORDERBY Id/);
  });

  it('a customer made inactive inside the refresh window is read before linking, forgotten, and ours is created', async () => {
    const ex = executor();
    // Warm the instance's directory up: the first ten matches go by query, the eleventh loads the directory.
    for (let i = 0; i < 11; i += 1) {
      const stripeId = `cus_warm${i}`;
      const op = operation('Customer', stripeId, customerBody(`Warm ${i}`, `w${i}@warm.test`, stripeId));
      await ex.execute(context(), op, op.body, undefined);
    }
    const kept = await h.client.create(
      'Customer',
      { DisplayName: 'Kestrel Kites', PrimaryEmailAddr: { Address: 'k@kites.test' } },
      { requestId: rid() },
    );
    clock += 5_000; // one refresh, which loads Kestrel Kites into the directory
    const probe = operation('Customer', 'cus_probe', customerBody('Probe', 'p@probe.test', 'cus_probe'));
    await ex.execute(context(), probe, probe.body, undefined);
    // The accountant makes it inactive; the directory does not refresh within its window.
    await deactivate('Customer', String(kept.Id));
    const op = operation('Customer', 'cus_kites', customerBody('Kestrel Kites', 'k@kites.test', 'cus_kites'));
    const outcome = await ex.execute(context(), op, op.body, undefined);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: false });
    expect(outcome.kind === 'posted' && outcome.qbo.Id).not.toBe(kept.Id);
    expect(outcome.kind === 'posted' && outcome.qbo.Active).toBe(true);
  });

  it('an item of a product name made inactive after it was cached: the 610 forgets it, the retry resolves defaultItem', async () => {
    const tenant = buildTenantSettings({
      qbo: { realmId: h.realmId, environment: 'sandbox', multicurrency: false },
      items: { defaultItem: DEMO_ITEM_IDS.stripeSales, taxItem: DEMO_ITEM_IDS.services, byStripeProduct: {} },
    });
    items = createProductItemLookup({
      productName: (_tenant, productId) => Promise.resolve(productId === 'prod_widget' ? 'Widget' : undefined),
      now: () => clock,
    });
    const widget = String(
      (
        await h.client.create(
          'Item',
          { Name: 'Widget', Type: 'Service', IncomeAccountRef: { value: DEMO_ACCOUNT_IDS.sales } },
          { requestId: rid() },
        )
      ).Id,
    );
    const customerId = String((await h.client.create('Customer', { DisplayName: 'Lark Co' }, { requestId: rid() })).Id);
    expect(await items(tenant, qbo, 'prod_widget')).toBe(widget);
    await deactivate('Item', widget);
    const ex = executor();
    const invoice = async (itemId: string) => {
      const body = {
        CustomerRef: { value: customerId },
        DocNumber: 'INV-LARK',
        Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: itemId } } }],
        PrivateNote: 'stripe:in_lark',
      };
      return ex.execute(context(), operation('Invoice', 'in_lark', body), body, undefined);
    };
    // Still cached: the line resolves to the inactive Widget, QBO answers 610, the attempt is retried, not parked.
    await expect(invoice(await items(tenant, qbo, 'prod_widget'))).rejects.toMatchObject({
      code: 'inactive_reference',
      failureClass: 'retryable',
    });
    // The redelivery resolves the line afresh: no active item of that name, so defaultItem; the invoice posts.
    const resolved = await items(tenant, qbo, 'prod_widget');
    expect(resolved).toBe(DEMO_ITEM_IDS.stripeSales);
    expect(await invoice(resolved)).toMatchObject({ kind: 'posted' });
  });

  it('the retry happens once per document: a second cached item gone inactive on the same invoice is parked', async () => {
    const tenant = buildTenantSettings({
      qbo: { realmId: h.realmId, environment: 'sandbox', multicurrency: false },
      items: { defaultItem: DEMO_ITEM_IDS.stripeSales, taxItem: DEMO_ITEM_IDS.services, byStripeProduct: {} },
    });
    items = createProductItemLookup({ productName: () => Promise.resolve('Gadget'), now: () => clock });
    const newGadget = async () =>
      String(
        (
          await h.client.create(
            'Item',
            { Name: 'Gadget', Type: 'Service', IncomeAccountRef: { value: DEMO_ACCOUNT_IDS.sales } },
            { requestId: rid() },
          )
        ).Id,
      );
    const customerId = String((await h.client.create('Customer', { DisplayName: 'Newt Co' }, { requestId: rid() })).Id);
    const ex = executor();
    const invoice = (itemId: string) => {
      const body = {
        CustomerRef: { value: customerId },
        Line: [{ Amount: 5, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: itemId } } }],
        PrivateNote: 'stripe:in_newt',
      };
      return ex.execute(context(), operation('Invoice', 'in_newt', body), body, undefined);
    };
    const first = await newGadget();
    expect(await items(tenant, qbo, 'prod_gadget')).toBe(first);
    await deactivate('Item', first);
    await expect(invoice(first)).rejects.toMatchObject({ code: 'inactive_reference' });
    // Someone adds a new Gadget (the name is free: deactivation renamed the old one) and makes it inactive too.
    const second = await newGadget();
    expect(await items(tenant, qbo, 'prod_gadget')).toBe(second);
    await deactivate('Item', second);
    await expect(invoice(second)).rejects.toMatchObject({ code: 'qbo_610', failureClass: 'rejected' });
  });

  it('a 610 on a reference nothing cached (a mapped item) is a rejection at once', async () => {
    const customerId = String((await h.client.create('Customer', { DisplayName: 'Moss Co' }, { requestId: rid() })).Id);
    await deactivate('Item', DEMO_ITEM_IDS.shipping);
    const ex = executor();
    const body = {
      CustomerRef: { value: customerId },
      Line: [
        {
          Amount: 5,
          DetailType: 'SalesItemLineDetail',
          SalesItemLineDetail: { ItemRef: { value: DEMO_ITEM_IDS.shipping } },
        },
      ],
      PrivateNote: 'stripe:in_moss',
    };
    await expect(ex.execute(context(), operation('Invoice', 'in_moss', body), body, undefined)).rejects.toMatchObject({
      code: 'qbo_610',
      failureClass: 'rejected',
    });
  });
});
