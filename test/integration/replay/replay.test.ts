import { runReplay, type ReplayDeps } from '../../../shared/replay/replay';
import { createValidators } from '../../../schemas/validators';
import { normalizeStripeEvent } from '../../../shared/ingest/normalize';
import { secretNames } from '../../../shared/secrets/secret-store';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { Stores } from '../../../shared/stores/ports';
import { createStripeClientFactory } from '../../../shared/stripe/client';
import { buildStripeObject, startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { buildTenantSettings } from '../../support/tenants';
import { MemorySecretStore, PubSubTopics, RecordingAuditSink, silentLogger, TEST_STRIPE_KEY } from './support';

const NOW = new Date('2026-01-15T12:00:00Z');
const at = (hoursAgo: number) => Math.floor(NOW.getTime() / 1000) - hoursAgo * 3600;

function event(id: string, type: string, object: Record<string, unknown>, created: number) {
  return { id, object: 'event', type, created, livemode: false, api_version: '2026-10-28.endive', data: { object } };
}

/** Replay's dependencies over these stores and topics, with Stripe as `stripeFor` answers. */
function replayDeps(stores: Stores, topics: PubSubTopics, stripeFor: ReplayDeps['stripeFor'], now = NOW): ReplayDeps {
  return {
    functionName: 'replay',
    tenants: stores.tenants,
    ledger: stores.ledger,
    syncState: stores.syncState,
    reviewQueue: stores.reviewQueue,
    waitList: stores.waits,
    publisher: topics.publisher,
    audit: new RecordingAuditSink(),
    validators: createValidators(),
    stripeFor,
    logger: silentLogger,
    topicPrefix: topics.prefix,
    now: () => now,
  };
}
const command = { schemaVersion: 1 as const, requestedAt: NOW.toISOString(), requestedBy: 'scheduler' };

describe('replay over the Stripe stand-in and the Pub/Sub emulator', () => {
  let standIn: StripeStandIn;
  let topics: PubSubTopics;
  let stores: Stores;
  const customer = buildStripeObject('customer', { id: 'cus_missed', created: at(30) });
  const invoice = buildStripeObject('invoice', { id: 'in_missed', created: at(20) });
  const postedInvoice = buildStripeObject('invoice', { id: 'in_posted', created: at(10) });
  const refund = buildStripeObject('refund', { id: 're_recent', created: at(0.5) });

  beforeAll(async () => {
    standIn = await startStripeStandIn({
      apiKeys: [TEST_STRIPE_KEY],
      events: [
        event('evt_cus', 'customer.created', customer, at(30)),
        event('evt_in', 'invoice.finalized', invoice, at(20)),
        event('evt_in_posted', 'invoice.finalized', postedInvoice, at(10)),
        event('evt_re', 'refund.created', refund, at(0.5)),
        // Stripe still keeps it, but it is older than 30 days: out of reach for replay.
        event(
          'evt_old',
          'customer.created',
          buildStripeObject('customer', { id: 'cus_old', created: at(800) }),
          at(800),
        ),
        event('evt_other', 'customer.deleted', customer, at(5)),
      ],
    });
    topics = await new PubSubTopics().create();
    stores = await openDuckDbStores(':memory:');
    await stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
    await stores.tenants.put(buildTenantSettings({ tenantId: 'off', enabled: false }));
    const reserved = await stores.ledger.reserve({
      tenantId: 'acme',
      stripeId: 'in_posted',
      operation: 'create',
      requestId: 'r1',
      qboEntity: 'Invoice',
      leaseOwner: 'test',
      leaseMs: 60_000,
      now: NOW.getTime(),
    });
    expect(reserved.outcome).toBe('reserved');
    await stores.ledger.commit({ tenantId: 'acme', stripeId: 'in_posted', operation: 'create' }, 'test', {
      qboId: '101',
      now: NOW.getTime(),
    });
    // An item parked while the tenant's QBO auth had lapsed; the tenant is active again now.
    const parked = normalizeStripeEvent(
      event(
        'evt_parked',
        'customer.created',
        buildStripeObject('customer', { id: 'cus_parked', created: at(50) }),
        at(50),
      ),
      {
        tenantId: 'acme',
        source: 'webhook',
        receivedAt: NOW.toISOString(),
      },
    );
    if (parked.kind !== 'normalized') throw new Error('fixture did not normalize');
    await stores.reviewQueue.park(
      {
        reviewId: 'acme:cus_parked:create',
        tenantId: 'acme',
        stripeId: 'cus_parked',
        entity: 'customer',
        reason: 'auth',
        failureClass: 'auth',
        detail: 'qbo_401',
        event: parked.event,
        proposal: null,
      },
      NOW.toISOString(),
    );
  });
  afterAll(async () => {
    await topics.close();
    await stores.close();
    await standIn.close();
  });

  function deps(now = NOW): ReplayDeps {
    const secrets = new MemorySecretStore();
    secrets.values.set(secretNames.stripeApiKey('acme'), TEST_STRIPE_KEY);
    const stripe = createStripeClientFactory({ secrets, apiBase: standIn.url, logger: silentLogger });
    return replayDeps(stores, topics, (tenant) => stripe.clientFor(tenant), now);
  }

  test('republishes events whose webhooks never arrived, skips posted ones, and a second run changes nothing', async () => {
    const [summary, ...others] = await runReplay(deps(), command);
    expect(others).toHaveLength(0); // the disabled tenant is not replayed
    expect(summary).toEqual({
      tenantId: 'acme',
      discovered: 4,
      republished: 3,
      already_posted: 1,
      skipped: 0,
      parked: 1,
      failed: 0,
    });
    const arrived = await topics.drainEntities();
    expect(arrived.map((m) => m.data.eventId).sort()).toEqual(['evt_cus', 'evt_in', 'evt_parked', 'evt_re']);
    expect(arrived.filter((m) => m.data.eventId !== 'evt_parked').every((m) => m.data.source === 'replay')).toBe(true);
    expect((await stores.reviewQueue.get('acme:cus_parked:create'))?.status).toBe('resolved');

    // Same day, again: the overlap hour re-lists evt_re, but the cursor remembers it.
    const [again] = await runReplay(deps(), command);
    expect(again).toMatchObject({ republished: 0, parked: 0, discovered: 1, skipped: 1 });
    expect(await topics.drainEntities()).toHaveLength(0);
  });

  test('once the consumers have posted everything, even a replay forced back 30 days republishes nothing', async () => {
    for (const stripeId of ['cus_missed', 'in_missed', 're_recent']) {
      await stores.ledger.reserve({
        tenantId: 'acme',
        stripeId,
        operation: 'create',
        requestId: stripeId,
        qboEntity: 'X',
        leaseOwner: 't',
        leaseMs: 1000,
        now: NOW.getTime(),
      });
      await stores.ledger.commit({ tenantId: 'acme', stripeId, operation: 'create' }, 't', {
        qboId: '1',
        now: NOW.getTime(),
      });
    }
    const later = new Date(NOW.getTime() + 24 * 3600 * 1000);
    const [summary] = await runReplay(deps(later), { ...command, tenantId: 'acme', since: '2025-01-01T00:00:00Z' });
    // evt_re was handled in the previous run's overlap window (skipped); the rest the ledger shows posted.
    expect(summary).toMatchObject({ discovered: 4, republished: 0, already_posted: 3, skipped: 1, failed: 0 });
    expect(await topics.drainEntities()).toHaveLength(0);
  });
});

describe('replay while Stripe is unreachable', () => {
  test('still republishes what was parked for auth, and reports the listing as failed', async () => {
    const topics = await new PubSubTopics().create();
    const stores = await openDuckDbStores(':memory:');
    try {
      await stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
      const parked = normalizeStripeEvent(
        event(
          'evt_waiting',
          'customer.created',
          buildStripeObject('customer', { id: 'cus_waiting', created: at(2) }),
          at(2),
        ),
        { tenantId: 'acme', source: 'webhook', receivedAt: NOW.toISOString() },
      );
      if (parked.kind !== 'normalized') throw new Error('fixture did not normalize');
      await stores.reviewQueue.park(
        {
          reviewId: 'acme:cus_waiting:customer.created',
          tenantId: 'acme',
          stripeId: 'cus_waiting',
          entity: 'customer',
          reason: 'auth',
          failureClass: 'auth',
          detail: 'invalid_grant',
          event: parked.event,
          proposal: null,
        },
        NOW.toISOString(),
      );
      const unreachable = Object.assign(new Error('connect ECONNREFUSED api.stripe.com'), { code: 'ECONNREFUSED' });
      const [summary] = await runReplay(
        replayDeps(stores, topics, () => Promise.reject(unreachable)),
        command,
      );
      expect(summary).toMatchObject({ tenantId: 'acme', failed: 1 });
      const arrived = await topics.drainEntities();
      expect(arrived.map((m) => m.data.eventId)).toEqual(['evt_waiting']);
      expect((await stores.reviewQueue.get('acme:cus_waiting:customer.created'))?.status).toBe('resolved');
    } finally {
      await topics.close();
      await stores.close();
    }
  });
});

describe('replay republishes only what the ledger lacks, by the catalogue', () => {
  test('a customer.updated of a posted customer, and a dispute (its recipe posts nothing), are not republished', async () => {
    const customer = buildStripeObject('customer', { id: 'cus_posted', created: at(40) });
    const dispute = {
      ...buildStripeObject('charge', { id: 'ch_disputed', created: at(3) }),
      id: 'dp_1',
      object: 'dispute',
    };
    const standIn = await startStripeStandIn({
      apiKeys: [TEST_STRIPE_KEY],
      events: [
        event('evt_cus_created', 'customer.created', customer, at(40)),
        event('evt_cus_updated', 'customer.updated', customer, at(4)),
        event('evt_dispute', 'charge.dispute.created', dispute, at(3)),
      ],
    });
    const topics = await new PubSubTopics().create();
    const stores = await openDuckDbStores(':memory:');
    try {
      await stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
      await stores.ledger.reserve({
        tenantId: 'acme',
        stripeId: 'cus_posted',
        operation: 'create',
        requestId: 'r-cus',
        qboEntity: 'Customer',
        leaseOwner: 'test',
        leaseMs: 60_000,
        now: NOW.getTime(),
      });
      await stores.ledger.commit({ tenantId: 'acme', stripeId: 'cus_posted', operation: 'create' }, 'test', {
        qboId: '58',
        now: NOW.getTime(),
      });
      const secrets = new MemorySecretStore();
      secrets.values.set(secretNames.stripeApiKey('acme'), TEST_STRIPE_KEY);
      const stripe = createStripeClientFactory({ secrets, apiBase: standIn.url, logger: silentLogger });
      const [summary] = await runReplay(
        replayDeps(stores, topics, (tenant) => stripe.clientFor(tenant)),
        command,
      );
      // The dispute is not even listed: replay asks Stripe only for types whose recipe can post.
      expect(summary).toMatchObject({ discovered: 2, republished: 0, already_posted: 2, failed: 0 });
      expect(await topics.drainEntities()).toHaveLength(0);
    } finally {
      await topics.close();
      await stores.close();
      await standIn.close();
    }
  });
});
