import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IssuedTokens } from '../dev/qbo-simulator/server';
import { startLocalStack, type LocalStack } from '../dev/local-stack/stack';
import { secretNames } from '../shared/secrets/secret-store';
import { buildScenario, createScenarioStripeReader } from '../dev/scenario/scenario';

/**
 * The local stack as a child process of the benchmark or the chaos driver, so the driver can measure its memory
 * alone and SIGKILL it mid-run. Started with `fork()`: its configuration is the JSON in argv[2], it prints one JSON
 * line `{"ready":true,...}` on stdout once up, and answers IPC requests (`rss`, `all` for a read-only SQL query on
 * its DuckDB file, `stop`).
 */
export interface StackProcessConfig {
  seed: number;
  objects: number;
  rootDir: string;
  duckdbPath: string;
  secretsDir: string;
  topicPrefix: string;
  logLevel: string;
  /** An external simulator (the chaos run): the process stores its tokens unless a previous run left some. */
  qboBaseUrl?: string;
  qboTimeScale?: number;
  qboEnforceThrottle?: boolean;
  /** Tokens the driver obtained from the external simulator (`POST /__sim/tokens`). */
  qboTokens?: IssuedTokens;
  realmId?: string;
  /** Ledger lease and redelivery backoff (the chaos run shortens both, keeping the lease inside the backoff). */
  leaseMs?: number;
  retryBackoffSeconds?: { minimum: number; maximum: number };
  /** Fraction of ledger commits that crash after the QBO write (the chaos run's consumer crashes). */
  crashBeforeCommit?: number;
  maxDeliveryAttempts?: number;
  /** The consumers' delivery (dev/local-stack/stack.ts): the emulator's push, or the dev push relay. */
  delivery?: 'push' | 'relay';
  relayMaxOutstanding?: number;
}

export interface StackProcessReady {
  ready: true;
  pid: number;
  urls: Record<string, string>;
  tenants: LocalStack['tenants'];
}

export type StackRequest =
  | { id: number; op: 'rss' }
  | { id: number; op: 'crashes' }
  | { id: number; op: 'dbstats' }
  | { id: number; op: 'all'; sql: string }
  | { id: number; op: 'stop' };

export interface StackReply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

async function storeTokensOnce(config: StackProcessConfig): Promise<void> {
  if (!config.qboTokens || !config.realmId) return;
  const file = join(config.secretsDir, secretNames.qboTokens('demo'));
  // A restarted stack keeps the refreshed pair the killed one stored: the first one may already be rotated out.
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing) return;
  const now = Date.now();
  await mkdir(config.secretsDir, { recursive: true });
  await writeFile(
    file,
    JSON.stringify({
      access_token: config.qboTokens.access_token,
      refresh_token: config.qboTokens.refresh_token,
      expires_at: now + config.qboTokens.expires_in * 1000,
      refresh_expires_at: now + config.qboTokens.x_refresh_token_expires_in * 1000,
      realmId: config.realmId,
    }),
  );
}

/** DuckDB returns BIGINT as bigint, which neither JSON nor IPC carries. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)));
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as StackProcessConfig;
  const scenario = buildScenario({
    seed: config.seed,
    objects: config.objects,
    fixturesDir: join(config.rootDir, 'test', 'fixtures', 'stripe'),
  });
  await storeTokensOnce(config);
  const stack = await startLocalStack({
    rootDir: config.rootDir,
    webhookPort: 0,
    duckdbPath: config.duckdbPath,
    topicPrefix: config.topicPrefix,
    writeStackJson: false,
    logLevel: config.logLevel,
    stripe: createScenarioStripeReader(scenario),
    ...(config.qboBaseUrl ? { qboBaseUrl: config.qboBaseUrl } : {}),
    ...(config.qboTimeScale !== undefined ? { qboTimeScale: config.qboTimeScale } : {}),
    ...(config.qboEnforceThrottle !== undefined ? { qboEnforceThrottle: config.qboEnforceThrottle } : {}),
    ...(config.leaseMs !== undefined ? { leaseMs: config.leaseMs } : {}),
    ...(config.retryBackoffSeconds ? { retryBackoffSeconds: config.retryBackoffSeconds } : {}),
    ...(config.crashBeforeCommit ? { crashBeforeCommit: config.crashBeforeCommit } : {}),
    ...(config.maxDeliveryAttempts ? { maxDeliveryAttempts: config.maxDeliveryAttempts } : {}),
    ...(config.delivery ? { delivery: config.delivery } : {}),
    ...(config.relayMaxOutstanding !== undefined ? { relayMaxOutstanding: config.relayMaxOutstanding } : {}),
    env: { ...process.env, SECRETS_DIR: config.secretsDir, LOG_LEVEL: config.logLevel },
  });
  // How busy the one DuckDB connection is (every statement of every store and the archiver queues on it): the
  // bench reports it, since it bounds what the one local process can do.
  const dbStats = { statements: 0, busyMs: 0 };
  const database = stack.stores.database as unknown as {
    exclusive: <T>(work: (sql: unknown) => Promise<T>) => Promise<T>;
  };
  const exclusive = database.exclusive.bind(database);
  database.exclusive = <T>(work: (sql: unknown) => Promise<T>) =>
    exclusive(async (sql) => {
      const started = performance.now();
      try {
        return await work(sql);
      } finally {
        dbStats.statements += 1;
        dbStats.busyMs += performance.now() - started;
      }
    });
  const ready: StackProcessReady = {
    ready: true,
    pid: process.pid,
    urls: stack.urls,
    tenants: stack.tenants,
  };
  // Not the webhook secret: stdout is a log stream (kept in the chaos run's stack.log), and a secret has no place
  // in a log. The driver reads it from the secrets directory it gave this process.
  process.stdout.write(`${JSON.stringify(ready)}\n`);

  process.on('message', (message: StackRequest) => {
    const reply = (value: unknown) => process.send?.({ id: message.id, ok: true, value } satisfies StackReply);
    const fail = (error: unknown) =>
      process.send?.({ id: message.id, ok: false, error: (error as Error).message } satisfies StackReply);
    if (message.op === 'rss') reply({ maxRssMb: process.resourceUsage().maxRSS / 1024 });
    else if (message.op === 'crashes') reply({ crashes: stack.injectedCrashes() });
    else if (message.op === 'dbstats') reply({ ...dbStats, cpu: process.cpuUsage() });
    else if (message.op === 'all')
      stack.stores.database
        .all(message.sql)
        .then((rows) => reply(plain(rows)))
        .catch(fail);
    else if (message.op === 'stop')
      stack
        .stop()
        .then(() => reply({ stopped: true }))
        .catch(fail)
        .finally(() => setTimeout(() => process.exit(0), 50));
  });
  process.on('disconnect', () => {
    void stack.stop().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`stack process failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
