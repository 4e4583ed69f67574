import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { RetryableError } from '../../errors';
import type { Logger } from '../../observability/logger';
import type { SyncStateStore } from '../../stores/ports';
import type { QboRequestKind, QboRequestPermit, RealmRateLimiter } from '../client/rate-limiter';
import {
  budgetKey,
  budgetTiming,
  decideRealmBudget,
  type BudgetDecision,
  type BudgetTiming,
  type RealmBudget,
} from './realm-budget-rules';

/**
 * One instance's side of the fleet's QBO budget (README.md here): it holds some of each realm's 10 seats as leases
 * in the sync-state store and starts a request only on a held seat that is free and due. Store I/O happens off the
 * request path (renewals, claims, giving back), except when the instance holds no live seat at all.
 */
export interface FleetRealmLimiterProps {
  syncState: SyncStateStore;
  /**
   * Unique per process: two processes sharing one would share seats they both use. Default: hostname + pid + random
   * (qboBudgetInstanceId); tests name their instances.
   */
  instanceId?: string;
  /** Scales every interval and lease (0.01 = 100x faster), to match a simulator started with the same value. */
  timeScale?: number;
  /** The QBO client's request timeout (unscaled); an expired seat is claimable only once this has passed too. */
  requestTimeoutMs?: number;
  /** The longest an acquire waits for a seat before failing as retryable (the message is redelivered later). */
  maxWaitMs?: number;
  now?: () => number;
  /** Waits of the request path; a fake one (advancing a fake clock) makes every wait instant in tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Upkeep when no request waits (renewing, giving idle seats back); default an unref'd timer. */
  schedule?: (ms: number, run: () => void) => () => void;
  random?: () => number;
  logger?: Logger;
}

export interface FleetRealmLimiter extends RealmRateLimiter {
  /** Stops handing out permits, waits for the ones out (at most a request timeout) and gives every seat back. */
  close(): Promise<void>;
  /** What this instance holds of a realm's budget now (tests, the bench). */
  holding(realmId: string): { seats: number; inFlight: number; share: number };
}

interface LocalSeat {
  index: number;
  expiresAt: number;
  /** A newly claimed seat is first used one interval after the claim: the previous holder's last start is older. */
  nextSingleAt: number;
  nextBatchAt: number;
  lastUsedAt: number;
  inFlight: boolean;
  /** Being given back: nothing starts on it, whether or not the write lands. */
  releasing: boolean;
}

interface Waiter {
  kind: QboRequestKind;
  deadline: number;
  resolve: (permit: QboRequestPermit) => void;
  reject: (error: Error) => void;
}

interface RealmState {
  realmId: string;
  seats: Map<number, LocalSeat>;
  queue: Waiter[];
  pausedUntil: number;
  syncing: Promise<void> | undefined;
  lastSyncAt: number;
  /** Why the last look at the budget failed (the store unreachable); undefined when it succeeded. */
  syncFailure: { cause: unknown } | undefined;
  /** A request had to wait since the last look at the budget: demand, even if the queue is empty right now. */
  waitedSinceSync: boolean;
  last: Pick<BudgetDecision, 'share' | 'owedShed' | 'claimableLeft'> | undefined;
  pumping: boolean;
  wake: (() => void) | undefined;
  cancelUpkeep: (() => void) | undefined;
}

/** Unique per process: a restarted or second process must never pass for the one holding seats. */
export function qboBudgetInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** A lost compare-and-set is retried this many times (with jitter) before waiting for the next look. */
const CAS_ATTEMPTS = 4;

const closingError = () => new RetryableError('the QBO limiter is closing', { code: 'qbo_budget_closed' });

const unrefTimer = (ms: number, run: () => void): (() => void) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

export function createFleetRealmLimiter(props: FleetRealmLimiterProps): FleetRealmLimiter {
  const scale = props.timeScale ?? 1;
  const timing: BudgetTiming = budgetTiming(scale, props.requestTimeoutMs);
  const maxWaitMs = props.maxWaitMs ?? 90_000 * scale;
  const now = props.now ?? Date.now;
  const random = props.random ?? Math.random;
  const schedule = props.schedule ?? unrefTimer;
  const me = props.instanceId ?? qboBudgetInstanceId();
  const realms = new Map<string, RealmState>();
  let closing = false;

  const realmFor = (realmId: string): RealmState => {
    let realm = realms.get(realmId);
    if (!realm) {
      realm = {
        realmId,
        seats: new Map(),
        queue: [],
        pausedUntil: 0,
        syncing: undefined,
        lastSyncAt: Number.NEGATIVE_INFINITY,
        syncFailure: undefined,
        waitedSinceSync: false,
        last: undefined,
        pumping: false,
        wake: undefined,
        cancelUpkeep: undefined,
      };
      realms.set(realmId, realm);
    }
    return realm;
  };

  /** Sleeps until `ms` passed or something changed (a permit came back, a look at the budget finished). */
  const waitForChange = (realm: RealmState, ms: number): Promise<void> => {
    const delay = Math.max(1, Math.ceil(ms));
    if (props.sleep) {
      const sleep = props.sleep(delay);
      return Promise.race([sleep, new Promise<void>((resolve) => (realm.wake = resolve))]);
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      realm.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
  const wake = (realm: RealmState) => {
    const resolve = realm.wake;
    realm.wake = undefined;
    resolve?.();
  };
  const pause = (ms: number) =>
    props.sleep ? props.sleep(ms) : new Promise<void>((resolve) => setTimeout(resolve, Math.ceil(ms)));

  const live = (seat: LocalSeat, at: number) => !seat.releasing && at < seat.expiresAt - timing.stopMarginMs;
  // Idle means no demand: a seat unused while requests wait is only not due yet (a batch, a 429 pause).
  const idle = (realm: RealmState, seat: LocalSeat, at: number) =>
    realm.queue.length === 0 && !seat.inFlight && at - seat.lastUsedAt > timing.idleLimitMs;
  const dueAt = (realm: RealmState, seat: LocalSeat, kind: QboRequestKind) =>
    Math.max(seat.nextSingleAt, kind === 'batch' ? seat.nextBatchAt : 0, realm.pausedUntil);

  /** When this instance should next look at the budget (renew, give back, claim), given what it holds and wants. */
  const syncDueAt = (realm: RealmState, at: number): number => {
    if (realm.syncing) return Number.POSITIVE_INFINITY;
    const candidates: number[] = [];
    for (const seat of realm.seats.values()) {
      if (seat.releasing) continue;
      if (idle(realm, seat, at)) candidates.push(at);
      else {
        candidates.push(seat.expiresAt - (timing.leaseTtlMs - timing.renewEveryMs));
        if (!seat.inFlight && realm.queue.length === 0) candidates.push(seat.lastUsedAt + timing.idleLimitMs + 1);
      }
    }
    const wanting = realm.queue.length > 0 || realm.waitedSinceSync;
    if (wanting) {
      const last = realm.last;
      if (!last || realm.syncFailure) candidates.push(realm.lastSyncAt + timing.claimPollMs);
      else if (last.owedShed > 0) candidates.push(realm.lastSyncAt + timing.seatIntervalMs);
      else if (realm.seats.size < Math.max(1, last.share) || last.claimableLeft > 0)
        candidates.push(realm.lastSyncAt + timing.claimPollMs);
    }
    const due = Math.min(...candidates);
    // Never look again sooner than half an interval (or a poll after a failure): no busy loop on the store.
    const gap = realm.syncFailure ? timing.claimPollMs : timing.seatIntervalMs / 2;
    return Math.max(due, realm.lastSyncAt + gap);
  };

  const apply = (realm: RealmState, decision: BudgetDecision, at: number) => {
    const held = new Set<number>();
    for (const seat of decision.held) {
      held.add(seat.index);
      const local = realm.seats.get(seat.index);
      if (local && !seat.claimed) {
        local.expiresAt = seat.expiresAt;
        continue;
      }
      realm.seats.set(seat.index, {
        index: seat.index,
        expiresAt: seat.expiresAt,
        nextSingleAt: at + timing.seatIntervalMs,
        // The previous holder may have sent a batch just before giving the seat back; we cannot know when.
        nextBatchAt: at + timing.batchIntervalMs,
        lastUsedAt: at,
        inFlight: false,
        releasing: false,
      });
    }
    // Given back, or (after our lease lapsed unrenewed) taken over by another instance.
    for (const index of [...realm.seats.keys()]) if (!held.has(index)) realm.seats.delete(index);
    realm.last = { share: decision.share, owedShed: decision.owedShed, claimableLeft: decision.claimableLeft };
  };

  /** One look at the budget: read, decide (pure rules), compare-and-set, retried with jitter when a race is lost. */
  const look = async (realm: RealmState, leaving: boolean): Promise<void> => {
    const key = budgetKey(realm.realmId);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const stored = await props.syncState.get<RealmBudget>(key);
      const at = now();
      const wantsMore = !leaving && !closing && (realm.queue.length > 0 || realm.waitedSinceSync);
      realm.waitedSinceSync = false;
      const busy = new Set<number>();
      const idleSeats = new Set<number>();
      for (const seat of realm.seats.values()) {
        if (seat.inFlight) busy.add(seat.index);
        else if (idle(realm, seat, at)) idleSeats.add(seat.index);
      }
      const decision = decideRealmBudget(
        stored?.value,
        { instanceId: me, now: at, wantsMore, busy, idle: idleSeats, leaving },
        timing,
      );
      if (!decision.changed) {
        apply(realm, decision, at);
        return;
      }
      // Nothing may start on a seat being given back, from the decision on (it was not busy when decided).
      for (const index of decision.released) {
        const seat = realm.seats.get(index);
        if (seat) seat.releasing = true;
      }
      if (await props.syncState.put(key, decision.next, stored?.version ?? 0)) {
        apply(realm, decision, at);
        return;
      }
      for (const index of decision.released) {
        const seat = realm.seats.get(index);
        if (seat) seat.releasing = false;
      }
      if (wantsMore) realm.waitedSinceSync = true;
      await pause(1 + random() * timing.seatIntervalMs);
    }
    props.logger?.debug({ realmId: realm.realmId }, 'qbo budget: lost every compare-and-set, looking again later');
  };

  const startLook = (realm: RealmState, leaving = false): Promise<void> => {
    realm.syncing ??= look(realm, leaving)
      .then(
        () => {
          realm.syncFailure = undefined;
        },
        (error: unknown) => {
          realm.syncFailure = { cause: error };
          props.logger?.warn({ realmId: realm.realmId, err: error }, 'qbo budget: store unreachable');
        },
      )
      .finally(() => {
        realm.lastSyncAt = now();
        realm.syncing = undefined;
        wake(realm);
        if (realm.queue.length === 0) scheduleUpkeep(realm);
      });
    return realm.syncing;
  };

  /** No request waits: renew seats still in use and give idle ones back, on a timer. */
  const scheduleUpkeep = (realm: RealmState) => {
    realm.cancelUpkeep?.();
    realm.cancelUpkeep = undefined;
    const at = now();
    // With the store unreachable and nothing waiting, a lapsed lease is forgotten rather than retried forever: the
    // next request looks at the budget afresh (and renews it if nobody took it meanwhile).
    if (realm.syncFailure)
      for (const seat of [...realm.seats.values()])
        if (!seat.inFlight && seat.expiresAt <= at) realm.seats.delete(seat.index);
    if (closing || realm.seats.size === 0 || realm.pumping) return;
    const due = syncDueAt(realm, at);
    if (!Number.isFinite(due)) return;
    realm.cancelUpkeep = schedule(Math.max(1, due - at), () => {
      realm.cancelUpkeep = undefined;
      if (!realm.pumping && !closing) void startLook(realm);
    });
  };

  const grant = (realm: RealmState, waiter: Waiter, seat: LocalSeat, at: number) => {
    seat.inFlight = true;
    seat.lastUsedAt = at;
    seat.nextSingleAt = at + timing.seatIntervalMs;
    if (waiter.kind === 'batch') seat.nextBatchAt = at + timing.batchIntervalMs;
    let released = false;
    waiter.resolve({
      release() {
        if (released) return;
        released = true;
        seat.inFlight = false;
        wake(realm);
      },
    });
  };

  /** Hands free, due seats to waiters in arrival order; returns when the next seat falls due (or Infinity). */
  const grantDue = (realm: RealmState, at: number): number => {
    let next = Number.POSITIVE_INFINITY;
    const waiting: Waiter[] = [];
    for (const waiter of realm.queue) {
      let chosen: LocalSeat | undefined;
      for (const seat of realm.seats.values()) {
        if (seat.inFlight || !live(seat, at)) continue;
        const due = dueAt(realm, seat, waiter.kind);
        if (due <= at) {
          chosen = seat;
          break;
        }
        // A seat that will still be live when due.
        if (due < seat.expiresAt - timing.stopMarginMs) next = Math.min(next, due);
      }
      if (chosen) grant(realm, waiter, chosen, at);
      else waiting.push(waiter);
    }
    realm.queue = waiting;
    return next;
  };

  const failWaiters = (realm: RealmState, error: RetryableError, which: (waiter: Waiter) => boolean) => {
    const failing = realm.queue.filter(which);
    realm.queue = realm.queue.filter((waiter) => !which(waiter));
    for (const waiter of failing) waiter.reject(error);
  };

  const pump = async (realm: RealmState): Promise<void> => {
    if (realm.pumping) return;
    realm.pumping = true;
    realm.cancelUpkeep?.();
    realm.cancelUpkeep = undefined;
    try {
      while (realm.queue.length > 0) {
        const at = now();
        const nextGrant = grantDue(realm, at);
        if (realm.queue.length === 0) break;
        realm.waitedSinceSync = true;
        if (at >= syncDueAt(realm, at)) void startLook(realm);
        const hasLive = [...realm.seats.values()].some((seat) => live(seat, at));
        if (!realm.syncing && realm.syncFailure && !hasLive) {
          failWaiters(
            realm,
            new RetryableError('QBO budget store unreachable: no seat of the realm budget is held', {
              code: 'qbo_budget_unavailable',
              cause: realm.syncFailure.cause,
            }),
            () => true,
          );
          break;
        }
        failWaiters(
          realm,
          new RetryableError('no QBO budget seat came free in time', { code: 'qbo_budget_busy' }),
          (waiter) => waiter.deadline <= at,
        );
        if (realm.queue.length === 0) break;
        const deadline = Math.min(...realm.queue.map((waiter) => waiter.deadline));
        const wakeAt = Math.min(nextGrant, syncDueAt(realm, at), deadline, at + timing.renewEveryMs);
        await waitForChange(realm, wakeAt - at);
      }
    } finally {
      realm.pumping = false;
      scheduleUpkeep(realm);
    }
  };

  return {
    acquire(realmId, kind = 'single') {
      if (closing) return Promise.reject(closingError());
      const realm = realmFor(realmId);
      const permit = new Promise<QboRequestPermit>((resolve, reject) => {
        realm.queue.push({ kind, deadline: now() + maxWaitMs, resolve, reject });
      });
      void pump(realm);
      return permit;
    },

    onThrottled(realmId, retryAfterMs) {
      // With a correct fleet budget a 429 means someone outside it (another app on the realm) spends it: back off.
      const realm = realmFor(realmId);
      realm.pausedUntil = Math.max(realm.pausedUntil, now() + (retryAfterMs ?? 1_000 * scale));
      wake(realm);
    },

    holding(realmId) {
      const realm = realms.get(realmId);
      const seats = [...(realm?.seats.values() ?? [])].filter((seat) => !seat.releasing);
      return {
        seats: seats.length,
        inFlight: seats.filter((seat) => seat.inFlight).length,
        share: realm?.last?.share ?? 0,
      };
    },

    async close() {
      if (closing) return;
      closing = true;
      for (const realm of realms.values()) {
        realm.cancelUpkeep?.();
        failWaiters(realm, closingError(), () => true);
      }
      // A seat given back with a request still in flight could overlap the next holder's first request.
      const giveUpAt = now() + timing.requestTimeoutMs;
      for (const realm of realms.values()) {
        while ([...realm.seats.values()].some((seat) => seat.inFlight) && now() < giveUpAt)
          await waitForChange(realm, timing.seatIntervalMs);
        await realm.syncing;
        if (realm.seats.size > 0) await startLook(realm, true);
      }
    },
  };
}
