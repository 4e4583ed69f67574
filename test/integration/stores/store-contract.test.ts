import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Firestore } from '@google-cloud/firestore';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import { createFirestoreStores } from '../../../shared/stores/firestore';
import { SyncStateLease } from '../../../shared/stores/lease';
import type { LedgerKey, Stores } from '../../../shared/stores/ports';
import { storeAdapters } from '../../support/store-adapters';
import { buildTenantSettings } from '../../support/tenants';

/** One contract, two adapters (DESIGN section 4): the embedded DuckDB store and Firestore on its emulator. */
const adapters = storeAdapters('contract');

describe.each(adapters)('%s store', (_name, open) => {
  let stores: Stores;
  beforeEach(async () => {
    stores = await open();
  });
  afterEach(async () => {
    await stores.close();
  });

  const key: LedgerKey = { tenantId: 'acme', stripeId: 'in_1', operation: 'create' };
  const reserveAt = (now: number, owner: string) =>
    stores.ledger.reserve({
      ...key,
      requestId: 'req-1',
      qboEntity: 'Invoice',
      leaseOwner: owner,
      leaseMs: 30_000,
      now,
    });

  it('keeps tenant settings and finds a Connect tenant by its Stripe account', async () => {
    await stores.tenants.put(
      buildTenantSettings({ tenantId: 'acme', stripe: { accountId: 'acct_123', livemode: false } }),
    );
    await stores.tenants.put(buildTenantSettings({ tenantId: 'beta' }));
    expect((await stores.tenants.get('acme'))?.qbo.realmId).toBe('9130350000000000');
    expect((await stores.tenants.findByStripeAccount('acct_123'))?.tenantId).toBe('acme');
    expect(await stores.tenants.findByStripeAccount('acct_none')).toBeUndefined();
    expect((await stores.tenants.list()).map((t) => t.tenantId)).toEqual(['acme', 'beta']);
  });

  it('marks a tenant needs_reauth and a settings edit does not clear it', async () => {
    await stores.tenants.put(buildTenantSettings());
    await stores.tenants.setStatus('acme', 'needs_reauth', 'invalid_grant');
    await stores.tenants.put(buildTenantSettings({ timezone: 'Europe/Paris' }));
    const tenant = await stores.tenants.get('acme');
    expect(tenant?.status).toBe('needs_reauth');
    expect(tenant?.timezone).toBe('Europe/Paris');
    await stores.tenants.setStatus('acme', 'active');
    expect((await stores.tenants.get('acme'))?.status).toBe('active');
  });

  it('reserves once: a second attempt inside the lease is told to come back later', async () => {
    const first = await reserveAt(1_000, 'a');
    expect(first).toMatchObject({ outcome: 'reserved', takenOver: false });
    expect((await reserveAt(2_000, 'b')).outcome).toBe('leased_elsewhere');
  });

  it('lets only one of many racing attempts hold the lease', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((owner) => reserveAt(1_000, owner)));
    expect(results.filter((r) => r.outcome === 'reserved')).toHaveLength(1);
  });

  it('hands an expired pending lease over with takenOver, so the new owner probes QBO first', async () => {
    await reserveAt(1_000, 'a');
    const second = await reserveAt(1_000 + 31_000, 'b');
    expect(second).toMatchObject({ outcome: 'reserved', takenOver: true });
    if (second.outcome === 'reserved') expect(second.entry.requestId).toBe('req-1');
    await expect(stores.ledger.commit(key, 'a', { qboId: '1', now: 40_000 })).rejects.toThrow(/lease/);
  });

  it('commits posted with the QBO id, and a posted entry is reported as a duplicate', async () => {
    await reserveAt(1_000, 'a');
    const entry = await stores.ledger.commit(key, 'a', { qboId: '130', qboSyncToken: '0', now: 2_000 });
    expect(entry).toMatchObject({ state: 'posted', qboId: '130', qboSyncToken: '0' });
    const again = await reserveAt(3_000, 'b');
    expect(again.outcome).toBe('already_posted');
    expect((await stores.ledger.list('acme')).map((e) => e.state)).toEqual(['posted']);
  });

  it('keeps the QBO customer of a posted document, so a later payment need not read the invoice', async () => {
    await reserveAt(1_000, 'a');
    await stores.ledger.commit(key, 'a', { qboId: '131', qboCustomerId: '58', now: 2_000 });
    expect(await stores.ledger.get(key)).toMatchObject({ state: 'posted', qboId: '131', qboCustomerId: '58' });
  });

  it('releases a failed attempt so the next one reserves without probing', async () => {
    await reserveAt(1_000, 'a');
    await stores.ledger.release(key, 'a', { state: 'failed', detail: 'qbo_2500', now: 1_500 });
    expect((await stores.ledger.get(key))?.state).toBe('failed');
    expect(await reserveAt(2_000, 'b')).toMatchObject({ outcome: 'reserved', takenOver: false });
  });

  it('never moves a posted entry back: no later reserve, commit or release of any attempt changes it', async () => {
    await reserveAt(1_000, 'a');
    // a stalls past its lease; b takes over and posts.
    await reserveAt(1_000 + 31_000, 'b');
    const posted = await stores.ledger.commit(key, 'b', { qboId: '130', qboSyncToken: '0', now: 33_000 });
    await stores.ledger.release(key, 'a', { state: 'failed', detail: 'qbo_2500', now: 34_000 });
    await stores.ledger.release(key, 'b', { state: 'pending', now: 35_000 });
    expect(await stores.ledger.commit(key, 'a', { qboId: '999', now: 36_000 })).toEqual(posted);
    expect(await reserveAt(37_000, 'c')).toMatchObject({ outcome: 'already_posted' });
    expect(await reserveAt(100_000, 'a')).toMatchObject({ outcome: 'already_posted' });
    expect(await stores.ledger.get(key)).toEqual(posted);
  });

  it('writes sync state with compare-and-set', async () => {
    expect(await stores.syncState.put('cursor:acme', { at: 1 }, 0)).toBe(true);
    expect(await stores.syncState.put('cursor:acme', { at: 2 }, 0)).toBe(false);
    expect(await stores.syncState.put('cursor:acme', { at: 2 }, 1)).toBe(true);
    expect(await stores.syncState.get('cursor:acme')).toEqual({ value: { at: 2 }, version: 2 });
  });

  it('of writers racing one sync-state key from the same version, exactly one wins', async () => {
    const race = (version: number) =>
      Promise.all(Array.from({ length: 6 }, (_, writer) => stores.syncState.put('budget:r', { writer }, version)));
    // The document absent (version 0), then present.
    for (const version of [0, 1]) {
      const won = await race(version);
      expect(won.filter(Boolean)).toHaveLength(1);
      const stored = await stores.syncState.get<{ writer: number }>('budget:r');
      expect(stored).toEqual({ value: { writer: won.indexOf(true) }, version: version + 1 });
    }
  });

  describe('a lease over sync state', () => {
    let clock: number;
    const lease = () => new SyncStateLease<{ qboId: string }>(stores.syncState, { now: () => clock });
    beforeEach(() => {
      clock = 1_000;
    });

    it('keeps others out until it expires; from the expiry instant on, another takes it over', async () => {
      expect(await lease().acquire('lease:k', 'a', 30_000)).toEqual({ acquired: true });
      expect(await lease().acquire('lease:k', 'b', 30_000)).toEqual({ acquired: false });
      // The owner's redelivered attempt takes its own lease again.
      expect(await lease().acquire('lease:k', 'a', 30_000)).toEqual({ acquired: true });
      clock += 30_000 - 1;
      expect(await lease().acquire('lease:k', 'b', 30_000)).toEqual({ acquired: false });
      clock += 1;
      expect(await lease().acquire('lease:k', 'b', 30_000)).toEqual({ acquired: true });
      // The taken-over owner can neither renew nor release what is no longer its own.
      expect(await lease().renew('lease:k', 'a', 30_000)).toBe(false);
      expect(await lease().release('lease:k', 'a')).toBe(false);
      expect(await lease().acquire('lease:k', 'a', 30_000)).toEqual({ acquired: false });
    });

    it('lets only one of many racing acquirers hold it', async () => {
      const outcomes = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((o) => lease().acquire('lease:r', o, 30_000)));
      expect(outcomes.filter((o) => o.acquired)).toHaveLength(1);
    });

    it('renews for its owner only, and a release frees it at once', async () => {
      await lease().acquire('lease:k', 'a', 30_000);
      clock += 20_000;
      expect(await lease().renew('lease:k', 'a', 30_000)).toBe(true);
      expect(await lease().renew('lease:k', 'b', 30_000)).toBe(false);
      clock += 20_000;
      // Renewed at 21 s for 30 s: still a's at 41 s.
      expect(await lease().acquire('lease:k', 'b', 30_000)).toEqual({ acquired: false });
      expect(await lease().release('lease:k', 'b')).toBe(false);
      expect(await lease().release('lease:k', 'a')).toBe(true);
      expect(await lease().renew('lease:k', 'a', 30_000)).toBe(false);
      expect(await lease().acquire('lease:k', 'b', 30_000)).toEqual({ acquired: true });
    });

    it('once settled, hands its result to every later caller and keeps the first result', async () => {
      await lease().acquire('lease:s', 'a', 30_000);
      expect(await lease().settle('lease:s', 'a', { qboId: '58' })).toEqual({ qboId: '58' });
      expect(await lease().settle('lease:s', 'b', { qboId: '59' })).toEqual({ qboId: '58' });
      clock += 10 * 60_000;
      expect(await lease().acquire('lease:s', 'b', 30_000)).toEqual({ acquired: false, result: { qboId: '58' } });
      expect(await lease().acquire('lease:s', 'a', 30_000)).toEqual({ acquired: false, result: { qboId: '58' } });
    });
  });

  describe('the dependency wait-list', () => {
    const wait = (eventId: string, dependency = 'customer:cus_1', tenantId = 'acme') => ({
      tenantId,
      dependency,
      eventId,
      event: { eventId, objectId: `cn_${eventId}`, object: { 'a.b': 1, '': 'empty key' } },
    });

    it('keeps one record per event and dependency; a repeat keeps when it started waiting', async () => {
      await stores.waits.add(wait('evt_1'), '2026-01-01T00:00:00.000Z');
      await stores.waits.add(wait('evt_1'), '2026-01-02T00:00:00.000Z');
      await stores.waits.add(wait('evt_1', 'invoice:in_1'), '2026-01-03T00:00:00.000Z');
      expect(await stores.waits.waiters('acme', 'customer:cus_1')).toEqual([
        {
          ...wait('evt_1'),
          since: '2026-01-01T00:00:00.000Z',
          requestedAt: '2026-01-01T00:00:00.000Z',
        },
      ]);
      // A later waiter of the same dependency sees the request made for it.
      await stores.waits.add(wait('evt_2'), '2026-01-04T00:00:00.000Z');
      expect(
        (await stores.waits.waiters('acme', 'customer:cus_1')).map((w) => [w.eventId, w.since, w.requestedAt]),
      ).toEqual([
        ['evt_1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
        ['evt_2', '2026-01-04T00:00:00.000Z', '2026-01-01T00:00:00.000Z'],
      ]);
      expect((await stores.waits.list('acme')).map((w) => `${w.dependency}/${w.eventId}`)).toEqual([
        'customer:cus_1/evt_1',
        'invoice:in_1/evt_1',
        'customer:cus_1/evt_2',
      ]);
    });

    it('lets the first waiter of a dependency ask for it, and only one of many racing waiters', async () => {
      const first = await Promise.all(
        ['a', 'b', 'c', 'd', 'e'].map((id) => stores.waits.add(wait(id), '2026-01-01T00:00:00.000Z')),
      );
      expect(first.filter((answer) => answer.request)).toHaveLength(1);
      expect(await stores.waits.add(wait('f'), '2026-01-01T00:01:00.000Z')).toEqual({ request: false });
      // Another dependency, another tenant: asked for on their own.
      expect(await stores.waits.add(wait('a', 'invoice:in_1'), '2026-01-01T00:02:00.000Z')).toEqual({ request: true });
      expect(await stores.waits.add(wait('a', 'customer:cus_1', 'beta'), '2026-01-01T00:02:00.000Z')).toEqual({
        request: true,
      });
    });

    it('takes back a failed request so the next waiter asks again, and stamps a request made later', async () => {
      await stores.waits.add(wait('a'), '2026-01-01T00:00:00.000Z');
      await stores.waits.setRequested('acme', 'customer:cus_1', null);
      expect((await stores.waits.waiters('acme', 'customer:cus_1'))[0]?.requestedAt).toBeUndefined();
      expect(await stores.waits.add(wait('b'), '2026-01-01T00:05:00.000Z')).toEqual({ request: true });
      await stores.waits.setRequested('acme', 'customer:cus_1', '2026-01-02T00:00:00.000Z');
      expect((await stores.waits.waiters('acme', 'customer:cus_1')).map((w) => w.requestedAt)).toEqual([
        '2026-01-02T00:00:00.000Z',
        '2026-01-02T00:00:00.000Z',
      ]);
    });

    it('removes the waiters it is told to, and only those', async () => {
      for (const id of ['a', 'b', 'c'])
        await stores.waits.add(wait(id), `2026-01-01T00:00:0${id.charCodeAt(0) - 97}.000Z`);
      await stores.waits.add(wait('a', 'invoice:in_1'), '2026-01-01T00:00:00.000Z');
      await stores.waits.remove('acme', 'customer:cus_1', ['a', 'c', 'never-waited']);
      expect((await stores.waits.waiters('acme', 'customer:cus_1')).map((w) => w.eventId)).toEqual(['b']);
      expect((await stores.waits.waiters('acme', 'invoice:in_1')).map((w) => w.eventId)).toEqual(['a']);
      await stores.waits.remove('acme', 'customer:cus_1', []);
      expect(await stores.waits.list('beta')).toEqual([]);
      // The last waiter of a dependency gone, a later wait for it asks again.
      await stores.waits.remove('acme', 'customer:cus_1', ['b']);
      expect(await stores.waits.add(wait('z'), '2026-01-03T00:00:00.000Z')).toEqual({ request: true });
    });
  });

  it('parks review items idempotently and filters them', async () => {
    const item = {
      reviewId: 'acme:in_1:create',
      tenantId: 'acme',
      stripeId: 'in_1',
      entity: 'invoice',
      reason: 'settings_incomplete',
      failureClass: 'settings',
      detail: 'accounts.stripeClearing',
      event: { eventId: 'evt_1' },
      proposal: { operations: [] },
    };
    await stores.reviewQueue.park(item, '2026-01-01T00:00:00.000Z');
    await stores.reviewQueue.park({ ...item, detail: 'items.defaultItem' }, '2026-01-02T00:00:00.000Z');
    const open = await stores.reviewQueue.list({ tenantId: 'acme', status: 'open' });
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({
      detail: 'items.defaultItem',
      createdAt: '2026-01-01T00:00:00.000Z',
      event: { eventId: 'evt_1' },
    });
    await stores.reviewQueue.setStatus(item.reviewId, 'approved', '2026-01-03T00:00:00.000Z');
    expect(await stores.reviewQueue.list({ status: 'open' })).toHaveLength(0);
    expect((await stores.reviewQueue.get(item.reviewId))?.status).toBe('approved');
  });
});

describe('a store from an earlier release', () => {
  it('an embedded file loses last_event_at, gains qbo_customer_id on open, and keeps its entries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stripe-qbo-ledger-'));
    const path = join(dir, 'old.duckdb');
    try {
      const old = await openDuckDbStores(path);
      // The first release's ledger: last_event_at, and no qbo_customer_id yet.
      await old.database.run('DROP TABLE ledger');
      await old.database.run(`CREATE TABLE ledger (
         tenant_id VARCHAR NOT NULL, stripe_id VARCHAR NOT NULL, operation VARCHAR NOT NULL, state VARCHAR NOT NULL,
         request_id VARCHAR NOT NULL, qbo_entity VARCHAR NOT NULL, qbo_id VARCHAR, qbo_sync_token VARCHAR,
         lease_expires_at BIGINT NOT NULL, lease_owner VARCHAR NOT NULL, attempts INTEGER NOT NULL,
         last_event_at VARCHAR, updated_at VARCHAR NOT NULL, detail VARCHAR,
         PRIMARY KEY (tenant_id, stripe_id, operation))`);
      await old.database.run(
        `INSERT INTO ledger VALUES ('acme', 'in_old', 'create', 'posted', 'r', 'Invoice', '7', '0', 0, 'x', 1,
           '2025-12-31T00:00:00.000Z', '2026-01-01T00:00:00.000Z', NULL)`,
      );
      await old.close();
      const reopened = await openDuckDbStores(path);
      const columns = await reopened.database.all<{ name: string }>("SELECT name FROM pragma_table_info('ledger')");
      expect(columns.map((c) => c.name)).not.toContain('last_event_at');
      const key = { tenantId: 'acme', stripeId: 'in_old', operation: 'create' };
      expect(await reopened.ledger.get(key)).toMatchObject({ state: 'posted', qboId: '7' });
      expect((await reopened.ledger.get(key))?.qboCustomerId).toBeUndefined();
      const next = { ...key, stripeId: 'in_new' };
      await reopened.ledger.reserve({
        ...next,
        requestId: 'r2',
        qboEntity: 'Invoice',
        leaseOwner: 'a',
        leaseMs: 1_000,
        now: 1,
      });
      await reopened.ledger.commit(next, 'a', { qboId: '8', qboCustomerId: '58', now: 2 });
      expect(await reopened.ledger.get(next)).toMatchObject({ qboId: '8', qboCustomerId: '58' });
      await reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a Firestore entry that still carries lastEventAt reads without it', async () => {
    const db = new Firestore({ projectId: `contract-${randomUUID().slice(0, 8)}` });
    const stores = createFirestoreStores(db);
    try {
      const key = { tenantId: 'acme', stripeId: 'in_old', operation: 'create' };
      const entry = {
        ...key,
        state: 'posted',
        requestId: 'r',
        qboEntity: 'Invoice',
        qboId: '7',
        leaseExpiresAt: 0,
        leaseOwner: 'x',
        attempts: 1,
        updatedAt: '2026-01-01T00:00:00.000Z',
      };
      await db
        .collection('ledger')
        .doc('acme__in_old__create')
        .set({ ...entry, lastEventAt: '2025-12-31T00:00:00Z' });
      expect(await stores.ledger.get(key)).toEqual(entry);
      expect(await stores.ledger.list('acme')).toEqual([entry]);
    } finally {
      await stores.close();
    }
  });
});

describe('the embedded store answers reads from memory only with what its file holds', () => {
  it('after a run of reads and writes, a fresh open of the file reads exactly what the open store read', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stripe-qbo-mirror-'));
    const path = join(dir, 'mirror.duckdb');
    try {
      const stores = await openDuckDbStores(path);
      const tenant = buildTenantSettings({ tenantId: 'acme' });
      // Each read first, so the mirrors remember the absence the writes then change.
      expect(await stores.tenants.get('acme')).toBeUndefined();
      await stores.tenants.put(tenant);
      expect((await stores.tenants.get('acme'))?.status).toBe('active');
      await stores.tenants.setStatus('acme', 'needs_reauth', 'invalid_grant');
      const keys = ['in_1', 'in_2', 'in_3'].map((stripeId) => ({ tenantId: 'acme', stripeId, operation: 'create' }));
      for (const [index, key] of keys.entries()) {
        expect(await stores.ledger.get(key)).toBeUndefined();
        await stores.ledger.reserve({
          ...key,
          requestId: `r${index}`,
          qboEntity: 'Invoice',
          leaseOwner: 'a',
          leaseMs: 1_000,
          now: 1,
        });
      }
      await stores.ledger.commit(keys[0]!, 'a', { qboId: '7', qboSyncToken: '0', qboCustomerId: '58', now: 2 });
      await stores.ledger.release(keys[1]!, 'a', { state: 'failed', detail: 'qbo_6000', now: 3 });
      expect(await stores.reviewQueue.get('rv1')).toBeUndefined();
      const item = {
        reviewId: 'rv1',
        tenantId: 'acme',
        stripeId: 'in_2',
        entity: 'invoice',
        reason: 'qbo_6000',
        failureClass: 'rejected',
        detail: 'x',
        event: { id: 'evt_1' },
        proposal: null,
      };
      await stores.reviewQueue.park(item, '2026-11-30T00:00:00.000Z');
      await stores.reviewQueue.setStatus('rv1', 'resolved', '2026-11-30T00:01:00.000Z');
      expect(await stores.syncState.get('cursor')).toBeUndefined();
      expect(await stores.syncState.put('cursor', { at: 1 }, 0)).toBe(true);
      expect(await stores.syncState.put('cursor', { at: 2 }, 0)).toBe(false);
      expect(await stores.syncState.put('cursor', { at: 2 }, 1)).toBe(true);
      expect(await stores.waits.waiters('acme', 'customer:cus_1')).toEqual([]);
      await stores.waits.add(
        { tenantId: 'acme', dependency: 'customer:cus_1', eventId: 'evt_9', event: { id: 'evt_9' } },
        '2026-11-30T00:00:00.000Z',
      );

      const read = async (s: typeof stores) => ({
        tenant: await s.tenants.get('acme'),
        byAccount: await s.tenants.findByStripeAccount(tenant.stripe.accountId ?? 'none'),
        ledger: await Promise.all(keys.map((key) => s.ledger.get(key))),
        review: await s.reviewQueue.get('rv1'),
        cursor: await s.syncState.get('cursor'),
        waiters: await s.waits.waiters('acme', 'customer:cus_1'),
      });
      const served = await read(stores);
      await stores.close();
      const reopened = await openDuckDbStores(path);
      try {
        expect(await read(reopened)).toEqual(served);
        expect(served.tenant?.status).toBe('needs_reauth');
        expect(served.ledger.map((entry) => entry?.state)).toEqual(['posted', 'failed', 'pending']);
        expect(served.review?.status).toBe('resolved');
        expect(served.cursor).toEqual({ value: { at: 2 }, version: 2 });
        expect(served.waiters.map((wait) => wait.eventId)).toEqual(['evt_9']);
      } finally {
        await reopened.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
