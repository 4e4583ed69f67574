import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIntuitOAuthClient, simulatorOAuthEndpoints } from '../../../shared/qbo/auth/intuit-oauth-client';
import type { QboOAuthClient } from '../../../shared/qbo/auth/intuit-oauth-client';
import { createQboTokenProvider, storedTokensFrom, writeStoredTokens } from '../../../shared/qbo/auth/token-provider';
import { createQboClient } from '../../../shared/qbo/client/qbo-client';
import { createFleetRealmLimiter } from '../../../shared/qbo/budget/fleet-limiter';
import { QboAuthError } from '../../../shared/qbo/faults';
import { startQboSimulator } from '../../../dev/qbo-simulator/server';
import type { QboSimulator } from '../../../dev/qbo-simulator/server';
import { LocalFileSecretStore, secretNames } from '../../../shared/secrets/secret-store';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import { SyncStateLease } from '../../../shared/stores/lease';
import type { Lease } from '../../../shared/stores/lease';
import type { Stores } from '../../../shared/stores/ports';
import { captureLogs } from './harness';

const REALM = '9130350000000777';
const TENANT = 'acme';

describe('QBO token provider against the simulator OAuth endpoint', () => {
  let simulator: QboSimulator;
  let secrets: LocalFileSecretStore;
  let oauth: QboOAuthClient & { refreshCalls: number };
  let stores: Stores;
  const logs = captureLogs();

  beforeEach(async () => {
    stores = await openDuckDbStores(':memory:');
    // No grace for a superseded refresh token: a second refresh with the old one fails, as it would after 24 h.
    simulator = await startQboSimulator({ refreshTokenGraceMs: 0, logger: logs.logger });
    simulator.seedCompany(REALM);
    secrets = new LocalFileSecretStore(mkdtempSync(join(tmpdir(), 'qbo-secrets-')));
    const real = createIntuitOAuthClient({
      clientId: 'sim-client',
      clientSecret: 'sim-secret',
      redirectUri: 'http://localhost:8765/callback',
      environment: 'sandbox',
      endpoints: simulatorOAuthEndpoints(simulator.url),
    });
    oauth = {
      ...real,
      refreshCalls: 0,
      refresh: (token) => {
        oauth.refreshCalls += 1;
        return real.refresh(token);
      },
    };
  });
  afterEach(async () => {
    await simulator.close();
    await stores.close();
  });

  async function storeIssued(expiresInMs: number): Promise<void> {
    const issued = simulator.issueTokens(REALM);
    const stored = storedTokensFrom(issued, REALM, Date.now());
    await writeStoredTokens(secrets, TENANT, { ...stored, expires_at: Date.now() + expiresInMs });
  }

  type RefreshLease = Pick<Lease, 'acquire' | 'release'>;
  const provider = (lease: RefreshLease = new SyncStateLease(stores.syncState)) =>
    createQboTokenProvider({ tenantId: TENANT, secrets, oauth, lease, logger: logs.logger, pollMs: 5 });

  it('uses the stored access token while more than 5 minutes remain', async () => {
    await storeIssued(10 * 60_000);
    const stored = JSON.parse((await secrets.read(secretNames.qboTokens(TENANT))) ?? '{}') as { access_token: string };
    await expect(provider().getAccessToken()).resolves.toBe(stored.access_token);
    expect(oauth.refreshCalls).toBe(0);
  });

  it('refreshes through intuit-oauth when less than 5 minutes remain and stores the rotated pair', async () => {
    await storeIssued(4 * 60_000);
    const before = JSON.parse((await secrets.read(secretNames.qboTokens(TENANT))) ?? '{}') as Record<string, unknown>;
    const token = await provider().getAccessToken();
    const after = JSON.parse((await secrets.read(secretNames.qboTokens(TENANT))) ?? '{}') as Record<string, unknown>;
    expect(token).toBe(after.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.realmId).toBe(REALM);
    expect(Number(after.expires_at)).toBeGreaterThan(Date.now() + 50 * 60_000);
    expect(oauth.refreshCalls).toBe(1);
  });

  it('two concurrent refreshers sharing the lease refresh once and both end with a working token', async () => {
    await storeIssued(60_000);
    const lease = new SyncStateLease(stores.syncState);
    const [a, b] = await Promise.all([provider(lease).getAccessToken(), provider(lease).getAccessToken()]);
    expect(a).toBe(b);
    expect(oauth.refreshCalls).toBe(1);
    const client = createQboClient({
      baseUrl: simulator.url,
      realmId: REALM,
      tokens: provider(lease),
      limiter: createFleetRealmLimiter({ syncState: stores.syncState, instanceId: 'token-test', timeScale: 0.01 }),
      logger: logs.logger,
    });
    await expect(client.query('SELECT COUNT(*) FROM Account')).resolves.toEqual([]);
  });

  it('without the lease, rotation leaves the second refresher with invalid_grant (why the lease exists)', async () => {
    await storeIssued(60_000);
    const noLease: RefreshLease = {
      acquire: () => Promise.resolve({ acquired: true }),
      release: () => Promise.resolve(true),
    };
    const results = await Promise.allSettled([provider(noLease).getAccessToken(), provider(noLease).getAccessToken()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'invalid_grant' });
  });

  it('a 401 makes the client re-read, refresh once and retry', async () => {
    await storeIssued(30 * 60_000);
    const client = createQboClient({
      baseUrl: simulator.url,
      realmId: REALM,
      tokens: provider(),
      limiter: createFleetRealmLimiter({ syncState: stores.syncState, instanceId: 'token-test', timeScale: 0.01 }),
      logger: logs.logger,
    });
    simulator.injectFault({ kind: 'auth_expired', count: 1 });
    await expect(client.query('SELECT * FROM Item')).resolves.toHaveLength(3);
    expect(oauth.refreshCalls).toBe(1);
  });

  it('a revoked refresh token ends in AuthError invalid_grant (the tenant needs_reauth)', async () => {
    await storeIssued(60_000);
    const stored = JSON.parse((await secrets.read(secretNames.qboTokens(TENANT))) ?? '{}') as { refresh_token: string };
    await oauth.revoke(stored.refresh_token);
    const error = await provider()
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QboAuthError);
    expect(error).toMatchObject({ code: 'invalid_grant', failureClass: 'auth' });
  });

  it('a tenant without stored tokens is an auth failure, not a crash', async () => {
    await expect(provider().getAccessToken()).rejects.toMatchObject({
      code: 'qbo_not_connected',
      failureClass: 'auth',
    });
  });

  afterAll(() => {
    // Whatever happened above, no token may have reached a log line.
    const text = logs.text();
    expect(text).not.toMatch(/sim-at-|sim-rt-|sim-code-|Bearer /);
  });
});
