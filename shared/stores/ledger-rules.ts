import { RetryableError } from '../errors';
import { isHeldByAnother, leaseFor } from './lease-rules';
import type { CommitResult, LedgerEntry, LedgerKey, ReserveRequest, ReserveResult } from './ports';

/*
 * State only moves forward in time, and here that is structural rather than a timestamp compare. Each QBO write is
 * its own entry (create, void, reverse, … of one Stripe object; no recipe plans an update that an older event
 * could redo with older content), and `posted` is final: a reservation finds it `already_posted`, a commit leaves
 * it as it is, a release ignores it. So an event of any age that reaches a posted entry changes nothing. The
 * entries that can still change are `pending` and `failed`, and those must accept an older event: replay re-sends
 * old events on purpose (after a reconnect, an approved review), and a `pending` entry whose outcome is unknown
 * must be probed by whichever attempt comes next, or a document that reached QBO would stay unlinked. An
 * event-time guard (the `lastEventAt` the entries used to carry, written and never read) could only block those,
 * so it is gone from both adapters.
 */

/** A commit by an attempt whose lease was taken over: the other attempt owns the write now. */
export class LeaseLostError extends RetryableError {
  constructor(key: LedgerKey, owner: string | undefined) {
    super(`lease on ${key.stripeId}/${key.operation} is held by ${owner ?? 'nobody'}`, { code: 'lease_lost' });
  }
}

/**
 * The reservation rule of DESIGN section 5, shared by every ledger adapter so they cannot disagree:
 * posted → duplicate; live lease held by another → come back later; absent → reserve; expired pending lease →
 * take over (the caller must probe QBO before posting: the earlier attempt may have written); failed or released
 * (lease 0) → reserve again, and a `pending` release still means "probe first". Live, expired and take-over are
 * the one lease rule of lease-rules.ts, which the sync-state leases follow too.
 */
export function decideReservation(
  current: LedgerEntry | undefined,
  request: ReserveRequest,
): { write: boolean; result: ReserveResult } {
  const lease = leaseFor(request.leaseOwner, request.now, request.leaseMs);
  const fresh = (attempts: number): LedgerEntry => ({
    tenantId: request.tenantId,
    stripeId: request.stripeId,
    operation: request.operation,
    state: 'pending',
    requestId: current?.requestId ?? request.requestId,
    qboEntity: request.qboEntity,
    leaseExpiresAt: lease.expiresAt,
    leaseOwner: lease.owner,
    attempts,
    updatedAt: new Date(request.now).toISOString(),
  });
  if (!current) return { write: true, result: { outcome: 'reserved', entry: fresh(1), takenOver: false } };
  if (current.state === 'posted') return { write: false, result: { outcome: 'already_posted', entry: current } };
  // Only a pending entry is leased: a failed one wrote nothing and is anyone's to retry.
  const hold =
    current.state === 'pending' ? { owner: current.leaseOwner, expiresAt: current.leaseExpiresAt } : undefined;
  if (isHeldByAnother(hold, request.leaseOwner, request.now))
    return { write: false, result: { outcome: 'leased_elsewhere', entry: current } };
  const entry = fresh(current.attempts + 1);
  // Any earlier pending attempt (expired lease, crash, released after an unknown outcome) may have reached QBO.
  const takenOver = current.state === 'pending';
  return { write: true, result: { outcome: 'reserved', entry, takenOver } };
}

/** The commit rule for every adapter: only the lease owner commits a pending entry; a posted entry stays as it is. */
export function decideCommit(
  current: LedgerEntry | undefined,
  key: LedgerKey,
  leaseOwner: string,
  result: CommitResult,
): { write: boolean; entry: LedgerEntry } {
  if (!current || (current.state === 'pending' && current.leaseOwner !== leaseOwner))
    throw new LeaseLostError(key, current?.leaseOwner);
  if (current.state === 'posted') return { write: false, entry: current };
  const entry: LedgerEntry = {
    ...current,
    state: 'posted',
    qboId: result.qboId,
    leaseExpiresAt: 0,
    updatedAt: new Date(result.now).toISOString(),
  };
  if (result.qboSyncToken !== undefined) entry.qboSyncToken = result.qboSyncToken;
  if (result.qboCustomerId !== undefined) entry.qboCustomerId = result.qboCustomerId;
  return { write: true, entry };
}

/** The release rule for every adapter: the lease owner gives up a non-posted entry; anything else is left alone. */
export function decideRelease(
  current: LedgerEntry | undefined,
  leaseOwner: string,
  outcome: { state: 'failed' | 'pending'; detail?: string; now: number },
): LedgerEntry | undefined {
  if (!current || current.state === 'posted' || current.leaseOwner !== leaseOwner) return undefined;
  const entry: LedgerEntry = {
    ...current,
    state: outcome.state,
    leaseExpiresAt: 0,
    updatedAt: new Date(outcome.now).toISOString(),
  };
  if (outcome.detail !== undefined) entry.detail = outcome.detail;
  return entry;
}
