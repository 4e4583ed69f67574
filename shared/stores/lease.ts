import {
  decideLeaseAcquire,
  decideLeaseRelease,
  decideLeaseRenew,
  decideLeaseSettle,
  type LeaseRecord,
} from './lease-rules';
import type { SyncStateStore } from './ports';

export type LeaseAcquireOutcome<R> =
  | { acquired: true }
  /** Held by another (or lost a race to one), or settled: then `result` is what the work produced. */
  | { acquired: false; result?: R };

/**
 * A lease by key: acquire-if-free-or-expired, renew, release, and settle with the result of the work it guarded.
 * The rules are lease-rules.ts; this is them over a store's compare-and-set.
 */
export interface Lease<R = never> {
  acquire(key: string, owner: string, ttlMs: number): Promise<LeaseAcquireOutcome<R>>;
  /** True when `owner` still held the lease and now holds it for `ttlMs` from now. */
  renew(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** True when `owner` held the lease and gave it up. */
  release(key: string, owner: string): Promise<boolean>;
  /** Records the result unless one is recorded already; returns the result that stands. */
  settle(key: string, owner: string, result: R): Promise<R | undefined>;
}

export interface SyncStateLeaseOptions<R> {
  now?: () => number;
  /**
   * Reads a record written in an older shape (customer email claims were `{stripeId, claimedAt, qboId}`): a
   * settled one must still hand out its result, or a later claimer would create a duplicate.
   */
  legacy?: (stored: Record<string, unknown>) => LeaseRecord<R> | undefined;
}

/** A settle that loses this many compare-and-set races in a row gives up: every writer is converging anyway. */
const SETTLE_ATTEMPTS = 3;

function isLeaseRecord<R>(value: Record<string, unknown>): value is Record<string, unknown> & LeaseRecord<R> {
  return typeof value.owner === 'string' && typeof value.expiresAt === 'number';
}

/** Leases as small sync-state documents (DuckDB locally, Firestore in production), one key per lease. */
export class SyncStateLease<R = never> implements Lease<R> {
  private readonly now: () => number;

  constructor(
    private readonly state: SyncStateStore,
    private readonly options: SyncStateLeaseOptions<R> = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  private async read(key: string): Promise<{ record: LeaseRecord<R> | undefined; version: number }> {
    const stored = await this.state.get<Record<string, unknown>>(key);
    if (!stored) return { record: undefined, version: 0 };
    const record = isLeaseRecord<R>(stored.value) ? stored.value : this.options.legacy?.(stored.value);
    return { record, version: stored.version };
  }

  async acquire(key: string, owner: string, ttlMs: number): Promise<LeaseAcquireOutcome<R>> {
    const { record, version } = await this.read(key);
    const decision = decideLeaseAcquire(record, owner, this.now(), ttlMs);
    if (!decision.acquired) return decision;
    // A lost race means another acquirer wrote between our read and our write: it holds the lease now.
    return { acquired: await this.state.put(key, decision.record, version) };
  }

  async renew(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const { record, version } = await this.read(key);
    const next = decideLeaseRenew(record, owner, this.now(), ttlMs);
    return next !== undefined && this.state.put(key, next, version);
  }

  async release(key: string, owner: string): Promise<boolean> {
    const { record, version } = await this.read(key);
    const next = decideLeaseRelease(record, owner);
    return next !== undefined && this.state.put(key, next, version);
  }

  async settle(key: string, owner: string, result: R): Promise<R | undefined> {
    for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt += 1) {
      const { record, version } = await this.read(key);
      const next = decideLeaseSettle(record, owner, result);
      if (!next) return record?.result;
      if (await this.state.put(key, next, version)) return result;
    }
    return undefined;
  }
}
