import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';

/**
 * Secrets have one name everywhere (DESIGN section 9): in Secret Manager and as files under `.local/secrets/<name>`
 * (`stripe-webhook-secret-<tenantId>`, `qbo-tokens-<tenantId>`, `stripe-api-key-<tenantId>`, `qbo-oauth-client`).
 */
export interface SecretStore {
  /** The latest version, or undefined when the secret does not exist. */
  read(name: string): Promise<string | undefined>;
  /** Stores a new version (Secret Manager) or replaces the file atomically (local). */
  write(name: string, value: string): Promise<void>;
}

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
}

export class SecretManagerSecretStore implements SecretStore {
  constructor(
    private readonly client: SecretManagerServiceClient,
    private readonly projectId: string,
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
}
