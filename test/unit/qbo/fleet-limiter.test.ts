import { RetryableError } from '../../../shared/errors';
import { createFleetRealmLimiter, type FleetRealmLimiter } from '../../../shared/qbo/budget/fleet-limiter';
import { budgetKey, budgetTiming, type RealmBudget } from '../../../shared/qbo/budget/realm-budget-rules';
import type { QboRequestKind } from '../../../shared/qbo/client/rate-limiter';
import type { SyncStateStore } from '../../../shared/stores/ports';
import { MemorySyncState } from '../consumers/fakes';
import { maxInWindow, SimClock } from './sim-clock';

/**
 * The fleet limiter on a simulated clock over an in-memory store: what QBO would count (starts per open 60 s
 * window, requests in flight) whoever in the fleet sends them.
 */
const timing = budgetTiming(1);
const MINUTE = 60_000;

interface Fleet {
  clock: SimClock;
  store: SyncStateStore;
  starts: number[];
  batchStarts: number[];
  maxInFlight: () => number;
  limiter: (id: string) => FleetRealmLimiter;
  /** `count` requests of `kind` on `workers` parallel loops through one limiter, each in flight for `latencyMs`. */
  drive: (
    limiter: FleetRealmLimiter,
    options: { count: number; workers: number; latencyMs?: number; kind?: QboRequestKind; realmId?: string },
  ) => Promise<void>;
}

function fleet(store: SyncStateStore = new MemorySyncState()): Fleet {
  const clock = new SimClock();
  const starts: number[] = [];
  const batchStarts: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  return {
    clock,
    store,
    starts,
    batchStarts,
    maxInFlight: () => maxInFlight,
    limiter: (instanceId) =>
      createFleetRealmLimiter({
        syncState: store,
        instanceId,
        now: clock.now,
        sleep: clock.sleep,
        schedule: clock.schedule,
        random: () => 0.5,
      }),
    async drive(limiter, { count, workers, latencyMs = 50, kind = 'single', realmId = 'realm-1' }) {
      let left = count;
      const worker = async () => {
        while (left > 0) {
          left--;
          const permit = await limiter.acquire(realmId, kind);
          if (realmId === 'realm-1') {
            starts.push(clock.now());
            if (kind === 'batch') batchStarts.push(clock.now());
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
          }
          await clock.sleep(latencyMs);
          if (realmId === 'realm-1') inFlight--;
          permit.release();
        }
      };
      await Promise.all(Array.from({ length: workers }, worker));
    },
  };
}

describe('fleet QBO limiter, one instance', () => {
  it('never has more than 10 requests of a realm in flight, and does reach 10', async () => {
    const f = fleet();
    const limiter = f.limiter('a');
    // Requests slower than the seat interval: concurrency, not spacing, is what binds.
    await f.clock.run(f.drive(limiter, { count: 60, workers: 30, latencyMs: 5_000 }));
    expect(f.maxInFlight()).toBe(10);
  });

  it('holds the 11th request until one of the 10 in flight is answered', async () => {
    const f = fleet();
    const limiter = f.limiter('a');
    const permits = await f.clock.run(Promise.all(Array.from({ length: 10 }, () => limiter.acquire('realm-1'))));
    let eleventh = false;
    const waiting = limiter.acquire('realm-1').then((permit) => {
      eleventh = true;
      return permit;
    });
    // A whole minute passes (renewals included) and it still waits.
    await f.clock.run(f.clock.sleep(MINUTE));
    expect(eleventh).toBe(false);
    permits[0]?.release();
    (await f.clock.run(waiting)).release();
    expect(eleventh).toBe(true);
  });

  it('starts at most 500 requests in any 60 s, and runs close to that bound', async () => {
    const f = fleet();
    await f.clock.run(f.drive(f.limiter('a'), { count: 1_500, workers: 20 }));
    expect(maxInWindow(f.starts, MINUTE)).toBeLessThanOrEqual(500);
    expect(maxInWindow(f.starts, MINUTE)).toBeGreaterThanOrEqual(480);
  });

  it('starts at most 40 batch requests in any 60 s', async () => {
    const f = fleet();
    await f.clock.run(f.drive(f.limiter('a'), { count: 120, workers: 20, kind: 'batch' }));
    expect(maxInWindow(f.batchStarts, MINUTE)).toBeLessThanOrEqual(40);
    expect(maxInWindow(f.batchStarts, MINUTE)).toBeGreaterThanOrEqual(36);
  });

  it('first uses a newly claimed seat one seat interval after the claim', async () => {
    const f = fleet();
    const claimedAt = f.clock.now();
    const permit = await f.clock.run(f.limiter('a').acquire('realm-1'));
    expect(f.clock.now() - claimedAt).toBeGreaterThanOrEqual(timing.seatIntervalMs);
    permit.release();
  });

  it('after a 429 pauses every seat of the realm for Retry-After, and other realms not at all', async () => {
    const f = fleet();
    const limiter = f.limiter('a');
    await f.clock.run(f.drive(limiter, { count: 10, workers: 10 }));
    await f.clock.run(f.drive(limiter, { count: 1, workers: 1, realmId: 'realm-2' }));
    const throttledAt = f.clock.now();
    limiter.onThrottled('realm-1', 20_000);
    await f.clock.run(f.drive(limiter, { count: 5, workers: 5 }));
    expect(Math.min(...f.starts.slice(10))).toBeGreaterThanOrEqual(throttledAt + 20_000);
    const otherAt = f.clock.now();
    (await f.clock.run(limiter.acquire('realm-2'))).release();
    expect(f.clock.now() - otherAt).toBeLessThan(timing.seatIntervalMs + 1);
  });

  it('fails the acquire as retryable when the store is unreachable, instead of running unlimited', async () => {
    const clock = new SimClock();
    const down: SyncStateStore = {
      get: () => Promise.reject(new Error('ECONNREFUSED')),
      put: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const limiter = createFleetRealmLimiter({
      syncState: down,
      instanceId: 'a',
      now: clock.now,
      sleep: clock.sleep,
      schedule: clock.schedule,
    });
    const error = await clock.run(limiter.acquire('realm-1').catch((e: unknown) => e));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: 'qbo_budget_unavailable' });
  });

  it('close() gives every seat back', async () => {
    const f = fleet();
    const limiter = f.limiter('a');
    await f.clock.run(f.drive(limiter, { count: 30, workers: 10 }));
    expect(limiter.holding('realm-1').seats).toBe(10);
    await f.clock.run(limiter.close());
    const stored = await f.store.get<RealmBudget>(budgetKey('realm-1'));
    expect(stored?.value.seats.every((seat) => seat === null)).toBe(true);
  });
});

describe('fleet QBO limiter, several instances over one store', () => {
  it('three instances together stay within 10 in flight, 500 a minute and 40 batches a minute', async () => {
    const f = fleet();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => f.limiter(id)) as [
      FleetRealmLimiter,
      FleetRealmLimiter,
      FleetRealmLimiter,
    ];
    await f.clock.run(
      Promise.all([
        f.drive(a, { count: 900, workers: 12, latencyMs: 300 }),
        f.drive(b, { count: 600, workers: 12, latencyMs: 2_000 }),
        f.drive(c, { count: 80, workers: 6, kind: 'batch' }),
      ]),
    );
    expect(f.maxInFlight()).toBeLessThanOrEqual(10);
    expect(maxInWindow(f.starts, MINUTE)).toBeLessThanOrEqual(500);
    expect(maxInWindow(f.batchStarts, MINUTE)).toBeLessThanOrEqual(40);
  });

  it("a crashed holder's seats come back once its leases expired and the request timeout passed", async () => {
    const f = fleet();
    let dead = false;
    const crashed = createFleetRealmLimiter({
      syncState: f.store,
      instanceId: 'crashed',
      now: f.clock.now,
      sleep: f.clock.sleep,
      // Its timers die with the process.
      schedule: (ms, run) => f.clock.schedule(ms, () => dead || run()),
    });
    await f.clock.run(f.drive(crashed, { count: 20, workers: 10 }));
    const lastStart = Math.max(...f.starts);
    // The process dies: no close(), no more renewals, no giving idle seats back.
    dead = true;
    const stored = await f.store.get<RealmBudget>(budgetKey('realm-1'));
    const expiry = Math.max(...(stored?.value.seats ?? []).map((seat) => seat?.expiresAt ?? 0));
    const survivor = createFleetRealmLimiter({
      syncState: f.store,
      instanceId: 'survivor',
      now: f.clock.now,
      sleep: f.clock.sleep,
      schedule: f.clock.schedule,
    });
    const before = f.starts.length;
    await f.clock.run(f.drive(survivor, { count: 10, workers: 10 }));
    const first = Math.min(...f.starts.slice(before));
    expect(first).toBeGreaterThan(expiry + timing.requestTimeoutMs);
    expect(first - lastStart).toBeLessThan(timing.leaseTtlMs + timing.requestTimeoutMs + 4 * timing.seatIntervalMs);
    expect(survivor.holding('realm-1').seats).toBe(10);
  });

  it('a late joiner gets its share within a renewal period (plus one claim poll)', async () => {
    const f = fleet();
    const [a, b, c] = ['a', 'b', 'c'].map((id) => f.limiter(id)) as [
      FleetRealmLimiter,
      FleetRealmLimiter,
      FleetRealmLimiter,
    ];
    const busy = Promise.all([
      f.drive(a, { count: 2_000, workers: 10 }),
      f.drive(b, { count: 2_000, workers: 10 }),
      f.drive(c, { count: 2_000, workers: 10 }),
    ]);
    await f.clock.run(f.clock.sleep(MINUTE));
    expect(a.holding('realm-1').seats + b.holding('realm-1').seats + c.holding('realm-1').seats).toBe(10);
    const late = f.limiter('late');
    const joinedAt = f.clock.now();
    let sharedAt: number | undefined;
    const watch = (async () => {
      while (sharedAt === undefined) {
        if (late.holding('realm-1').seats >= 2) sharedAt = f.clock.now();
        else await f.clock.sleep(100);
      }
    })();
    const lateWork = f.drive(late, { count: 200, workers: 10 });
    await f.clock.run(watch);
    expect((sharedAt ?? Infinity) - joinedAt).toBeLessThanOrEqual(
      timing.renewEveryMs + timing.claimPollMs + timing.seatIntervalMs,
    );
    await f.clock.run(Promise.all([busy, lateWork]));
    expect(maxInWindow(f.starts, MINUTE)).toBeLessThanOrEqual(500);
    expect(f.maxInFlight()).toBeLessThanOrEqual(10);
  });
});

describe('fleet QBO limiter when renewals fail', () => {
  it('stops starting requests on a seat before its unrenewed lease expires, then fails as retryable', async () => {
    const memory = new MemorySyncState();
    let down = false;
    const flaky: SyncStateStore = {
      get: (key) => (down ? Promise.reject(new Error('UNAVAILABLE')) : memory.get(key)),
      put: (key, value, version) => (down ? Promise.reject(new Error('UNAVAILABLE')) : memory.put(key, value, version)),
    };
    const f = fleet(flaky);
    const limiter = f.limiter('a');
    await f.clock.run(f.drive(limiter, { count: 50, workers: 10 }));
    const stored = await memory.get<RealmBudget>(budgetKey('realm-1'));
    const expiry = Math.min(...(stored?.value.seats ?? []).map((seat) => seat?.expiresAt ?? Infinity));
    down = true;
    const before = f.starts.length;
    const outcome = await f.clock.run(
      f.drive(limiter, { count: 2_000, workers: 10 }).then(
        () => 'all sent',
        (error: unknown) => error,
      ),
    );
    expect(outcome).toBeInstanceOf(RetryableError);
    expect(outcome).toMatchObject({ code: 'qbo_budget_unavailable' });
    expect(f.starts.length).toBeGreaterThan(before);
    expect(Math.max(...f.starts.slice(before))).toBeLessThanOrEqual(expiry - timing.stopMarginMs);
  });
});
