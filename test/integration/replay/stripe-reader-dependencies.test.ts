import { parseConfig } from '../../../shared/config/config';
import { createStripeReader } from '../../../shared/runtime/stripe-reader';
import { secretNames } from '../../../shared/secrets/secret-store';
import { buildStripeObject, startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { buildTenantSettings } from '../../support/tenants';
import { MemorySecretStore, silentLogger, TEST_STRIPE_KEY } from './support';

describe("the consumers' Stripe reader: an object another consumer owns, fetched over HTTP", () => {
  let standIn: StripeStandIn;
  const secrets = new MemorySecretStore();
  const NOW = new Date('2026-01-01T00:00:00Z');

  beforeAll(async () => {
    standIn = await startStripeStandIn({
      apiKeys: [TEST_STRIPE_KEY],
      objects: [
        buildStripeObject('customer', { id: 'cus_dep', created: 1_735_689_600 }),
        buildStripeObject('invoice', { id: 'in_dep', created: 1_735_689_700 }),
      ],
    });
    await secrets.write(secretNames.stripeApiKey('acme'), TEST_STRIPE_KEY);
  });
  afterAll(() => standIn.close());

  const reader = () =>
    createStripeReader({
      config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'stripe-qbo-test', STRIPE_API_BASE: standIn.url }),
      secrets,
      logger: silentLogger,
      now: () => NOW,
    });

  it.each([
    ['customer', 'cus_dep', '/v1/customers/cus_dep', 'customer.created', 'customer'],
    ['invoice', 'in_dep', '/v1/invoices/in_dep', 'invoice.finalized', 'invoice'],
  ])(
    'a %s ref is fetched from its path and published as the event its kind stands for',
    async (kind, stripeId, path, type, entity) => {
      const event = await reader().fetchDependency(buildTenantSettings(), { kind, stripeId });
      expect(standIn.requests().at(-1)).toMatchObject({ path, status: 200 });
      expect(event).toMatchObject({
        eventId: `dep_${kind}_${stripeId}`,
        source: 'dependency',
        tenantId: 'acme',
        type,
        entity,
        objectId: stripeId,
        receivedAt: NOW.toISOString(),
      });
    },
  );

  it('an object Stripe no longer has is no dependency, not a failure', async () => {
    expect(await reader().fetchDependency(buildTenantSettings(), { kind: 'customer', stripeId: 'cus_gone' })).toBe(
      undefined,
    );
    expect(standIn.requests().at(-1)).toMatchObject({ path: '/v1/customers/cus_gone', status: 404 });
  });

  it('a ref kind that stands for no fetchable object asks Stripe nothing', async () => {
    const before = standIn.requests().length;
    for (const kind of ['item', 'creditmemo', 'deposit', 'payment'])
      expect(await reader().fetchDependency(buildTenantSettings(), { kind, stripeId: 'x_1' })).toBeUndefined();
    expect(standIn.requests()).toHaveLength(before);
  });

  it("asks on the connected account's behalf for a Connect tenant, and says so in the event", async () => {
    const tenant = buildTenantSettings({ stripe: { accountId: 'acct_1Connected', livemode: false } });
    const event = await reader().fetchDependency(tenant, { kind: 'customer', stripeId: 'cus_dep' });
    expect(standIn.requests().at(-1)).toMatchObject({ stripeAccount: 'acct_1Connected' });
    expect(event?.stripeAccount).toBe('acct_1Connected');
  });
});
