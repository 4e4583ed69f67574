import type { NormalizedEvent } from '../../../schemas/normalized-event.schema';
import { createValidators } from '../../../schemas/validators';
import { buildStripeObject, startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { normalizeStripeEvent } from '../../../shared/ingest/normalize';
import { runReplay, type ReplayDeps } from '../../../shared/replay/replay';
import { secretNames } from '../../../shared/secrets/secret-store';
import { openDuckDbStores, type DuckDbStores } from '../../../shared/stores/duckdb';
import { createStripeClientFactory } from '../../../shared/stripe/client';
import { buildTenantSettings } from '../../support/tenants';
import { MemorySecretStore, PubSubTopics, RecordingAuditSink, silentLogger, TEST_STRIPE_KEY } from './support';

const NOW = new Date('2026-01-15T12:00:00Z');
const hoursAgo = (hours: number) => new Date(NOW.getTime() - hours * 3_600_000).toISOString();
const command = { schemaVersion: 1 as const, requestedAt: NOW.toISOString(), requestedBy: 'scheduler' };

/** A payment's invoice_payment.paid, as the webhook published it: it waits for `invoiceId`. */
function paymentFor(invoiceId: string, n: number): NormalizedEvent {
  const result = normalizeStripeEvent(
    {
      id: `evt_pay_${n}`,
      object: 'event',
      type: 'invoice_payment.paid',
      created: Math.floor(NOW.getTime() / 1000) - 7200,
      livemode: false,
      data: {
        object: {
          id: `inpay_${n}`,
          object: 'invoice_payment',
          invoice: invoiceId,
          status: 'paid',
          amount_paid: 1000,
          currency: 'usd',
          payment: { type: 'payment_intent', payment_intent: `pi_${n}` },
          status_transitions: { paid_at: 1, canceled_at: null },
        },
      },
    },
    { tenantId: 'acme', source: 'webhook', receivedAt: NOW.toISOString() },
  );
  if (result.kind !== 'normalized') throw new Error('fixture did not normalize');
  return result.event;
}

describe("replay's sweep of the dependency wait-list", () => {
  let standIn: StripeStandIn;
  let topics: PubSubTopics;
  let stores: DuckDbStores;
  let audit: RecordingAuditSink;

  beforeEach(async () => {
    standIn = await startStripeStandIn({
      apiKeys: [TEST_STRIPE_KEY],
      objects: [buildStripeObject('invoice', { id: 'in_stale', created: 1_700_000_000 }, { customer: 'cus_1' })],
    });
    topics = await new PubSubTopics().create();
    stores = await openDuckDbStores(':memory:');
    audit = new RecordingAuditSink();
    await stores.tenants.put(buildTenantSettings({ tenantId: 'acme', dependencyWaitDays: 2 }));
  });
  afterEach(async () => {
    await topics.close();
    await stores.close();
    await standIn.close();
  });

  function deps(): ReplayDeps {
    const secrets = new MemorySecretStore();
    secrets.values.set(secretNames.stripeApiKey('acme'), TEST_STRIPE_KEY);
    const stripe = createStripeClientFactory({ secrets, apiBase: standIn.url, logger: silentLogger });
    return {
      functionName: 'replay',
      tenants: stores.tenants,
      ledger: stores.ledger,
      syncState: stores.syncState,
      reviewQueue: stores.reviewQueue,
      waitList: stores.waits,
      publisher: topics.publisher,
      audit,
      validators: createValidators(),
      stripeFor: (tenant) => stripe.clientFor(tenant),
      logger: silentLogger,
      topicPrefix: topics.prefix,
      now: () => NOW,
    };
  }

  async function wait(invoiceId: string, n: number, since: string, requestedAt: string | null = since) {
    await stores.waits.add(
      {
        tenantId: 'acme',
        dependency: `invoice:${invoiceId}`,
        eventId: `evt_pay_${n}`,
        event: paymentFor(invoiceId, n),
      },
      since,
    );
    await stores.waits.setRequested('acme', `invoice:${invoiceId}`, requestedAt);
  }

  async function post(stripeId: string) {
    const key = { tenantId: 'acme', stripeId, operation: 'create' };
    await stores.ledger.reserve({ ...key, requestId: 'r', qboEntity: 'Invoice', leaseOwner: 't', leaseMs: 1, now: 1 });
    await stores.ledger.commit(key, 't', { qboId: '41', now: 2 });
  }

  it('republishes the waiters of a posted dependency, parks what waited too long or Stripe lacks, and asks again for stale ones', async () => {
    // in_posted was committed by a consumer that died before republishing its two waiters.
    await post('in_posted');
    await wait('in_posted', 1, hoursAgo(3));
    await wait('in_posted', 2, hoursAgo(2));
    // Past the tenant's two days.
    await wait('in_overdue', 3, hoursAgo(49));
    // Asked for three hours ago, still not there: asked again. Stripe has it.
    await wait('in_stale', 4, hoursAgo(3));
    // Asked for three hours ago, and Stripe has no such invoice.
    await wait('in_gone', 5, hoursAgo(3));
    // Asked for ten minutes ago: left alone.
    await wait('in_fresh', 6, hoursAgo(0.2));

    await runReplay(deps(), command);

    const arrived = await topics.drainEntities();
    expect(arrived.map((message) => String(message.data.eventId)).sort()).toEqual([
      'dep_invoice_in_stale',
      'evt_pay_1',
      'evt_pay_2',
    ]);
    expect(arrived.find((message) => message.data.eventId === 'evt_pay_1')?.data).toEqual(paymentFor('in_posted', 1));
    expect((await stores.waits.list('acme')).map((w) => [w.dependency, w.requestedAt])).toEqual([
      ['invoice:in_stale', NOW.toISOString()],
      ['invoice:in_fresh', hoursAgo(0.2)],
    ]);
    const parked = await stores.reviewQueue.list({ tenantId: 'acme', reason: 'dependency_missing' });
    expect(parked.map((item) => [item.stripeId, item.status, item.detail])).toEqual([
      ['pi_3', 'open', 'invoice:in_overdue not posted after 2 days'],
      ['pi_5', 'open', 'Stripe has no invoice:in_gone'],
    ]);
    expect(parked[0]!.event).toEqual(paymentFor('in_overdue', 3));
    expect(audit.records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ outcome: 'parked', reason: 'dependency_missing', eventId: 'evt_pay_3' }),
        expect.objectContaining({ outcome: 'parked', reason: 'dependency_missing', eventId: 'evt_pay_5' }),
        expect.objectContaining({
          outcome: 'progress',
          reason: 'wait_sweep',
          detail: JSON.stringify({ waiting: 2, released: 2, requested: 1, parked: 2, failed: 0 }),
        }),
      ]),
    );
    // Nothing is ever sent to a dead-letter topic by the sweep: parked or waiting, each accounted for.
    expect(audit.records.filter((row) => row.outcome === 'dead_lettered')).toEqual([]);
  });

  it('a second sweep right after changes nothing', async () => {
    await wait('in_stale', 4, hoursAgo(3));
    await runReplay(deps(), command);
    await topics.drainEntities();
    await runReplay(deps(), command);
    expect(await topics.drainEntities()).toEqual([]);
    expect(await stores.waits.list('acme')).toHaveLength(1);
  });
});
