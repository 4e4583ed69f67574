import { createHash } from 'node:crypto';
import { RetryableError } from '../errors';
import type { SyncStateStore } from '../stores/ports';
import type { QboObject } from './qbo-port';

/**
 * Two Stripe customers with one email are one QBO customer (DESIGN section 6). When two instances match them at
 * once, neither sees the other's customer yet: a customer directory is up to seconds stale and a query only sees
 * what QBO has committed. So before creating, an instance claims the email in the shared sync-state store
 * (compare-and-set); whoever finds a claim links to the QBO customer it names, or waits while it is being created.
 * A claim whose creator died is taken over once it is older than `staleMs`.
 */
interface EmailClaim {
  stripeId: string;
  claimedAt: number;
  qboId?: string;
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
  // Hashed: sync-state keys show up in consoles and logs, emails must not.
  const keyOf = (tenantKey: string, email: string) =>
    `customer-email:${tenantKey}:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;
  const busy = () =>
    new RetryableError('another Stripe customer with this email is being created in QBO', {
      code: 'customer_email_claimed',
      retryAfterMs: 2_000,
    });

  return {
    async claim(tenantKey, email, stripeId) {
      const key = keyOf(tenantKey, email);
      const current = await syncState.get<EmailClaim>(key);
      if (current) {
        const { value } = current;
        // Created already (for another Stripe customer with this email, or for this one by an attempt that died
        // before its ledger commit): that QBO customer is the one.
        if (value.qboId !== undefined) return { Id: value.qboId };
        if (value.stripeId !== stripeId && now() - value.claimedAt < staleMs) throw busy();
        // Ours from an earlier attempt, or abandoned by its claimer: claim it afresh.
      }
      const claimed = await syncState.put<EmailClaim>(key, { stripeId, claimedAt: now() }, current?.version ?? 0);
      if (!claimed) throw busy();
      return undefined;
    },
    async created(tenantKey, email, stripeId, qboId) {
      const key = keyOf(tenantKey, email);
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const current = await syncState.get<EmailClaim>(key);
        if (current?.value.qboId !== undefined) return;
        if (await syncState.put<EmailClaim>(key, { stripeId, claimedAt: now(), qboId }, current?.version ?? 0)) return;
      }
    },
  };
}
