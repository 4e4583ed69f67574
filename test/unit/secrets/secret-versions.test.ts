import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import pino from 'pino';
import { storedTokensFrom, writeStoredTokens } from '../../../shared/qbo/auth/token-provider';
import { SecretManagerSecretStore, secretNames } from '../../../shared/secrets/secret-store';

/**
 * Secret Manager has no emulator, so its client is the edge we fake: versions as the API lists them
 * (`projects/p/secrets/<name>/versions/<n>`, newest first), and the calls the store makes.
 */
class FakeSecretManager {
  readonly versions = new Map<
    string,
    Array<{ n: number; state: 'ENABLED' | 'DISABLED' | 'DESTROYED'; data: string }>
  >();
  readonly destroyed: string[] = [];
  denyDestroy = false;

  private list(name: string) {
    const found = this.versions.get(name) ?? [];
    this.versions.set(name, found);
    return found;
  }

  async addSecretVersion(request: { parent: string; payload: { data: Buffer } }) {
    const name = request.parent.split('/').pop() ?? '';
    const versions = this.list(name);
    versions.push({ n: versions.length + 1, state: 'ENABLED', data: request.payload.data.toString('utf8') });
    return [{ name: `${request.parent}/versions/${versions.length}` }];
  }

  async accessSecretVersion(request: { name: string }) {
    const name = request.name.split('/')[3] ?? '';
    const latest = [...this.list(name)].reverse().find((v) => v.state === 'ENABLED');
    if (!latest) throw Object.assign(new Error('NOT_FOUND'), { code: 5 });
    return [{ payload: { data: Buffer.from(latest.data) } }];
  }

  async listSecretVersions(request: { parent: string; filter?: string }) {
    const name = request.parent.split('/').pop() ?? '';
    const listed = [...this.list(name)]
      .reverse()
      .filter((v) => !request.filter || v.state !== 'DESTROYED')
      .map((v) => ({ name: `${request.parent}/versions/${v.n}`, state: v.state }));
    return [listed];
  }

  async destroySecretVersion(request: { name: string }) {
    if (this.denyDestroy) throw Object.assign(new Error('PERMISSION_DENIED'), { code: 7 });
    const [, , , name, , n] = request.name.split('/');
    const version = this.list(name ?? '').find((v) => v.n === Number(n));
    if (version) version.state = 'DESTROYED';
    this.destroyed.push(request.name);
    return [{}];
  }
}

const tokens = (n: number) =>
  storedTokensFrom(
    { access_token: `at-${n}`, refresh_token: `rt-${n}`, expires_in: 3600, x_refresh_token_expires_in: 8_726_400 },
    '9130350000000000',
    1_700_000_000_000,
  );

describe('QBO token versions in Secret Manager', () => {
  const name = secretNames.qboTokens('acme');

  it('keeps the latest and the previous version of qbo-tokens and destroys every older one', async () => {
    const fake = new FakeSecretManager();
    const store = new SecretManagerSecretStore(fake as unknown as SecretManagerServiceClient, 'p');
    for (let n = 1; n <= 5; n += 1) await writeStoredTokens(store, 'acme', tokens(n));
    const states = fake.versions.get(name)?.map((v) => `${v.n}:${v.state}`);
    expect(states).toEqual(['1:DESTROYED', '2:DESTROYED', '3:DESTROYED', '4:ENABLED', '5:ENABLED']);
    expect(JSON.parse((await store.read(name)) ?? '{}')).toMatchObject({ access_token: 'at-5' });
  });

  it('still stores the new pair when destroying old versions is refused', async () => {
    const fake = new FakeSecretManager();
    fake.denyDestroy = true;
    const lines: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => lines.push(line) });
    const store = new SecretManagerSecretStore(fake as unknown as SecretManagerServiceClient, 'p', logger);
    for (let n = 1; n <= 3; n += 1) await writeStoredTokens(store, 'acme', tokens(n));
    expect(JSON.parse((await store.read(name)) ?? '{}')).toMatchObject({ access_token: 'at-3' });
    expect(lines.join('')).toContain('secret_prune_failed');
  });

  it('destroys a bounded number per write, so a long backlog drains over several refreshes', async () => {
    const fake = new FakeSecretManager();
    fake.versions.set(
      name,
      Array.from({ length: 130 }, (_, i) => ({ n: i + 1, state: 'ENABLED' as const, data: JSON.stringify(tokens(i)) })),
    );
    const store = new SecretManagerSecretStore(fake as unknown as SecretManagerServiceClient, 'p');
    await writeStoredTokens(store, 'acme', tokens(131));
    expect(fake.destroyed.length).toBeLessThanOrEqual(50);
    expect(fake.destroyed.length).toBeGreaterThan(0);
    await writeStoredTokens(store, 'acme', tokens(132));
    await writeStoredTokens(store, 'acme', tokens(133));
    const enabled = fake.versions
      .get(name)
      ?.filter((v) => v.state === 'ENABLED')
      .map((v) => v.n);
    expect(enabled).toEqual([132, 133]);
  });
});
