import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../../shared/config/config';
import { classifyError } from '../../../shared/errors';
import { createStripeReader } from '../../../shared/runtime/stripe-reader';
import { secretNames } from '../../../shared/secrets/secret-store';
import { CONSUMER_RETRY_BUDGET } from '../../../shared/stripe/retry-policy';
import { buildStripeObject, startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { buildTenantSettings } from '../../support/tenants';
import { MemorySecretStore, silentLogger, TEST_STRIPE_KEY } from './support';

/** GET /v1/products/:id as Stripe answers it: the product, or 404 `resource_missing` with Stripe's error body. */
const PRODUCTS: Record<string, Record<string, unknown>> = {
  prod_garden: {
    id: 'prod_garden',
    object: 'product',
    active: false,
    created: 1_735_689_600,
    livemode: false,
    name: "Gardener's Plan",
    type: 'service',
  },
};

describe("the consumers' Stripe reader: a product's name through stripe-node over HTTP", () => {
  let server: Server;
  let url: string;
  const requests: Array<{ path: string; account: string | undefined; version: string | undefined }> = [];
  const secrets = new MemorySecretStore();

  const header = (req: IncomingMessage, name: string) => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };

  beforeAll(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://stripe').pathname;
      requests.push({ path, account: header(req, 'stripe-account'), version: header(req, 'stripe-version') });
      const id = /^\/v1\/products\/([^/]+)$/.exec(path)?.[1];
      const product = id === undefined ? undefined : PRODUCTS[decodeURIComponent(id)];
      res.writeHead(product ? 200 : 404, { 'content-type': 'application/json', 'request-id': 'req_test' });
      res.end(
        JSON.stringify(
          product ?? {
            error: {
              type: 'invalid_request_error',
              code: 'resource_missing',
              param: 'id',
              message: `No such product: '${id ?? ''}'`,
            },
          },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await secrets.write(secretNames.stripeApiKey('acme'), TEST_STRIPE_KEY);
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  const reader = () =>
    createStripeReader({
      config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'stripe-qbo-test', STRIPE_API_BASE: url }),
      secrets,
      logger: silentLogger,
      now: () => new Date('2026-01-01T00:00:00Z'),
    });

  it('reads the name of a product, archived ones included (old invoices sell them)', async () => {
    expect(await reader().productName(buildTenantSettings(), 'prod_garden')).toBe("Gardener's Plan");
    expect(requests.at(-1)).toMatchObject({ path: '/v1/products/prod_garden', account: undefined });
    expect(requests.at(-1)?.version).toMatch(/^20\d\d-\d\d-\d\d\./);
  });

  it('answers undefined for a product Stripe no longer has', async () => {
    expect(await reader().productName(buildTenantSettings(), 'prod_gone')).toBeUndefined();
  });

  it("asks on the connected account's behalf for a Connect tenant", async () => {
    const tenant = buildTenantSettings({ stripe: { accountId: 'acct_1Connected', livemode: false } });
    expect(await reader().productName(tenant, 'prod_garden')).toBe("Gardener's Plan");
    expect(requests.at(-1)).toMatchObject({ path: '/v1/products/prod_garden', account: 'acct_1Connected' });
  });
});

describe("the consumers' Stripe reader: the invoice a PaymentIntent pays, through stripe-node over HTTP", () => {
  let standIn: StripeStandIn;
  const secrets = new MemorySecretStore();
  const invoicePayment = (id: string, created: number, overrides: Record<string, unknown>) =>
    buildStripeObject('invoice_payment', { id, created }, overrides);

  beforeAll(async () => {
    standIn = await startStripeStandIn({
      apiKeys: [TEST_STRIPE_KEY],
      objects: [
        invoicePayment('inpay_paid', 1_735_689_600, {
          invoice: 'in_paid',
          payment: { type: 'payment_intent', payment_intent: 'pi_invoice' },
        }),
        // Stripe keeps the canceled attempt beside the one that paid: only the live one says the intent pays.
        invoicePayment('inpay_retried', 1_735_689_700, {
          invoice: 'in_retried',
          status: 'canceled',
          payment: { type: 'payment_intent', payment_intent: 'pi_retried_elsewhere' },
        }),
        invoicePayment('inpay_open', 1_735_689_800, {
          invoice: 'in_open',
          status: 'open',
          amount_paid: null,
          payment: { type: 'payment_intent', payment_intent: 'pi_open' },
        }),
      ],
    });
    await secrets.write(secretNames.stripeApiKey('acme'), TEST_STRIPE_KEY);
  });
  afterAll(() => standIn.close());

  const sleeps: number[] = [];
  const reader = () =>
    createStripeReader(
      {
        config: parseConfig({ GOOGLE_CLOUD_PROJECT: 'stripe-qbo-test', STRIPE_API_BASE: standIn.url }),
        secrets,
        logger: silentLogger,
        now: () => new Date('2026-01-01T00:00:00Z'),
      },
      { sleep: async (ms) => void sleeps.push(ms) },
    );

  it("names the invoice a paid invoice payment of the intent pays, asking by the intent's id", async () => {
    expect(await reader().invoiceForPaymentIntent(buildTenantSettings(), 'pi_invoice')).toBe('in_paid');
    expect(standIn.requests().at(-1)).toMatchObject({
      path: '/v1/invoice_payments',
      query: { 'payment[type]': 'payment_intent', 'payment[payment_intent]': 'pi_invoice' },
      status: 200,
      stripeAccount: undefined,
    });
  });

  it('counts an open invoice payment (the charge can land before Stripe marks it paid)', async () => {
    expect(await reader().invoiceForPaymentIntent(buildTenantSettings(), 'pi_open')).toBe('in_open');
  });

  it('answers null for a standalone intent, and for one whose only invoice payment was canceled', async () => {
    expect(await reader().invoiceForPaymentIntent(buildTenantSettings(), 'pi_checkout')).toBeNull();
    expect(await reader().invoiceForPaymentIntent(buildTenantSettings(), 'pi_retried_elsewhere')).toBeNull();
  });

  it("asks on the connected account's behalf for a Connect tenant", async () => {
    const tenant = buildTenantSettings({ stripe: { accountId: 'acct_1Connected', livemode: false } });
    expect(await reader().invoiceForPaymentIntent(tenant, 'pi_invoice')).toBe('in_paid');
    expect(standIn.requests().at(-1)).toMatchObject({
      path: '/v1/invoice_payments',
      stripeAccount: 'acct_1Connected',
    });
  });

  it('a Stripe rate limit is an error the consumer retries, not an answer', async () => {
    // More 429s than the consumers' in-process budget (retry-policy.ts) absorbs: the rest is Pub/Sub's redelivery.
    standIn.injectRateLimit(CONSUMER_RETRY_BUDGET.maxRetries + 1);
    const error: unknown = await reader()
      .invoiceForPaymentIntent(buildTenantSettings(), 'pi_invoice')
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(classifyError(error).failureClass).toBe('retryable');
    expect(await reader().invoiceForPaymentIntent(buildTenantSettings(), 'pi_invoice')).toBe('in_paid');
  });

  it('one 429 is absorbed by the backoff of the one Stripe retry policy', async () => {
    standIn.injectRateLimit(1);
    sleeps.length = 0;
    expect(await reader().invoiceForPaymentIntent(buildTenantSettings(), 'pi_invoice')).toBe('in_paid');
    expect(sleeps).toHaveLength(1);
  });
});
