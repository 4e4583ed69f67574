import { randomUUID } from 'node:crypto';
import { RetryableError } from '../../errors';
import type { Logger } from '../../observability/logger';
import { secretNames } from '../../secrets/secret-store';
import type { SecretStore } from '../../secrets/secret-store';
import type { QboAccessTokenSource } from '../client/qbo-client';
import { QboAuthError } from '../faults';
import type { OAuthTokenResponse, QboOAuthClient } from './intuit-oauth-client';
import type { Lease } from '../../stores/lease';

/**
 * The `qbo-tokens-<tenantId>` secret. Times are epoch milliseconds (ISO strings are accepted when read, for
 * hand-written local secrets). A disconnected tenant's secret carries `revoked_at` and no tokens.
 */
export interface StoredQboTokens {
  access_token: string;
  refresh_token: string;
  expires_at: number;
  refresh_expires_at: number;
  realmId: string;
}

export interface QboTokenProviderProps {
  tenantId: string;
  secrets: SecretStore;
  oauth: Pick<QboOAuthClient, 'refresh'>;
  /**
   * Serializes refreshers of one tenant across instances. Secret Manager has no compare-and-swap on addVersion, and
   * Intuit rotates the refresh token on every refresh, so two instances refreshing at once could each store a
   * different pair and leave the loser holding a refresh token that dies 24 h later (DESIGN section 7).
   */
  lease: Pick<Lease, 'acquire' | 'release'>;
  logger: Logger;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Refresh when less than this is left on the access token. DESIGN section 7: 5 minutes. */
  refreshMarginMs?: number;
  leaseTtlMs?: number;
  /** How long to wait for another instance's refresh before giving up (retryable). */
  leaseWaitMs?: number;
  pollMs?: number;
  /** Lease owner id; one per provider instance by default. */
  owner?: string;
}

export interface QboTokenProvider extends QboAccessTokenSource {
  realmId(): Promise<string>;
  /**
   * Refreshes now, whatever the access token's state, when the refresh token expires within `withinMs` (the daily
   * upkeep of an idle tenant: nothing else refreshes it). Under the same lease as every other refresh.
   */
  refreshIfExpiringWithin(withinMs: number): Promise<{ refreshed: boolean; refreshExpiresAt: number }>;
}

/** How long one refresher holds the tenant's refresh lease; every OAuth call is bounded well inside it. */
export const DEFAULT_REFRESH_LEASE_MS = 30_000;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function toEpoch(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number.isNaN(Date.parse(value)) ? 0 : Date.parse(value);
  return 0;
}

export function parseStoredTokens(raw: string | undefined): StoredQboTokens | undefined {
  if (!raw) return undefined;
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof value.access_token !== 'string' || typeof value.refresh_token !== 'string') return undefined;
  return {
    access_token: value.access_token,
    refresh_token: value.refresh_token,
    expires_at: toEpoch(value.expires_at),
    refresh_expires_at: toEpoch(value.refresh_expires_at),
    realmId: String(value.realmId ?? ''),
  };
}

/** The secret to store after a token response: expiries become absolute so any instance can judge them. */
export function storedTokensFrom(response: OAuthTokenResponse, realmId: string, now: number): StoredQboTokens {
  return {
    access_token: response.access_token,
    refresh_token: response.refresh_token,
    expires_at: now + response.expires_in * 1000,
    refresh_expires_at: now + response.x_refresh_token_expires_in * 1000,
    realmId,
  };
}

/** Every token write rotates: the new pair becomes the latest version and versions before the previous one go. */
export function writeStoredTokens(secrets: SecretStore, tenantId: string, tokens: StoredQboTokens): Promise<void> {
  const name = secretNames.qboTokens(tenantId);
  const value = JSON.stringify(tokens);
  return secrets.rotate ? secrets.rotate(name, value) : secrets.write(name, value);
}

function notConnected(tenantId: string): QboAuthError {
  return new QboAuthError(`tenant ${tenantId} has no QBO connection`, {
    code: 'qbo_not_connected',
    status: 401,
    fault: undefined,
    intuitTid: undefined,
  });
}

export function createQboTokenProvider(props: QboTokenProviderProps): QboTokenProvider {
  const now = props.now ?? Date.now;
  const sleep = props.sleep ?? defaultSleep;
  const margin = props.refreshMarginMs ?? 5 * 60_000;
  const leaseTtlMs = props.leaseTtlMs ?? DEFAULT_REFRESH_LEASE_MS;
  const leaseWaitMs = props.leaseWaitMs ?? 15_000;
  const pollMs = props.pollMs ?? 100;
  const owner = props.owner ?? randomUUID();
  const secretName = secretNames.qboTokens(props.tenantId);
  const leaseKey = `lease:qbo-token-refresh:${props.tenantId}`;
  const log = props.logger.child({ tenantId: props.tenantId });
  let cached: StoredQboTokens | undefined;
  let inFlight: Promise<string> | undefined;

  const usable = (tokens: StoredQboTokens, rejected?: string): boolean =>
    tokens.expires_at - now() > margin && tokens.access_token !== rejected;

  async function readLatest(): Promise<StoredQboTokens> {
    const tokens = parseStoredTokens(await props.secrets.read(secretName));
    if (!tokens) throw notConnected(props.tenantId);
    cached = tokens;
    return tokens;
  }

  /** Exchanges `latest`'s refresh token for a new pair and stores it (a rotation: see writeStoredTokens). */
  async function rotate(latest: StoredQboTokens): Promise<StoredQboTokens> {
    let response: OAuthTokenResponse;
    try {
      response = await props.oauth.refresh(latest.refresh_token);
    } catch (error) {
      if (error instanceof QboAuthError)
        log.warn({ realmId: latest.realmId, code: error.code }, 'qbo refresh rejected');
      throw error;
    }
    const next = storedTokensFrom(response, latest.realmId, now());
    await writeStoredTokens(props.secrets, props.tenantId, next);
    cached = next;
    log.info({ realmId: next.realmId, expiresAt: next.expires_at }, 'qbo tokens refreshed');
    return next;
  }

  async function refreshHoldingLease(rejected: string | undefined): Promise<string> {
    // Another instance may have refreshed between our read and the lease: use its pair.
    const latest = await readLatest();
    if (usable(latest, rejected)) return latest.access_token;
    return (await rotate(latest)).access_token;
  }

  /**
   * Runs `work` holding the tenant's refresh lease; while another instance holds it, waits until the stored
   * tokens `satisfy` (that instance's refresh landed) or the wait runs out (retryable).
   */
  async function underLease<T>(
    work: () => Promise<T>,
    satisfy: (latest: StoredQboTokens) => T | undefined,
  ): Promise<T> {
    const deadline = now() + leaseWaitMs;
    for (;;) {
      if ((await props.lease.acquire(leaseKey, owner, leaseTtlMs)).acquired) {
        try {
          return await work();
        } finally {
          await props.lease.release(leaseKey, owner);
        }
      }
      await sleep(pollMs);
      const done = satisfy(await readLatest());
      if (done !== undefined) return done;
      if (now() > deadline)
        throw new RetryableError('QBO token refresh held by another instance for too long', {
          code: 'qbo_refresh_busy',
        });
    }
  }

  function refresh(rejected: string | undefined): Promise<string> {
    return underLease(
      () => refreshHoldingLease(rejected),
      (latest) => (usable(latest, rejected) ? latest.access_token : undefined),
    );
  }

  /** One refresh per provider at a time: concurrent callers in this instance share it. */
  function sharedRefresh(rejected: string | undefined): Promise<string> {
    inFlight ??= refresh(rejected).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    async getAccessToken() {
      if (cached && usable(cached)) return cached.access_token;
      const latest = await readLatest();
      if (usable(latest)) return latest.access_token;
      return sharedRefresh(undefined);
    },
    async refreshAfterUnauthorized(rejected) {
      // DESIGN section 7: on a 401 re-read `latest` first; another instance has usually rotated the pair.
      const latest = await readLatest();
      if (usable(latest, rejected)) return latest.access_token;
      return sharedRefresh(rejected);
    },
    async realmId() {
      return (cached ?? (await readLatest())).realmId;
    },
    async refreshIfExpiringWithin(withinMs) {
      const fresh = (tokens: StoredQboTokens) =>
        tokens.refresh_expires_at - now() > withinMs
          ? { refreshed: false, refreshExpiresAt: tokens.refresh_expires_at }
          : undefined;
      const latest = await readLatest();
      return (
        fresh(latest) ??
        underLease(async () => {
          const current = await readLatest();
          return fresh(current) ?? { refreshed: true, refreshExpiresAt: (await rotate(current)).refresh_expires_at };
        }, fresh)
      );
    },
  };
}
