import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { AuthError } from '../errors';
import {
  createIntuitOAuthClient,
  simulatorOAuthEndpoints,
  type OAuthTokenResponse,
  type QboOAuthClient,
  type QboOAuthEndpoints,
} from '../qbo/auth/intuit-oauth-client';
import { DAY_MS, PROACTIVE_REFRESH_DAYS, recordQboTokenHealth, type QboTokenHealth } from '../qbo/auth/token-health';
import {
  createQboTokenProvider,
  storedTokensFrom,
  writeStoredTokens,
  type QboTokenProvider,
} from '../qbo/auth/token-provider';
import { QboAuthError } from '../qbo/faults';
import { createQboClient, type QboClient } from '../qbo/client/qbo-client';
import { withBatchedCreates } from '../qbo/client/batch-writer';
import { createFleetRealmLimiter } from '../qbo/budget/fleet-limiter';
import type { QboEntityName } from '../qbo/entities';
import { secretNames, type SecretStore } from '../secrets/secret-store';
import { SyncStateLease } from '../stores/lease';
import type { Runtime } from './runtime';

export function intuitApiBase(environment: 'sandbox' | 'production'): string {
  return environment === 'production'
    ? 'https://quickbooks.api.intuit.com'
    : 'https://sandbox-quickbooks.api.intuit.com';
}

/**
 * The OAuth app from the `qbo-oauth-client` secret (`{"clientId","clientSecret","redirectUri"?}`). The redirect URI
 * matters only to the code exchange (connect-qbo, the qbo-connect callback), which must send the one the consent
 * page was opened with.
 */
export async function qboOAuthClientFromSecret(
  secrets: SecretStore,
  environment: 'sandbox' | 'production',
  endpoints?: Partial<QboOAuthEndpoints>,
): Promise<QboOAuthClient> {
  const raw = await secrets.read(secretNames.qboOAuthClient());
  const app = raw ? (JSON.parse(raw) as { clientId?: string; clientSecret?: string; redirectUri?: string }) : {};
  if (!app.clientId || !app.clientSecret)
    throw new AuthError(`secret ${secretNames.qboOAuthClient()} is missing or incomplete`, {
      code: 'oauth_client_missing',
    });
  return createIntuitOAuthClient({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri ?? 'http://localhost:8765/callback',
    environment,
    ...(endpoints ? { endpoints } : {}),
  });
}

export interface QboAccessOptions {
  runtime: Pick<Runtime, 'secrets' | 'stores' | 'logger' | 'config'>;
  /** v3 API base: Intuit's, or the simulator's. */
  baseUrl: string;
  /** The simulator's OAuth endpoints when baseUrl is the simulator. */
  simulatorUrl?: string;
  /** Throttle clock scale, matching a simulator started with the same value. */
  timeScale?: number;
}

export interface QboAccess {
  clientFor(tenant: TenantSettings): Promise<QboClient>;
  storeTokens(tenantId: string, realmId: string, issued: OAuthTokenResponse): Promise<void>;
  /**
   * The daily check of a tenant's connection (replay calls it): refreshes a refresh token with fewer than
   * PROACTIVE_REFRESH_DAYS left, and records the days left in sync state (`qbo-token-health:<tenantId>`).
   */
  upkeep(tenant: TenantSettings): Promise<QboTokenHealth>;
  /** Gives this instance's seats of every realm's QBO budget back to the fleet (shutdown). */
  close(): Promise<void>;
}

/**
 * One QBO client per tenant per instance, all waiting on this instance's part of each realm's fleet budget
 * (shared/qbo/budget: 10 seats per realm leased through the sync-state store, shared by every instance of every
 * function), each with a token provider over the secret store that refreshes through Intuit's OAuth endpoints (or
 * the simulator's).
 */
export function createQboAccess(options: QboAccessOptions): QboAccess {
  const { runtime } = options;
  const limiter = createFleetRealmLimiter({
    syncState: runtime.stores.syncState,
    logger: runtime.logger,
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
  });
  // Refreshers of one tenant take turns under a sync-state lease (DESIGN section 7).
  const lease = new SyncStateLease(runtime.stores.syncState);
  const clients = new Map<string, QboClient>();
  const providers = new Map<string, QboTokenProvider>();
  let oauth: Promise<QboOAuthClient> | undefined;

  /**
   * The OAuth app, read once per instance. Only a success is kept: a failed read (Secret Manager briefly
   * unavailable, the secret not stored yet) is forgotten at once, so the next refresh reads again instead of
   * failing on this instance until it is recycled.
   */
  const oauthClient = (): Promise<QboOAuthClient> => {
    oauth ??= readOAuthApp().catch((error: unknown) => {
      oauth = undefined;
      throw error;
    });
    return oauth;
  };

  const readOAuthApp = () =>
    qboOAuthClientFromSecret(
      runtime.secrets,
      runtime.config.qboEnvironment,
      options.simulatorUrl ? simulatorOAuthEndpoints(options.simulatorUrl) : undefined,
    );

  function providerFor(tenantId: string): QboTokenProvider {
    let provider = providers.get(tenantId);
    if (!provider) {
      provider = createQboTokenProvider({
        tenantId,
        secrets: runtime.secrets,
        oauth: { refresh: async (refreshToken) => (await oauthClient()).refresh(refreshToken) },
        lease,
        logger: runtime.logger,
      });
      providers.set(tenantId, provider);
    }
    return provider;
  }

  return {
    async clientFor(tenant) {
      const cached = clients.get(tenant.tenantId);
      if (cached) return cached;
      const tokens = providerFor(tenant.tenantId);
      const client = createQboClient({
        baseUrl: options.baseUrl,
        realmId: tenant.qbo.realmId,
        tokens,
        limiter,
        logger: runtime.logger,
      });
      // Concurrent creates for the realm share batch requests (batch-writer.ts); everything else goes as before.
      const batching = withBatchedCreates(client, { logger: runtime.logger });
      clients.set(tenant.tenantId, batching);
      return batching;
    },
    async storeTokens(tenantId, realmId, issued) {
      await writeStoredTokens(runtime.secrets, tenantId, storedTokensFrom(issued, realmId, Date.now()));
    },
    async upkeep(tenant) {
      const checkedAt = new Date();
      const health: QboTokenHealth = {
        schemaVersion: 1,
        tenantId: tenant.tenantId,
        checkedAt: checkedAt.toISOString(),
      };
      try {
        const result = await providerFor(tenant.tenantId).refreshIfExpiringWithin(PROACTIVE_REFRESH_DAYS * DAY_MS);
        health.refreshExpiresAt = new Date(result.refreshExpiresAt).toISOString();
        health.refreshDaysLeft = Math.floor((result.refreshExpiresAt - checkedAt.getTime()) / DAY_MS);
        if (result.refreshed) health.refreshedAt = new Date().toISOString();
      } catch (error) {
        health.problem =
          error instanceof QboAuthError
            ? error.code === 'qbo_not_connected'
              ? 'not_connected'
              : 'invalid_grant'
            : 'refresh_failed';
      }
      await recordQboTokenHealth(runtime.stores.syncState, health);
      runtime.logger.info(
        {
          tenantId: tenant.tenantId,
          qboRefreshDaysLeft: health.refreshDaysLeft,
          refreshed: health.refreshedAt !== undefined ? 1 : 0,
          reason: health.problem,
        },
        'qbo connection checked',
      );
      return health;
    },
    close: () => limiter.close(),
  };
}

export type { QboEntityName };
