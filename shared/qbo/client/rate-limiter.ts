/** A batch request counts once against the realm's 500/min and once against its 40 batch requests/min. */
export type QboRequestKind = 'single' | 'batch';

/** Leave to send one request. `release` once it is answered or abandoned: it frees the request's concurrency slot. */
export interface QboRequestPermit {
  release(): void;
}

/**
 * What every QBO client awaits before each attempt: the realm's budget (QBO counts per realm and app: 10 requests in
 * flight, 500 requests/min, 40 batch requests/min, whichever instance sends them). The product's implementation is
 * the fleet limiter (../budget/fleet-limiter.ts), which shares that budget between every instance through the store.
 */
export interface RealmRateLimiter {
  /** Resolves when one request of `kind` (default `single`) for the realm may be sent now; counts it. */
  acquire(realmId: string, kind?: QboRequestKind): Promise<QboRequestPermit>;
  onThrottled(realmId: string, retryAfterMs?: number): void;
}
