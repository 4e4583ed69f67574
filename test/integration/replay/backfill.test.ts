import type { BackfillCommand, BackfillEntity } from '../../../schemas/backfill-command.schema';
import { runBackfill, type BackfillDeps } from '../../../shared/backfill/backfill';
import { syntheticEventsFor } from '../../../shared/backfill/synthetic-events';
import type { MessagePublisher } from '../../../shared/messaging/publisher';
import { CONTROL_TOPICS } from '../../../shared/messaging/topics';
import { secretNames } from '../../../shared/secrets/secret-store';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { Stores } from '../../../shared/stores/ports';
import { createStripeClientFactory } from '../../../shared/stripe/client';
import {
  buildStripeObject,
  startStripeStandIn,
  type StandInObjectKind,
  type StripeStandIn,
} from '../../../dev/stripe-stand-in';
import { buildTenantSettings } from '../../support/tenants';
import { MemorySecretStore, PubSubTopics, RecordingAuditSink, silentLogger, TEST_STRIPE_KEY } from './support';

const FROM = Date.parse('2025-01-01T00:00:00Z') / 1000;
const PLAN: Array<[BackfillEntity, StandInObjectKind, string, number]> = [
  ['customers', 'customer', 'cus', 500],
  ['invoices', 'invoice', 'in', 500],
  ['invoice_payments', 'invoice_payment', 'inpay', 300],
  ['charges', 'charge', 'ch', 300],
  ['refunds', 'refund', 're', 200],
  ['credit_notes', 'credit_note', 'cn', 100],
  ['payouts', 'payout', 'po', 100],
];

/** 2,000 objects spread over January 2025, with states that stand for one or two events each. */
function seedObjects(): Array<{ entity: BackfillEntity; object: Record<string, unknown> & { id: string } }> {
  const seeded: Array<{ entity: BackfillEntity; object: Record<string, unknown> & { id: string } }> = [];
  let n = 0;
  for (const [entity, kind, prefix, count] of PLAN)
    for (let i = 0; i < count; i += 1) {
      n += 1;
      const id = `${prefix}_bf${String(i).padStart(5, '0')}`;
      const overrides: Record<string, unknown> =
        kind === 'invoice'
          ? { status: i % 2 === 0 ? 'paid' : 'open' }
          : kind === 'invoice_payment'
            ? { payment: { type: 'payment_intent', payment_intent: `pi_bf${i}` } }
            : {};
      seeded.push({ entity, object: buildStripeObject(kind, { id, created: FROM + n * 600 }, overrides) });
    }
  return seeded;
}

describe('backfill over the Stripe stand-in and the Pub/Sub emulator', () => {
  let standIn: StripeStandIn;
  let topics: PubSubTopics;
  let stores: Stores;
  const seeded = seedObjects();

  beforeAll(async () => {
    standIn = await startStripeStandIn({ objects: seeded.map((s) => s.object), apiKeys: [TEST_STRIPE_KEY] });
    topics = await new PubSubTopics().create();
    stores = await openDuckDbStores(':memory:');
    await stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
  });
  afterAll(async () => {
    await topics.close();
    await stores.close();
    await standIn.close();
  });

  function deps(overrides: Partial<BackfillDeps> = {}): BackfillDeps {
    const secrets = new MemorySecretStore();
    secrets.values.set(secretNames.stripeApiKey('acme'), TEST_STRIPE_KEY);
    const stripe = createStripeClientFactory({ secrets, apiBase: standIn.url, logger: silentLogger });
    return {
      functionName: 'backfill',
      tenants: stores.tenants,
      syncState: stores.syncState,
      publisher: topics.publisher,
      audit: new RecordingAuditSink(),
      stripeFor: (tenant) => stripe.clientFor(tenant),
      logger: silentLogger,
      topicPrefix: topics.prefix,
      now: () => new Date('2026-01-15T12:00:00Z'),
      pageSize: 50,
      ...overrides,
    };
  }

  test('2,000 objects, cut off by the time budget and killed mid-page, all arrive and the checkpoint ends done', async () => {
    const command: BackfillCommand = {
      schemaVersion: 1,
      backfillId: 'bf-acme-jan',
      tenantId: 'acme',
      entities: PLAN.map(([entity]) => entity),
      createdFrom: '2025-01-01T00:00:00Z',
      createdTo: '2025-02-01T00:00:00Z',
      dryRun: false,
    };
    // A fake clock that moves 1 ms per page request: a budget of 15 "ms" stops the first run after 15 pages.
    let ticks = 0;
    const clock = () => ticks;
    const countingStripe = deps().stripeFor;
    const first = await runBackfill(
      deps({
        clock,
        timeBudgetMs: 15,
        stripeFor: async (tenant) => {
          const client = await countingStripe(tenant);
          return { ...client, listObjects: (...args) => ((ticks += 1), client.listObjects(...args)) };
        },
      }),
      command,
    );
    expect(first.status).toBe('continued');
    const continuations = await topics.drain(CONTROL_TOPICS.opsBackfill);
    expect(continuations).toHaveLength(1);
    const continuation = continuations[0]?.data as BackfillCommand;
    expect(continuation.cursor).toBeDefined();

    // The continuation's instance dies part-way through a page: 30 publishes succeed, then the process is gone.
    let publishes = 0;
    const dying: MessagePublisher = {
      publish: (topic, data, options) => {
        publishes += 1;
        if (publishes > 300) return Promise.reject(new Error('instance killed'));
        return topics.publisher.publish(topic, data, options);
      },
      close: async () => undefined,
    };
    await expect(runBackfill(deps({ publisher: dying }), continuation)).rejects.toThrow('instance killed');

    // Pub/Sub redelivers the same continuation: it resumes from the checkpoint and finishes.
    const resumed = await runBackfill(deps(), continuation);
    expect(resumed.status).toBe('done');
    expect(resumed.checkpoint.status).toBe('done');
    expect(resumed.checkpoint.entityIndex).toBe(PLAN.length);
    for (const [entity, , , count] of PLAN) expect(resumed.checkpoint.counts[entity]?.objects).toBe(count);

    const expected = new Set(seeded.flatMap((s) => syntheticEventsFor(s.entity, s.object, {}).map((e) => e.id)));
    const arrived = await topics.drainEntities();
    const arrivedIds = new Set(arrived.map((m) => String(m.data.eventId)));
    expect(arrivedIds).toEqual(expected);
    expect(new Set(arrived.map((m) => (m.data.object as { id: string }).id))).toEqual(
      new Set(seeded.map((s) => s.object.id)),
    );
    expect(arrived.every((m) => m.data.source === 'backfill' && m.attributes.source === 'backfill')).toBe(true);
    expect(arrived.every((m) => m.orderingKey === m.data.objectId)).toBe(true);

    // Sending the original command again (an operator repeating it, or a late redelivery) publishes nothing.
    expect((await runBackfill(deps(), command)).status).toBe('already_done');
    expect(await topics.drainEntities()).toHaveLength(0);
  });

  test('a dry run publishes nothing and records what it would have published', async () => {
    const audit = new RecordingAuditSink();
    const outcome = await runBackfill(deps({ audit }), {
      schemaVersion: 1,
      backfillId: 'bf-acme-dry',
      tenantId: 'acme',
      entities: ['customers', 'payouts'],
      createdFrom: '2025-01-01T00:00:00Z',
      createdTo: '2025-02-01T00:00:00Z',
      dryRun: true,
    });
    expect(outcome.status).toBe('done');
    expect(outcome.checkpoint.counts.customers?.events).toBe(500);
    expect(outcome.checkpoint.counts.payouts?.events).toBe(200);
    expect(audit.records.filter((r) => r.outcome === 'planned').length).toBeGreaterThan(0);
    expect(await topics.drainEntities()).toHaveLength(0);
  });
});
