import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { NormalizedEvent } from '../../../schemas/normalized-event.schema';
import { buildScenario, type ScenarioEvent } from '../../../dev/scenario/scenario';
import type { QboWriter } from '../../../shared/consumers/qbo-port';
import { normalizeStripeEvent } from '../../../shared/ingest/normalize';
import { UNVERIFIED_LOCAL_EMULATOR_PUSHES } from '../../../shared/consumers/push-auth';
import { composeConsumer } from '../../../shared/runtime/compose';
import { createQboAccess } from '../../../shared/runtime/qbo-access';
import { customerEmailClaims } from '../../../shared/consumers/customer-email-claims';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { startTestStack } from '../../support/stack';

/**
 * Two Stripe customers with one email are one QBO customer (DESIGN section 6), even when their events arrive at
 * the same moment and neither match can see the other's customer yet.
 */
describe('Stripe customers sharing an email, synced at once', () => {
  let stack: LocalStack;
  let template: ScenarioEvent;
  beforeAll(async () => {
    const scenario = buildScenario({ seed: 5, objects: 10, fixturesDir: join(__dirname, '../../fixtures/stripe') });
    template = scenario.events.find((e) => e.type === 'customer.created')!;
    stack = await startTestStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const customerEvent = (n: number, email: string): NormalizedEvent => {
    const raw = {
      ...template,
      id: `evt_twin_${n}`,
      data: { object: { ...template.data.object, id: `cus_twin_${n}`, name: `Twin Buyer ${n}`, email } },
    };
    const result = normalizeStripeEvent(raw, {
      tenantId: 'demo',
      source: 'webhook',
      receivedAt: new Date().toISOString(),
    });
    if (result.kind !== 'normalized') throw new Error('fixture did not normalize');
    return result.event;
  };

  it('become one QBO customer even when two instances match them before either has created it', async () => {
    const email = 'twin.buyer@example.com';
    const qboAccess = createQboAccess({
      runtime: stack.runtime,
      baseUrl: stack.qboBaseUrl,
      simulatorUrl: stack.qboBaseUrl,
    });
    // Every instance's matching queries wait for each other: both see a QBO without the customer, the worst case
    // a directory seconds stale or two queries a moment apart can produce.
    let arrived = 0;
    let release: () => void = () => undefined;
    const bothQueried = new Promise<void>((resolve) => (release = resolve));
    const instance = (name: string) =>
      composeConsumer(stack.runtime, 'customer', {
        pushAuth: UNVERIFIED_LOCAL_EMULATOR_PUSHES,
        qboFor: async (tenant): Promise<QboWriter> => {
          const client = await qboAccess.clientFor(tenant);
          return {
            ...client,
            query: async (sql) => {
              const rows = await client.query(sql);
              if (/PrimaryEmailAddr/.test(sql)) {
                arrived += 1;
                if (arrived === 2) release();
                await bothQueried;
              }
              return rows;
            },
          };
        },
        stripe: null,
        instanceId: name,
      });
    const attempt = async (consumer: ReturnType<typeof instance>, event: NormalizedEvent) => {
      // The loser of the claim is told to come back (retryable), as Pub/Sub would redeliver it.
      for (let tries = 0; ; tries += 1) {
        try {
          return await consumer.syncEvent(event, { deliveryAttempt: tries + 1 });
        } catch (error) {
          if ((error as { code?: string }).code !== 'customer_email_claimed' || tries > 20) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    };
    const outcomes = await Promise.all([
      attempt(instance('instance-a'), customerEvent(1, email)),
      attempt(instance('instance-b'), customerEvent(2, 'Twin.Buyer@Example.com')),
    ]);
    expect(outcomes).toEqual(['posted', 'posted']);
    const qboCustomers = stack
      .simulator!.entities(stack.tenants[0]!.realmId, 'Customer')
      .filter((c) => /twin\.buyer@example\.com/i.test(String((c.PrimaryEmailAddr as { Address?: string })?.Address)));
    expect(qboCustomers).toHaveLength(1);
    const entries = await Promise.all(
      [1, 2].map((n) => stack.stores.ledger.get({ tenantId: 'demo', stripeId: `cus_twin_${n}`, operation: 'create' })),
    );
    expect(entries.map((entry) => entry?.qboId)).toEqual([String(qboCustomers[0]!.Id), String(qboCustomers[0]!.Id)]);
  });
});

describe('customer email claims', () => {
  it('let one claimer create, make the others wait, hand them its customer, and expire when abandoned', async () => {
    const stores = await openDuckDbStores(':memory:');
    let clock = 1_000_000;
    const claims = customerEmailClaims(stores.syncState, () => clock, 60_000);
    try {
      expect(await claims.claim('demo:1', 'A@Example.com', 'cus_a')).toBeUndefined();
      await expect(claims.claim('demo:1', 'a@example.com ', 'cus_b')).rejects.toMatchObject({
        code: 'customer_email_claimed',
        failureClass: 'retryable',
      });
      // Another tenant's customer with that email is another QBO company's business.
      expect(await claims.claim('demo:2', 'a@example.com', 'cus_b')).toBeUndefined();
      await claims.created('demo:1', 'a@example.com', 'cus_a', '58');
      expect(await claims.claim('demo:1', 'a@example.com', 'cus_b')).toEqual({ Id: '58' });

      // A claimer that died before creating holds the email only until its claim is stale.
      expect(await claims.claim('demo:1', 'c@example.com', 'cus_c')).toBeUndefined();
      await expect(claims.claim('demo:1', 'c@example.com', 'cus_d')).rejects.toMatchObject({
        code: 'customer_email_claimed',
      });
      clock += 60_000;
      expect(await claims.claim('demo:1', 'c@example.com', 'cus_d')).toBeUndefined();
      const keys = await stores.database.all<{ key: string }>('SELECT key FROM sync_state');
      expect(keys.map((row) => row.key).join(' ')).not.toMatch(/example\.com/);
    } finally {
      await stores.close();
    }
  });

  it('still honour claims written before claims were leases', async () => {
    const stores = await openDuckDbStores(':memory:');
    let clock = 1_000_000;
    const claims = customerEmailClaims(stores.syncState, () => clock, 60_000);
    const keyOf = (email: string) => `customer-email:demo:1:${createHash('sha256').update(email).digest('hex')}`;
    try {
      await stores.syncState.put(keyOf('old@example.com'), { stripeId: 'cus_old', claimedAt: 1, qboId: '77' }, 0);
      expect(await claims.claim('demo:1', 'old@example.com', 'cus_new')).toEqual({ Id: '77' });
      await stores.syncState.put(keyOf('busy@example.com'), { stripeId: 'cus_a', claimedAt: clock }, 0);
      await expect(claims.claim('demo:1', 'busy@example.com', 'cus_b')).rejects.toMatchObject({
        code: 'customer_email_claimed',
      });
      clock += 60_000;
      expect(await claims.claim('demo:1', 'busy@example.com', 'cus_b')).toBeUndefined();
    } finally {
      await stores.close();
    }
  });
});
