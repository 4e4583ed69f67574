import { createValidators } from '../../../schemas/validators';
import { startQboSimulator, type QboSimulator } from '../../../dev/qbo-simulator/server';
import { parseStoredTokens, storedTokensFrom, writeStoredTokens } from '../../../shared/qbo/auth/token-provider';
import { qboTokenHealthKey, type QboTokenHealth } from '../../../shared/qbo/auth/token-health';
import { runReplay, type ReplayDeps } from '../../../shared/replay/replay';
import { createQboAccess } from '../../../shared/runtime/qbo-access';
import { secretNames } from '../../../shared/secrets/secret-store';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { Stores } from '../../../shared/stores/ports';
import type { StripeApiClient } from '../../../shared/stripe/ports';
import { buildTenantSettings } from '../../support/tenants';
import { MemorySecretStore, RecordingAuditSink, silentLogger } from './support';

const DAY = 24 * 3600 * 1000;

/**
 * QBO refresh tokens roll (~101 days from each refresh), so a tenant with no Stripe activity for three months lost
 * its connection. The daily replay refreshes tokens nearing expiry and records the days left where an operator view
 * can read them (sync state `qbo-token-health:<tenantId>`).
 */
describe('replay keeps idle tenants’ QBO connections alive', () => {
  let simulator: QboSimulator;
  let stores: Stores;
  const secrets = new MemorySecretStore();

  beforeEach(async () => {
    simulator = await startQboSimulator({ logger: silentLogger });
    stores = await openDuckDbStores(':memory:');
    await secrets.write(secretNames.qboOAuthClient(), JSON.stringify({ clientId: 'c', clientSecret: 's' }));
  });
  afterEach(async () => {
    await simulator.close();
    await stores.close();
  });

  async function connect(tenantId: string, realmId: string, refreshDaysLeft: number) {
    simulator.seedCompany(realmId);
    await stores.tenants.put(
      buildTenantSettings({ tenantId, qbo: { realmId, environment: 'sandbox', multicurrency: false } }),
    );
    const stored = storedTokensFrom(simulator.issueTokens(realmId), realmId, Date.now());
    await writeStoredTokens(secrets, tenantId, { ...stored, refresh_expires_at: Date.now() + refreshDaysLeft * DAY });
  }

  function deps(): ReplayDeps {
    const access = createQboAccess({
      runtime: { secrets, stores, logger: silentLogger, config: { qboEnvironment: 'sandbox' } as never },
      baseUrl: simulator.url,
      simulatorUrl: simulator.url,
    });
    const quietStripe = { listEvents: async function* () {} } as unknown as StripeApiClient;
    return {
      functionName: 'replay',
      tenants: stores.tenants,
      ledger: stores.ledger,
      syncState: stores.syncState,
      reviewQueue: stores.reviewQueue,
      waitList: stores.waits,
      publisher: { publish: async () => 'm', close: async () => undefined },
      audit: new RecordingAuditSink(),
      validators: createValidators(),
      stripeFor: async () => quietStripe,
      logger: silentLogger,
      topicPrefix: 'u-',
      now: () => new Date(),
      qboTokenUpkeep: (tenant) => access.upkeep(tenant),
    };
  }

  const command = { schemaVersion: 1 as const, requestedAt: new Date().toISOString(), requestedBy: 'scheduler' };
  const tokensOf = async (tenantId: string) => parseStoredTokens(await secrets.read(secretNames.qboTokens(tenantId)));

  it('refreshes a refresh token nearing expiry and reports the days left', async () => {
    await connect('idle', '9130350000000101', 10);
    const before = await tokensOf('idle');
    await runReplay(deps(), command);
    const after = await tokensOf('idle');
    expect(after?.refresh_token).not.toBe(before?.refresh_token);
    expect(Math.round(((after?.refresh_expires_at ?? 0) - Date.now()) / DAY)).toBe(101);
    const health = await stores.syncState.get<QboTokenHealth>(qboTokenHealthKey('idle'));
    expect(health?.value).toMatchObject({ tenantId: 'idle', refreshDaysLeft: 101, refreshedAt: expect.any(String) });
  });

  it('leaves a refresh token with plenty of time alone, and still reports its days left', async () => {
    await connect('busy', '9130350000000102', 80);
    const before = await tokensOf('busy');
    await runReplay(deps(), command);
    expect((await tokensOf('busy'))?.refresh_token).toBe(before?.refresh_token);
    const health = await stores.syncState.get<QboTokenHealth>(qboTokenHealthKey('busy'));
    expect(health?.value).toMatchObject({ tenantId: 'busy', refreshDaysLeft: 79 });
    expect(health?.value.refreshedAt).toBeUndefined();
  });

  it('reports a tenant whose refresh token Intuit refuses, and marks it needs_reauth', async () => {
    await connect('revoked', '9130350000000103', 5);
    const stored = await tokensOf('revoked');
    await fetch(`${simulator.url}/v2/oauth2/tokens/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from('c:s').toString('base64')}` },
      body: JSON.stringify({ token: stored?.refresh_token }),
    });
    await runReplay(deps(), command);
    expect((await stores.tenants.get('revoked'))?.status).toBe('needs_reauth');
    const health = await stores.syncState.get<QboTokenHealth>(qboTokenHealthKey('revoked'));
    expect(health?.value).toMatchObject({ tenantId: 'revoked', problem: 'invalid_grant' });
  });
});
