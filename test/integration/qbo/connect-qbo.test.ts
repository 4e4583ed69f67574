import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConnectQbo } from '../../../shared/cli/commands/connect-qbo';
import type { CliIo } from '../../../shared/cli/io';
import { startQboSimulator } from '../../../dev/qbo-simulator/server';
import type { QboSimulator } from '../../../dev/qbo-simulator/server';
import { LocalFileSecretStore, secretNames } from '../../../shared/secrets/secret-store';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('stripe-qbo connect-qbo against the simulator', () => {
  let simulator: QboSimulator;
  let secrets: LocalFileSecretStore;
  let out: string[];
  let io: CliIo & Parameters<typeof runConnectQbo>[1];

  beforeEach(async () => {
    simulator = await startQboSimulator();
    simulator.seedCompany('9130350000000042');
    secrets = new LocalFileSecretStore(mkdtempSync(join(tmpdir(), 'connect-qbo-')));
    const port = await freePort();
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
    io = {
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(`ERR ${t}`),
      readFile: () => Promise.resolve(''),
      env: {},
      cwd: '/nonexistent',
      secrets,
      // Stands in for the person clicking "Connect": the simulator approves and redirects to our callback.
      openUrl: async (url) => {
        await fetch(url, { redirect: 'follow' });
      },
      callbackTimeoutMs: 5_000,
    };
  });
  afterEach(async () => {
    await simulator.close();
  });

  it('runs the authorization-code flow and stores tokens with the realm id', async () => {
    await expect(runConnectQbo(['--tenant', 'acme'], io)).resolves.toBe(0);
    const stored = JSON.parse((await secrets.read(secretNames.qboTokens('acme'))) ?? '{}') as Record<string, unknown>;
    expect(stored).toMatchObject({ realmId: '9130350000000042' });
    expect(typeof stored.access_token).toBe('string');
    expect(Number(stored.expires_at)).toBeGreaterThan(Date.now());
    // The stored access token works against the company API.
    const response = await fetch(`${simulator.url}/v3/company/9130350000000042/item/1`, {
      headers: { authorization: `Bearer ${String(stored.access_token)}` },
    });
    expect(response.status).toBe(200);
    expect(out.join('\n')).not.toContain(String(stored.access_token));
  });

  it('--disconnect revokes the grant and leaves a tombstone', async () => {
    await runConnectQbo(['--tenant', 'acme'], io);
    const stored = JSON.parse((await secrets.read(secretNames.qboTokens('acme'))) ?? '{}') as Record<string, string>;
    await expect(runConnectQbo(['--tenant', 'acme', '--disconnect'], io)).resolves.toBe(0);
    const after = JSON.parse((await secrets.read(secretNames.qboTokens('acme'))) ?? '{}') as Record<string, unknown>;
    expect(after).toMatchObject({ realmId: '9130350000000042' });
    expect(after.access_token).toBeUndefined();
    const response = await fetch(`${simulator.url}/v3/company/9130350000000042/item/1`, {
      headers: { authorization: `Bearer ${stored.access_token ?? ''}` },
    });
    expect(response.status).toBe(401);
  });

  it('needs --tenant', async () => {
    await expect(runConnectQbo([], io)).rejects.toThrow('--tenant');
  });
});
