import { AuthError, PermanentError, RetryableError } from '../../../shared/errors';
import { createRateLimiter, createStripeApiClient } from '../../../shared/stripe/client';
import { CONSUMER_RETRY_BUDGET } from '../../../shared/stripe/retry-policy';
import { buildStripeObject, startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { silentLogger, TEST_STRIPE_KEY } from './support';

describe('the Stripe client against the stand-in over HTTP', () => {
  let standIn: StripeStandIn;
  const sleeps: number[] = [];
  const client = (apiKey = TEST_STRIPE_KEY) =>
    createStripeApiClient({
      apiKey,
      apiBase: standIn.url,
      livemode: false,
      logger: silentLogger,
      limiter: createRateLimiter({ perSecond: 1000 }),
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    });

  beforeAll(async () => {
    standIn = await startStripeStandIn({
      apiKeys: [TEST_STRIPE_KEY],
      objects: [
        ...Array.from({ length: 250 }, (_, i) =>
          buildStripeObject('customer', { id: `cus_${i}`, created: 1_700_000_000 + i }),
        ),
        buildStripeObject('payout', { id: 'po_auto', created: 1_700_000_000 }, { automatic: true }),
        buildStripeObject('payout', { id: 'po_manual', created: 1_700_000_000 }, { automatic: false }),
      ],
    });
    standIn.addPayoutTransactions('po_auto', [
      buildStripeObject('balance_transaction', { id: 'txn_1', created: 1_700_000_001 }),
    ]);
  });
  afterAll(() => standIn.close());

  test('auto-pagination walks every page newest first within created[gte|lt]', async () => {
    const ids: string[] = [];
    for await (const customer of client().iterateObjects('customers', {
      createdGte: 1_700_000_010,
      createdLt: 1_700_000_240,
      limit: 100,
    }))
      ids.push(customer.id);
    expect(ids).toHaveLength(230);
    expect(ids[0]).toBe('cus_239');
    expect(ids.at(-1)).toBe('cus_10');
    const pages = standIn.requests().filter((r) => r.path === '/v1/customers');
    expect(pages.map((r) => r.query.starting_after)).toEqual([undefined, 'cus_140', 'cus_40']);
  });

  test('a 429 is retried after the Retry-After the server sent', async () => {
    standIn.injectRateLimit(2, 3);
    sleeps.length = 0;
    const page = await client().listObjects('customers', { limit: 5 });
    expect(page.data.map((c) => c.id)).toEqual(['cus_249', 'cus_248', 'cus_247', 'cus_246', 'cus_245']);
    expect(page.hasMore).toBe(true);
    expect(sleeps).toEqual([3000, 3000]);
  });

  test('a Retry-After longer than the budget allows ends the tries at once, carrying the wait', async () => {
    standIn.injectRateLimit(1, 30);
    sleeps.length = 0;
    const consumerClient = createStripeApiClient({
      apiKey: TEST_STRIPE_KEY,
      apiBase: standIn.url,
      livemode: false,
      logger: silentLogger,
      limiter: createRateLimiter({ perSecond: 1000 }),
      sleep: async (ms) => void sleeps.push(ms),
      retryBudget: CONSUMER_RETRY_BUDGET,
    });
    const failure = await consumerClient.listObjects('customers', { limit: 1 }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure).toMatchObject({ retryAfterMs: 30_000 });
    expect(sleeps).toEqual([]);
  });

  test('payout balance transactions: itemised for an automatic payout, Stripe’s 400 for a manual one', async () => {
    expect((await client().listPayoutBalanceTransactions('po_auto')).map((t) => t.id)).toEqual(['txn_1']);
    const failure = await client()
      .listPayoutBalanceTransactions('po_manual')
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PermanentError);
    expect((failure as Error).message).toBe(
      'Balance transaction history can only be filtered on automatic transfers, not manual.',
    );
  });

  test('a wrong key is an AuthError', async () => {
    await expect(client('sk_test_wrong_key_000000000').listObjects('customers')).rejects.toBeInstanceOf(AuthError);
  });
});
