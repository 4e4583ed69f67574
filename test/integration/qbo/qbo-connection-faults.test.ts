import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startQboSimulator, type QboSimulator } from '../../../dev/qbo-simulator/server';
import { classifyError, RetryableError } from '../../../shared/errors';
import { createIntuitOAuthClient } from '../../../shared/qbo/auth/intuit-oauth-client';
import { createQboAccess } from '../../../shared/runtime/qbo-access';
import { secretNames, type SecretStore } from '../../../shared/secrets/secret-store';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { Stores } from '../../../shared/stores/ports';
import { buildTenantSettings } from '../../support/tenants';
import { MemorySecretStore } from '../ingest/support';
import { captureLogs } from './harness';

const REALM = '9130350000000888';

/** Faults on the way to a QBO access token: a flaky secret read, an OAuth endpoint that never answers. */
describe('QBO connection faults', () => {
  let simulator: QboSimulator;
  let stores: Stores;
  const logs = captureLogs('warn');

  beforeEach(async () => {
    simulator = await startQboSimulator({ logger: logs.logger });
    simulator.seedCompany(REALM);
    stores = await openDuckDbStores(':memory:');
  });
  afterEach(async () => {
    await simulator.close();
    await stores.close();
  });

  it('recovers from one failed read of the OAuth app secret instead of keeping the failure for good', async () => {
    const inner = new MemorySecretStore();
    let failNextAppRead = true;
    const secrets: SecretStore = {
      read: async (name) => {
        if (name === secretNames.qboOAuthClient() && failNextAppRead) {
          failNextAppRead = false;
          throw Object.assign(new Error('14 UNAVAILABLE'), { code: 14 });
        }
        return inner.read(name);
      },
      write: (name, value) => inner.write(name, value),
    };
    await secrets.write(secretNames.qboOAuthClient(), JSON.stringify({ clientId: 'c', clientSecret: 's' }));
    const access = createQboAccess({
      runtime: { secrets, stores, logger: logs.logger, config: { qboEnvironment: 'sandbox' } as never },
      baseUrl: simulator.url,
      simulatorUrl: simulator.url,
    });
    // An access token that is about to expire: the first request must refresh it.
    const issued = simulator.issueTokens(REALM);
    await access.storeTokens('acme', REALM, { ...issued, expires_in: 60 });
    const client = await access.clientFor(
      buildTenantSettings({ qbo: { realmId: REALM, environment: 'sandbox', multicurrency: false } }),
    );

    const first = await client.query('select * from CompanyInfo').catch((error: unknown) => error);
    expect(classifyError(first).retryable).toBe(true);
    // The secret store is back: the next request on the same instance refreshes and succeeds.
    await expect(client.query('select * from CompanyInfo')).resolves.toEqual(expect.any(Array));
  });

  describe('an OAuth token endpoint that accepts the connection and never answers', () => {
    let hanging: Server;
    let url: string;
    beforeEach(async () => {
      hanging = createServer(() => undefined);
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    });

    it('bounds a token refresh: it fails as retryable within its timeout, well inside the refresh lease', async () => {
      const oauth = createIntuitOAuthClient({
        clientId: 'c',
        clientSecret: 's',
        redirectUri: 'http://localhost:8765/callback',
        environment: 'sandbox',
        endpoints: { tokenEndpoint: `${url}/oauth2/v1/tokens/bearer` },
        timeoutMs: 300,
      });
      const started = Date.now();
      const failure = await oauth.refresh('rt-1').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(RetryableError);
      expect((failure as RetryableError).code).toBe('qbo_oauth_timeout');
      expect(Date.now() - started).toBeLessThan(2_000);
    }, 5_000);

    it('defaults to a bound shorter than the 30 s refresh lease', async () => {
      const { DEFAULT_OAUTH_TIMEOUT_MS } = await import('../../../shared/qbo/auth/intuit-oauth-client');
      const { DEFAULT_REFRESH_LEASE_MS } = await import('../../../shared/qbo/auth/token-provider');
      expect(DEFAULT_OAUTH_TIMEOUT_MS).toBeGreaterThan(0);
      expect(DEFAULT_OAUTH_TIMEOUT_MS * 2).toBeLessThanOrEqual(DEFAULT_REFRESH_LEASE_MS);
    });
  });
});
