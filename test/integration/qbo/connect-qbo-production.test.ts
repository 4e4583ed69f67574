import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { runConnectQbo } from '../../../shared/cli/commands/connect-qbo';
import type { CliIo } from '../../../shared/cli/io';
import { startQboSimulator, type QboSimulator } from '../../../dev/qbo-simulator/server';
import { simulatorOAuthEndpoints } from '../../../shared/qbo/auth/intuit-oauth-client';
import { QboAuthError } from '../../../shared/qbo/faults';
import { composeQboConnectServer } from '../../../shared/runtime/compose';
import { LocalFileSecretStore, secretNames } from '../../../shared/secrets/secret-store';
import { openDuckDbStores, type DuckDbStores } from '../../../shared/stores/duckdb';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const REALM = '9130350000000077';

/**
 * connect-qbo for real companies: Intuit requires an https redirect URI for production apps, so the callback is the
 * deployed qbo-connect service; a wrong state never ends a flow; disconnect always forgets the tokens.
 */
describe('connect-qbo through the https callback service', () => {
  let simulator: QboSimulator;
  let secrets: LocalFileSecretStore;
  let stores: DuckDbStores;
  let callback: Server;
  let port: number;
  let out: string[];

  beforeEach(async () => {
    simulator = await startQboSimulator();
    simulator.seedCompany(REALM);
    secrets = new LocalFileSecretStore(mkdtempSync(join(tmpdir(), 'connect-prod-')));
    stores = await openDuckDbStores(':memory:');
    port = await freePort();
    // As registered with Intuit: the service's https URL. Cloud Run terminates TLS in front of it.
    await secrets.write(
      secretNames.qboOAuthClient(),
      JSON.stringify({
        clientId: 'app',
        clientSecret: 'shh',
        environment: 'production',
        redirectUri: `https://127.0.0.1:${port}/callback`,
        oauthBaseUrl: simulator.url,
      }),
    );
    callback = composeQboConnectServer(
      {
        secrets,
        logger: pino({ level: 'silent' }),
        now: () => new Date(),
        stores,
        config: { qboEnvironment: 'production' },
      },
      { oauthEndpoints: simulatorOAuthEndpoints(simulator.url) },
    );
    await new Promise<void>((resolve) => callback.listen(port, '127.0.0.1', resolve));
    out = [];
  });
  afterEach(async () => {
    callback.closeAllConnections();
    await new Promise((resolve) => callback.close(resolve));
    await simulator.close();
    await stores.close();
  });

  /** The browser: follows Intuit's redirect to the https callback, reaching the service over plain HTTP as Cloud Run's front end does. */
  const follow = async (authorizeUrl: string, rewrite?: (callbackUrl: URL) => void): Promise<number> => {
    const consent = await fetch(authorizeUrl, { redirect: 'manual' });
    const location = new URL(consent.headers.get('location') ?? '');
    rewrite?.(location);
    location.protocol = 'http:';
    return (await fetch(location)).status;
  };

  const io = (openUrl: (url: string) => Promise<void>): CliIo & Parameters<typeof runConnectQbo>[1] => ({
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(`ERR ${t}`),
    readFile: () => Promise.resolve(''),
    env: {},
    cwd: '/nonexistent',
    secrets,
    flows: stores.syncState,
    pollMs: 20,
    callbackTimeoutMs: 10_000,
    openUrl,
  });

  it('opens a flow, lets the https callback complete it, and stores the tokens with the realm', async () => {
    const statuses: number[] = [];
    const exit = await runConnectQbo(
      ['--tenant', 'acme'],
      io(async (url) => void statuses.push(await follow(url))),
    );
    expect(out.join('\n')).toContain(`realm ${REALM}`);
    expect(exit).toBe(0);
    expect(statuses).toEqual([200]);
    const stored = JSON.parse((await secrets.read(secretNames.qboTokens('acme'))) ?? '{}') as Record<string, unknown>;
    expect(stored).toMatchObject({ realmId: REALM });
    const api = await fetch(`${simulator.url}/v3/company/${REALM}/item/1`, {
      headers: { authorization: `Bearer ${String(stored.access_token)}` },
    });
    expect(api.status).toBe(200);
  });

  it('refuses a callback with a forged state without ending the flow in progress', async () => {
    const statuses: number[] = [];
    const exit = await runConnectQbo(
      ['--tenant', 'acme'],
      io(async (url) => {
        statuses.push(await follow(url, (cb) => cb.searchParams.set('state', 'f'.repeat(32))));
        statuses.push(await follow(url));
      }),
    );
    expect(statuses).toEqual([400, 200]);
    expect(exit).toBe(0);
  });

  it('refuses to run a production app through an http callback', async () => {
    await secrets.write(
      secretNames.qboOAuthClient(),
      JSON.stringify({
        clientId: 'app',
        clientSecret: 'shh',
        environment: 'production',
        redirectUri: 'http://localhost:8765/callback',
      }),
    );
    await expect(
      runConnectQbo(
        ['--tenant', 'acme'],
        io(async () => undefined),
      ),
    ).rejects.toThrow(/https/);
  });
});

describe('connect-qbo on localhost and --disconnect', () => {
  let simulator: QboSimulator;
  let secrets: LocalFileSecretStore;
  let out: string[];
  let port: number;

  beforeEach(async () => {
    simulator = await startQboSimulator();
    simulator.seedCompany(REALM);
    secrets = new LocalFileSecretStore(mkdtempSync(join(tmpdir(), 'connect-local-')));
    port = await freePort();
    await secrets.write(
      secretNames.qboOAuthClient(),
      JSON.stringify({
        clientId: 'app',
        clientSecret: 'shh',
        redirectUri: `http://localhost:${port}/callback`,
        oauthBaseUrl: simulator.url,
      }),
    );
    out = [];
  });
  afterEach(() => simulator.close());

  const io = (extra: Partial<Parameters<typeof runConnectQbo>[1]>): Parameters<typeof runConnectQbo>[1] => ({
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(`ERR ${t}`),
    readFile: () => Promise.resolve(''),
    env: {},
    cwd: '/nonexistent',
    secrets,
    callbackTimeoutMs: 5_000,
    ...extra,
  });

  it('a request with a wrong state is refused and the flow goes on to complete', async () => {
    const exit = await runConnectQbo(
      ['--tenant', 'acme'],
      io({
        openUrl: async (url) => {
          const stray = await fetch(`http://127.0.0.1:${port}/callback?code=x&state=${'0'.repeat(32)}&realmId=1`);
          expect(stray.status).toBe(400);
          await fetch(url, { redirect: 'follow' });
        },
      }),
    );
    expect(exit).toBe(0);
    expect(JSON.parse((await secrets.read(secretNames.qboTokens('acme'))) ?? '{}')).toMatchObject({ realmId: REALM });
  });

  it('--disconnect writes the tombstone when Intuit answers invalid_grant (the grant is already dead)', async () => {
    await runConnectQbo(
      ['--tenant', 'acme'],
      io({ openUrl: async (url) => void (await fetch(url, { redirect: 'follow' })) }),
    );
    const exit = await runConnectQbo(
      ['--tenant', 'acme', '--disconnect'],
      io({
        oauthFor: () => ({
          authorizeUri: () => '',
          exchangeCode: () => Promise.reject(new Error('unused')),
          refresh: () => Promise.reject(new Error('unused')),
          revoke: () =>
            Promise.reject(
              new QboAuthError('revoke QBO tokens: refresh token rejected (invalid_grant)', {
                code: 'invalid_grant',
                status: 400,
                fault: undefined,
                intuitTid: undefined,
              }),
            ),
        }),
      }),
    );
    expect(exit).toBe(0);
    const after = JSON.parse((await secrets.read(secretNames.qboTokens('acme'))) ?? '{}') as Record<string, unknown>;
    expect(after).toMatchObject({ realmId: REALM, revoked_at: expect.any(String) });
    expect(after.access_token).toBeUndefined();
  });
});
