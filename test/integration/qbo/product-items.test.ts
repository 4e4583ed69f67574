import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import { createProductItemLookup, PRODUCT_ITEM_TTL_MS } from '../../../shared/consumers/product-items';
import type { QboWriter } from '../../../shared/consumers/qbo-port';
import { DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { buildTenantSettings } from '../../support/tenants';
import { startHarness, type Harness } from './harness';

/** The lookup against the simulator through the real QBO client, with the Stripe side played by a name table. */
describe('the QBO item of the same name as a Stripe product', () => {
  let h: Harness;
  let tenant: TenantSettings;
  let queries: string[];
  let qbo: QboWriter;
  let clock: number;
  let names: Map<string, string>;
  let nameReads: string[];
  let seq = 0;

  const createItem = async (name: string, extra: Record<string, unknown> = {}) =>
    String(
      (
        await h.client.create(
          'Item',
          { Name: name, Type: 'Service', IncomeAccountRef: { value: DEMO_ACCOUNT_IDS.sales }, ...extra },
          { requestId: `item-${++seq}` },
        )
      ).Id,
    );

  const lookup = () =>
    createProductItemLookup({
      productName: async (_tenant, productId) => {
        nameReads.push(productId);
        return names.get(productId);
      },
      now: () => clock,
    });

  beforeEach(async () => {
    h = await startHarness();
    tenant = buildTenantSettings({
      qbo: { realmId: h.realmId, environment: 'sandbox', multicurrency: false },
      items: { defaultItem: DEMO_ITEM_IDS.stripeSales, taxItem: DEMO_ITEM_IDS.services, byStripeProduct: {} },
    });
    queries = [];
    nameReads = [];
    clock = Date.parse('2026-01-01T00:00:00Z');
    names = new Map();
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
  });

  it('finds the active item whose name is the product name, quotes escaped in the query', async () => {
    const itemId = await createItem("Gardener's Plan \\ Pro");
    names.set('prod_garden', "Gardener's Plan \\ Pro");
    expect(await lookup()(tenant, qbo, 'prod_garden')).toBe(itemId);
    expect(queries).toEqual(["SELECT * FROM Item WHERE Name = 'Gardener\\'s Plan \\\\ Pro'"]);
  });

  it('falls back to defaultItem when QBO has no item of that name, only an inactive one, or a category', async () => {
    await createItem('Retired Plan', { Active: false });
    await createItem('Plans', { Type: 'Category', IncomeAccountRef: undefined });
    names.set('prod_retired', 'Retired Plan');
    names.set('prod_category', 'Plans');
    names.set('prod_new', 'Brand New Plan');
    const itemFor = lookup();
    expect(await itemFor(tenant, qbo, 'prod_retired')).toBe(DEMO_ITEM_IDS.stripeSales);
    expect(await itemFor(tenant, qbo, 'prod_category')).toBe(DEMO_ITEM_IDS.stripeSales);
    expect(await itemFor(tenant, qbo, 'prod_new')).toBe(DEMO_ITEM_IDS.stripeSales);
    expect(queries).toHaveLength(3);
  });

  it('matches a product name that has stray spaces around it', async () => {
    const itemId = await createItem('Garden Plan');
    names.set('prod_garden', '  Garden Plan ');
    expect(await lookup()(tenant, qbo, 'prod_garden')).toBe(itemId);
  });

  it('falls back to defaultItem without asking QBO when Stripe has no such product or no reader is wired', async () => {
    expect(await lookup()(tenant, qbo, 'prod_gone')).toBe(DEMO_ITEM_IDS.stripeSales);
    const blind = createProductItemLookup({ productName: undefined, now: () => clock });
    expect(await blind(tenant, qbo, 'prod_gone')).toBe(DEMO_ITEM_IDS.stripeSales);
    expect(queries).toEqual([]);
  });

  it('does not query for a name QBO cannot hold (a colon, more than 100 characters)', async () => {
    names.set('prod_colon', 'Plans: Gold');
    names.set('prod_long', 'x'.repeat(101));
    const itemFor = lookup();
    expect(await itemFor(tenant, qbo, 'prod_colon')).toBe(DEMO_ITEM_IDS.stripeSales);
    expect(await itemFor(tenant, qbo, 'prod_long')).toBe(DEMO_ITEM_IDS.stripeSales);
    expect(queries).toEqual([]);
  });

  it('asks Stripe and QBO once per product for ten minutes, then again', async () => {
    names.set('prod_garden', 'Garden Plan');
    const itemFor = lookup();
    const before = await itemFor(tenant, qbo, 'prod_garden');
    expect(before).toBe(DEMO_ITEM_IDS.stripeSales);
    const created = await createItem('Garden Plan');
    // Concurrent lines and invoices within the window share the first answer.
    const within = await Promise.all([1, 2, 3].map(() => itemFor(tenant, qbo, 'prod_garden')));
    expect(within).toEqual([before, before, before]);
    clock += PRODUCT_ITEM_TTL_MS - 1;
    expect(await itemFor(tenant, qbo, 'prod_garden')).toBe(before);
    expect(queries).toHaveLength(1);
    expect(nameReads).toEqual(['prod_garden']);
    clock += 1;
    expect(await itemFor(tenant, qbo, 'prod_garden')).toBe(created);
    expect(queries).toHaveLength(2);
  });

  it('keeps tenants apart: another tenant with the same product id gets its own lookup and fallback', async () => {
    names.set('prod_garden', 'Garden Plan');
    const itemFor = lookup();
    expect(await itemFor(tenant, qbo, 'prod_garden')).toBe(DEMO_ITEM_IDS.stripeSales);
    const other = { ...tenant, tenantId: 'other', items: { ...tenant.items, defaultItem: DEMO_ITEM_IDS.services } };
    expect(await itemFor(other, qbo, 'prod_garden')).toBe(DEMO_ITEM_IDS.services);
    expect(queries).toHaveLength(2);
  });

  it('does not remember a failed lookup: an outage fails the attempt and the retry asks again', async () => {
    names.set('prod_garden', 'Garden Plan');
    const itemId = await createItem('Garden Plan');
    const itemFor = lookup();
    h.simulator.injectFault({ kind: '5xx', probability: 1, entity: 'Item' });
    await expect(itemFor(tenant, qbo, 'prod_garden')).rejects.toMatchObject({ failureClass: 'retryable' });
    h.simulator.clearFaults();
    expect(await itemFor(tenant, qbo, 'prod_garden')).toBe(itemId);
  });
});
