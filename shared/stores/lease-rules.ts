/**
 * The one lease rule, pure so that every lease in the project applies it the same way: the ledger's reservations
 * (ledger-rules.ts, DESIGN section 5 step 2) and the leases kept in the sync-state store (lease.ts: QBO token
 * refresh, customer email claims).
 *
 * A lease is an owner and an expiry (epoch ms). It keeps everyone but its owner out until it expires; from the
 * expiry instant on, anyone may take it over. Expiry, not a heartbeat, frees the lease of a holder that died, so a
 * taker-over must assume the earlier holder may have done part of its work. A released lease has expiry 0.
 */
export interface LeaseHold {
  owner: string;
  expiresAt: number;
}

/**
 * A lease as the sync-state store keeps it. `result` is what the holder's work produced (the QBO customer an email
 * claim created): once recorded the lease is settled, nobody acquires it again and every later caller gets it.
 */
export interface LeaseRecord<R> extends LeaseHold {
  result?: R;
}

/** The expiry/takeover rule itself: true while `hold` keeps `owner` out at `now`. */
export function isHeldByAnother(hold: LeaseHold | undefined, owner: string, now: number): boolean {
  return hold !== undefined && hold.owner !== owner && hold.expiresAt > now;
}

export function leaseFor(owner: string, now: number, ttlMs: number): LeaseHold {
  return { owner, expiresAt: now + ttlMs };
}

export type LeaseAcquireDecision<R> =
  | { acquired: true; record: LeaseRecord<R> }
  /** `result` is present when the lease is settled: the work is done and this is what it produced. */
  | { acquired: false; result?: R };

/** Acquire: free, expired, released or already ours → ours for `ttlMs`; a settled lease only hands out its result. */
export function decideLeaseAcquire<R>(
  current: LeaseRecord<R> | undefined,
  owner: string,
  now: number,
  ttlMs: number,
): LeaseAcquireDecision<R> {
  if (current?.result !== undefined) return { acquired: false, result: current.result };
  if (isHeldByAnother(current, owner, now)) return { acquired: false };
  return { acquired: true, record: leaseFor(owner, now, ttlMs) };
}

/**
 * Renew: only the owner, and only while nobody has taken the lease over. An owner whose lease expired unnoticed
 * may still renew it when no one else took it: the compare-and-set underneath proves nobody did.
 */
export function decideLeaseRenew<R>(
  current: LeaseRecord<R> | undefined,
  owner: string,
  now: number,
  ttlMs: number,
): LeaseRecord<R> | undefined {
  if (!current || current.owner !== owner || current.expiresAt === 0 || current.result !== undefined) return undefined;
  return { ...current, ...leaseFor(owner, now, ttlMs) };
}

/** Release: only the owner gives a lease up; it is free at once for anyone (expiry 0). */
export function decideLeaseRelease<R>(current: LeaseRecord<R> | undefined, owner: string): LeaseRecord<R> | undefined {
  if (!current || current.owner !== owner || current.expiresAt === 0) return undefined;
  return { ...current, expiresAt: 0 };
}

/**
 * Settle: records what the work produced unless a result is recorded already (the first stays). Recorded whoever
 * holds the lease now: a result is a fact about the outside world (a QBO customer exists), and a later caller
 * that did not see it would duplicate it.
 */
export function decideLeaseSettle<R>(
  current: LeaseRecord<R> | undefined,
  owner: string,
  result: R,
): LeaseRecord<R> | undefined {
  if (current?.result !== undefined) return undefined;
  return { owner, expiresAt: 0, result };
}
