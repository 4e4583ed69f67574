import type { SyncStateStore } from '../../stores/ports';

/**
 * A tenant's QBO connection as the last daily check saw it, in sync state under `qbo-token-health:<tenantId>`, so an
 * operator view (`stripe-qbo` reading sync state, the console) can show how long a connection has left before it
 * needs a person. QBO refresh tokens roll: each refresh gives ~101 days from then, so a tenant with no Stripe
 * activity (nothing refreshes its token) used to lose its connection after about three months.
 */
export interface QboTokenHealth {
  schemaVersion: 1;
  tenantId: string;
  checkedAt: string;
  /** When the stored refresh token expires, and whole days from the check until then. */
  refreshExpiresAt?: string;
  refreshDaysLeft?: number;
  /** Set when this check refreshed the token because it was nearing expiry. */
  refreshedAt?: string;
  /** Why the connection could not be checked or kept: no tokens stored, Intuit refused them, or it was unreachable. */
  problem?: 'not_connected' | 'invalid_grant' | 'refresh_failed';
}

export const qboTokenHealthKey = (tenantId: string) => `qbo-token-health:${tenantId}`;

/**
 * Refresh a refresh token with fewer days than this left. The daily replay checks every tenant, so one missed tick
 * (or a month of them) still leaves a wide margin before the ~101 days run out.
 */
export const PROACTIVE_REFRESH_DAYS = 60;
export const DAY_MS = 24 * 3600 * 1000;

export async function recordQboTokenHealth(syncState: SyncStateStore, health: QboTokenHealth): Promise<void> {
  const key = qboTokenHealthKey(health.tenantId);
  // Last writer wins: two checks racing write the same facts a moment apart.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const current = await syncState.get<QboTokenHealth>(key);
    if (await syncState.put(key, health, current?.version ?? 0)) return;
  }
}
