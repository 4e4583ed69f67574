import { RetryableError } from '../errors';
import type { LedgerEntry, LedgerKey, ReserveRequest, ReserveResult } from './ports';

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
 * (lease 0) → reserve again, and a `pending` release still means "probe first".
 */
export function decideReservation(
  current: LedgerEntry | undefined,
  request: ReserveRequest,
): { write: boolean; result: ReserveResult } {
  const fresh = (attempts: number): LedgerEntry => ({
    tenantId: request.tenantId,
    stripeId: request.stripeId,
    operation: request.operation,
    state: 'pending',
    requestId: current?.requestId ?? request.requestId,
    qboEntity: request.qboEntity,
    leaseExpiresAt: request.now + request.leaseMs,
    leaseOwner: request.leaseOwner,
    attempts,
    updatedAt: new Date(request.now).toISOString(),
  });
  if (!current) return { write: true, result: { outcome: 'reserved', entry: fresh(1), takenOver: false } };
  if (current.state === 'posted') return { write: false, result: { outcome: 'already_posted', entry: current } };
  if (current.state === 'pending' && current.leaseExpiresAt > request.now && current.leaseOwner !== request.leaseOwner)
    return { write: false, result: { outcome: 'leased_elsewhere', entry: current } };
  const entry = fresh(current.attempts + 1);
  // Any earlier pending attempt (expired lease, crash, released after an unknown outcome) may have reached QBO.
  const takenOver = current.state === 'pending';
  return { write: true, result: { outcome: 'reserved', entry, takenOver } };
}
