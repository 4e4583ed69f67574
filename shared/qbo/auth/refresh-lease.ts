/**
 * Serializes token refreshers across instances. Secret Manager has no compare-and-swap on addVersion, and Intuit
 * rotates the refresh token on every refresh, so two instances refreshing at once could each store a different
 * pair and leave the loser holding a refresh token that dies 24 h later. Production implements this over the
 * ledger store's leases; InMemoryRefreshLease serves tests and a single process.
 */
export interface RefreshLease {
  /** True when `owner` now holds `key` until released or `ttlMs` passes. */
  acquire(key: string, owner: string, ttlMs: number): Promise<boolean>;
  release(key: string, owner: string): Promise<void>;
}

export class InMemoryRefreshLease implements RefreshLease {
  private readonly held = new Map<string, { owner: string; until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  acquire(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const current = this.held.get(key);
    const at = this.now();
    if (current && current.owner !== owner && current.until > at) return Promise.resolve(false);
    this.held.set(key, { owner, until: at + ttlMs });
    return Promise.resolve(true);
  }

  release(key: string, owner: string): Promise<void> {
    if (this.held.get(key)?.owner === owner) this.held.delete(key);
    return Promise.resolve();
  }
}
