import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { Logger } from '../observability/logger';

/**
 * Secrets have one name everywhere (DESIGN section 9): in Secret Manager and as files under `.local/secrets/<name>`
 * (`stripe-webhook-secret-<tenantId>`, `qbo-tokens-<tenantId>`, `stripe-api-key-<tenantId>`, `qbo-oauth-client`).
 */
export interface SecretStore {
  /** The latest version, or undefined when the secret does not exist. */
  read(name: string): Promise<string | undefined>;
  /** Stores a new version (Secret Manager) or replaces the file atomically (local). */
  write(name: string, value: string): Promise<void>;
  /**
   * For a secret rewritten often (`qbo-tokens-*`: every refresh, ~24 a day): write, then destroy every version
   * older than the previous one, best effort. Stores without versions (local files, test doubles) omit it and
   * callers fall back to `write`.
   */
  rotate?(name: string, value: string): Promise<void>;
}

/**
 * Versions a rotation keeps: the new one, and the previous one, which an instance that read it a moment ago may
 * still hold (Intuit honours the previous refresh token for 24 h after issuing a new one).
 */
export const ROTATION_KEEPS_VERSIONS = 2;
/** A long backlog (a deployment from before rotation pruned) drains over several refreshes, each one bounded. */
export const MAX_VERSIONS_DESTROYED_PER_ROTATION = 50;

export const secretNames = {
  stripeWebhookSecret: (tenantId: string) => `stripe-webhook-secret-${tenantId}`,
  stripeApiKey: (tenantId: string) => `stripe-api-key-${tenantId}`,
  qboTokens: (tenantId: string) => `qbo-tokens-${tenantId}`,
  qboOAuthClient: () => 'qbo-oauth-client',
} as const;

function assertSafeName(name: string): void {
  if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) throw new Error(`invalid secret name: ${name}`);
}

export class LocalFileSecretStore implements SecretStore {
  constructor(private readonly dir: string) {}

  async read(name: string): Promise<string | undefined> {
    assertSafeName(name);
    try {
      return (await readFile(join(this.dir, name), 'utf8')).trimEnd();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(name: string, value: string): Promise<void> {
    assertSafeName(name);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const target = join(this.dir, name);
    const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, value, { mode: 0o600 });
    await rename(temporary, target);
  }

  rotate(name: string, value: string): Promise<void> {
    return this.write(name, value);
  }
}

export class SecretManagerSecretStore implements SecretStore {
  constructor(
    private readonly client: SecretManagerServiceClient,
    private readonly projectId: string,
    private readonly logger?: Logger,
  ) {}

  async read(name: string): Promise<string | undefined> {
    assertSafeName(name);
    try {
      const [version] = await this.client.accessSecretVersion({
        name: `projects/${this.projectId}/secrets/${name}/versions/latest`,
      });
      const data = version.payload?.data;
      if (data === undefined || data === null) return undefined;
      return typeof data === 'string' ? data : Buffer.from(data).toString('utf8');
    } catch (error) {
      if ((error as { code?: number }).code === 5) return undefined; // NOT_FOUND
      throw error;
    }
  }

  async write(name: string, value: string): Promise<void> {
    assertSafeName(name);
    await this.client.addSecretVersion({
      parent: `projects/${this.projectId}/secrets/${name}`,
      payload: { data: Buffer.from(value, 'utf8') },
    });
  }

  /**
   * Without this every refresh leaves a version behind for good (~24 a day per tenant), each a live copy of a
   * refresh token and a line on the bill. Needs `secretmanager.versions.list` and `.destroy` on the secret
   * (infra/secrets.tf grants exactly add, list and destroy on qbo-tokens-*). A failure to prune is logged, never
   * thrown: the new pair is stored, and the next rotation tries again.
   */
  async rotate(name: string, value: string): Promise<void> {
    await this.write(name, value);
    try {
      const parent = `projects/${this.projectId}/secrets/${name}`;
      const [versions] = await this.client.listSecretVersions({
        parent,
        filter: 'state:ENABLED OR state:DISABLED',
      });
      const numbered = versions
        .map((version) => ({ name: version.name ?? '', n: Number((version.name ?? '').split('/').pop()) }))
        .filter((version) => version.name !== '' && Number.isInteger(version.n))
        .sort((a, b) => b.n - a.n);
      const stale = numbered.slice(
        ROTATION_KEEPS_VERSIONS,
        ROTATION_KEEPS_VERSIONS + MAX_VERSIONS_DESTROYED_PER_ROTATION,
      );
      for (const version of stale) await this.client.destroySecretVersion({ name: version.name });
    } catch (error) {
      this.logger?.warn({ secretName: name, reason: 'secret_prune_failed', err: error }, 'old secret versions kept');
    }
  }
}
