import { createHash } from 'node:crypto';
import { RetryableError } from '../errors';
import { SyncStateLease } from '../stores/lease';
import type { LeaseRecord } from '../stores/lease-rules';
import type { SyncStateStore } from '../stores/ports';
import type { QboObject } from './qbo-port';

/**
 * Two Stripe customers with one email are one QBO customer (DESIGN section 6). When two instances match them at
 * once, neither sees the other's customer yet: a customer directory is up to seconds stale and a query only sees
 * what QBO has committed. So before creating, an instance claims the email: a lease in the shared sync-state store,
 * owned by the Stripe customer, settled with the QBO customer it became. Whoever finds a claim links to that QBO
 * customer, or waits while it is being created. A claim whose creator died is taken over once `staleMs` old.
 */
interface EmailClaimResult {
  qboId: string;
}

export interface CustomerEmailClaims {
  /**
   * Called when matching found no QBO customer: the QBO customer another Stripe customer with this email already
   * became, or undefined once this one may create (the email is now claimed for it). Throws retryable while
   * another instance is creating it.
   */
  claim(tenantKey: string, email: string, stripeId: string): Promise<QboObject | undefined>;
  /** Records the QBO customer created under a claim, for the Stripe customers with this email that come later. */
  created(tenantKey: string, email: string, stripeId: string, qboId: string): Promise<void>;
}

export function customerEmailClaims(
  syncState: SyncStateStore,
  now: () => number,
  staleMs = 60_000,
): CustomerEmailClaims {
  // Claims written before they were leases: `{stripeId, claimedAt, qboId?}`.
  const legacy = (stored: Record<string, unknown>): LeaseRecord<EmailClaimResult> | undefined => {
    if (typeof stored.stripeId !== 'string' || typeof stored.claimedAt !== 'number') return undefined;
    const record: LeaseRecord<EmailClaimResult> = { owner: stored.stripeId, expiresAt: stored.claimedAt + staleMs };
    if (typeof stored.qboId === 'string') record.result = { qboId: stored.qboId };
    return record;
  };
  const leases = new SyncStateLease<EmailClaimResult>(syncState, { now, legacy });
  // Hashed: sync-state keys show up in consoles and logs, emails must not.
  const keyOf = (tenantKey: string, email: string) =>
    `customer-email:${tenantKey}:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;

  return {
    async claim(tenantKey, email, stripeId) {
      // Ours from an earlier attempt, or abandoned by its claimer: the lease is ours again.
      const outcome = await leases.acquire(keyOf(tenantKey, email), stripeId, staleMs);
      if (outcome.acquired) return undefined;
      // Created already (for another Stripe customer with this email, or for this one by an attempt that died
      // before its ledger commit): that QBO customer is the one.
      if (outcome.result) return { Id: outcome.result.qboId };
      throw new RetryableError('another Stripe customer with this email is being created in QBO', {
        code: 'customer_email_claimed',
        retryAfterMs: 2_000,
      });
    },
    async created(tenantKey, email, stripeId, qboId) {
      await leases.settle(keyOf(tenantKey, email), stripeId, { qboId });
    },
  };
}
