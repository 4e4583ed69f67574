import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { http as registerHttp } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { StripeReader } from '../../shared/stripe/ports';
import { OPS_COMMANDS } from '../../shared/cli/commands/ops';
import {
  CONTROL_TOPICS,
  ENTITIES,
  ENTITY_CONSUMER,
  ENTITY_TOPIC,
  deadLetterTopicName,
  topicName,
} from '../../shared/messaging/topics';
import type { QboSimulator } from '../qbo-simulator/server';
import { startQboSimulator } from '../qbo-simulator/server';
import { secretNames } from '../../shared/secrets/secret-store';
import { openDuckDbStores, type DuckDbStores } from '../../shared/stores/duckdb';
import { buildRuntime, type Runtime } from '../../shared/runtime/runtime';
import type { HttpHandler } from '../../shared/runtime/lazy-handler';
import { createQboAccess } from '../../shared/runtime/qbo-access';
import {
  composeBackfillHandler,
  composeConsole,
  composeConsumer,
  composeReplayHandler,
  composeWebhookServer,
} from '../../shared/runtime/compose';
import { localAuth } from '../../shared/console/auth/access';
import { createDuckDbEngine } from '../../shared/console/history/duckdb-engine';
import { loadConsoleSql } from '../../shared/console/history/queries';
import { createHistoryReader } from '../../shared/console/history/reader';
import { UNVERIFIED_LOCAL_EMULATOR_PUSHES } from '../../shared/consumers/push-auth';
import { createLogger } from '../../shared/observability/logger';
import { LocalArchiver } from './archiver';
import { injectCommitCrashes } from './crash-injection';
import { startPubSubEmulator, type RunningEmulator } from './emulators';
import { ensureLocalTopology, type PushRoute } from './topology';
import { startPushRelay } from './push-relay';
import { buildDemoTenant, DEMO_TENANT_COMPANY } from './demo-tenant';

export interface LocalStackOptions {
  /** Project root: `.local/` and `ddl/` are found under it. */
  rootDir?: string;
  /** 8080 for people (DESIGN section 9); 0 picks free ports for every function (tests, benchmarks). */
  webhookPort?: number;
  env?: NodeJS.ProcessEnv;
  /** The embedded store's file; ':memory:' for tests that need no file. */
  duckdbPath?: string;
  tenants?: TenantSettings[];
  /** Isolates topics and subscriptions on a shared emulator (tests run several stacks at once). */
  topicPrefix?: string;
  writeStackJson?: boolean;
  /** QBO simulator throttle clock: 1 = QBO's real windows. */
  qboTimeScale?: number;
  qboEnforceThrottle?: boolean;
  /** An already running simulator (the chaos run keeps it in its own process). */
  qboBaseUrl?: string;
  /**
   * The consumers' Stripe reads. Unset: a reader over the Stripe API with each tenant's key from the local secrets
   * (`stripe-api-key-<tenantId>`) and STRIPE_API_BASE, as deployed; `null`: none (payouts and basil charges park).
   */
  stripe?: StripeReader | null;
  logLevel?: string;
  /** Consumer dead-letter threshold (10, as production). */
  maxDeliveryAttempts?: number;
  /**
   * Consumer redelivery backoff in seconds, off by default: the emulator honours a retry policy but then drops for
   * good every message whose push met a refused connection (a stack restarting), where without one it redelivers
   * them once the endpoint is back (measured with the gcloud Pub/Sub emulator; see topology.ts).
   */
  retryBackoffSeconds?: { minimum: number; maximum: number };
  /** Ledger lease per attempt (5 s locally; production's 120 s): shorter than the redeliveries take. */
  leaseMs?: number;
  /** Chaos only: this fraction of ledger commits crash after the QBO write, as a killed consumer would. */
  crashBeforeCommit?: number;
  /**
   * How the consumers get their messages: `push` (default), the emulator's own push, at most two at a time per
   * endpoint; `relay`, the dev push relay (push-relay.ts), `relayMaxOutstanding` at a time per consumer, as a
   * production push subscription to Cloud Run delivers them (the backfill bench, so QBO batches can fill).
   */
  delivery?: 'push' | 'relay';
  relayMaxOutstanding?: number;
}

/**
 * Without a retry policy the emulator redelivers a refused message about once a second, so ten attempts span
 * about ten seconds (production: 10–600 s backoff, the better part of an hour). A crashed attempt's lease must
 * run out well inside that, or its object is dead-lettered instead of taken over.
 */
const LOCAL_LEASE_MS = 5_000;

/**
 * Behind the push relay a consumer has many messages in hand and a create may wait seconds for the realm's budget
 * or a batch (a create leaves only within half its lease: write-protocol.ts), so the lease is longer; the relay
 * paces redelivery so that ten attempts (the dead-letter threshold) still outlast two leases.
 */
const RELAY_LEASE_MS = 30_000;
const RELAY_NACK_DELAY_MS = 6_000;

export interface StackTenant {
  tenantId: string;
  webhookUrl: string;
  realmId: string;
}

export interface LocalStack {
  urls: Record<string, string>;
  tenants: StackTenant[];
  runtime: Runtime;
  stores: DuckDbStores;
  archiver: LocalArchiver;
  simulator: QboSimulator | undefined;
  qboBaseUrl: string;
  topicPrefix: string;
  /** Commits turned into crashes so far (`crashBeforeCommit`). */
  injectedCrashes(): number;
  stop(): Promise<void>;
}

function listen(server: Server, port: number): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      if (typeof address !== 'object' || address === null) return reject(new Error('no address'));
      resolveUrl(`http://127.0.0.1:${address.port}`);
    });
  });
}

/**
 * The whole pipeline in one Node process (DESIGN section 9): every function under functions-framework on its own
 * port, the Pub/Sub emulator pushing to them, the embedded DuckDB store, local secrets, the QBO simulator.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const rootDir = resolve(options.rootDir ?? process.cwd());
  const localDir = join(rootDir, '.local');
  const env = { ...(options.env ?? process.env) };
  const cleanups: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    let emulator: RunningEmulator | undefined;
    if (!env.PUBSUB_EMULATOR_HOST) {
      emulator = await startPubSubEmulator();
      env.PUBSUB_EMULATOR_HOST = emulator.host;
      cleanups.push(() => emulator!.stop());
    }
    env.GOOGLE_CLOUD_PROJECT ??= 'stripe-qbo-local';
    env.SECRETS_DIR ??= join(localDir, 'secrets');
    if (options.logLevel) env.LOG_LEVEL = options.logLevel;
    const topicPrefix = options.topicPrefix ?? env.TOPIC_PREFIX ?? '';
    env.TOPIC_PREFIX = topicPrefix;

    let simulator: QboSimulator | undefined;
    let qboBaseUrl = options.qboBaseUrl ?? env.QBO_BASE_URL;
    if (!qboBaseUrl) {
      simulator = await startQboSimulator({
        timeScale: options.qboTimeScale ?? 1,
        enforceThrottle: options.qboEnforceThrottle ?? true,
      });
      qboBaseUrl = simulator.url;
      const running = simulator;
      cleanups.push(() => running.close());
    }

    const stores = await openDuckDbStores(options.duckdbPath ?? env.DUCKDB_PATH ?? join(localDir, 'stripe-qbo.duckdb'));
    cleanups.push(() => stores.close());
    const runtime = await buildRuntime('local-stack', env, { stores });
    cleanups.push(() => runtime.close());

    const archiver = new LocalArchiver(stores.database, join(rootDir, 'ddl'), runtime.logger);
    await archiver.prepare();

    const tenants = options.tenants ?? [buildDemoTenant()];
    const qboAccess = createQboAccess({
      runtime,
      baseUrl: qboBaseUrl,
      ...(simulator || options.qboBaseUrl ? { simulatorUrl: qboBaseUrl } : {}),
      ...(options.qboTimeScale !== undefined ? { timeScale: options.qboTimeScale } : {}),
    });
    // Gives the realm's QBO budget seats back, so a restarted stack need not wait for them to lapse.
    cleanups.push(() => qboAccess.close());
    // The local OAuth app: the simulator accepts any client credentials, real QBO needs `connect-qbo` first.
    if (!(await runtime.secrets.read(secretNames.qboOAuthClient())))
      await runtime.secrets.write(
        secretNames.qboOAuthClient(),
        JSON.stringify({ clientId: 'local-stack', clientSecret: 'local-stack' }),
      );
    for (const tenant of tenants) {
      await stores.tenants.put(tenant);
      if (!(await runtime.secrets.read(secretNames.stripeWebhookSecret(tenant.tenantId))))
        await runtime.secrets.write(
          secretNames.stripeWebhookSecret(tenant.tenantId),
          `whsec_local_${randomBytes(24).toString('hex')}`,
        );
      // The consumers read Stripe with the tenant's key, as deployed: without one those reads fail as auth.
      if (options.stripe === undefined && !(await runtime.secrets.read(secretNames.stripeApiKey(tenant.tenantId))))
        runtime.logger.warn(
          { tenantId: tenant.tenantId, secretName: secretNames.stripeApiKey(tenant.tenantId) },
          'no Stripe API key: reads for payouts, basil charges and unmapped products will fail as auth (needs_reauth)',
        );
      if (simulator) {
        simulator.seedCompany(tenant.qbo.realmId, DEMO_TENANT_COMPANY);
        await qboAccess.storeTokens(tenant.tenantId, tenant.qbo.realmId, simulator.issueTokens(tenant.qbo.realmId));
      }
    }

    // One logger per function, as each would have deployed (a child's binding would repeat the `function` key).
    const loggerFor = (functionName: string) => createLogger({ functionName, level: runtime.config.logLevel });
    const crashInjection = options.crashBeforeCommit
      ? injectCommitCrashes(stores, options.crashBeforeCommit)
      : undefined;
    const consumerStores = crashInjection?.stores ?? stores;
    const stackId = randomUUID().slice(0, 8);
    const servers: Server[] = [];
    cleanups.push(async () => {
      await Promise.all(servers.map((server) => new Promise<void>((done) => server.close(() => done()))));
    });
    const serve = async (name: string, handler: HttpHandler, port: number): Promise<string> => {
      const registered = `${name.replace(/-/g, '_')}_${stackId}`;
      registerHttp(registered, handler);
      const server = getTestServer(registered);
      servers.push(server);
      return listen(server, port);
    };
    const ephemeral = options.webhookPort === 0;
    const basePort = options.webhookPort ?? 8080;
    let offset = 0;
    const nextPort = () => (ephemeral ? 0 : basePort + ++offset);

    const urls: Record<string, string> = {};
    // The webhook runs on its own bounded server, as deployed (shared/ingest/public-server.ts).
    const webhookServer = composeWebhookServer(runtime, { logger: loggerFor('stripe-webhook') });
    servers.push(webhookServer);
    urls.webhook = await listen(webhookServer, basePort);
    for (const entity of ENTITIES) {
      const consumer = composeConsumer(runtime, entity, {
        // The emulator's pushes carry no OIDC token: the one place verification is off (DESIGN section 10).
        pushAuth: UNVERIFIED_LOCAL_EMULATOR_PUSHES,
        logger: loggerFor(ENTITY_CONSUMER[entity]),
        stores: consumerStores,
        qboAccess,
        ...(options.stripe !== undefined ? { stripe: options.stripe } : {}),
        instanceId: stackId,
        maxDeliveryAttempts: options.maxDeliveryAttempts ?? 10,
        leaseMs: options.leaseMs ?? (options.delivery === 'relay' ? RELAY_LEASE_MS : LOCAL_LEASE_MS),
      });
      urls[ENTITY_CONSUMER[entity]] = await serve(ENTITY_CONSUMER[entity], consumer.handle, nextPort());
    }
    urls.archiver = await serve('archiver', archiver.handler(), nextPort());
    urls.replay = await serve(
      'replay',
      composeReplayHandler(runtime, { logger: loggerFor('replay'), qboAccess }),
      nextPort(),
    );
    urls.backfill = await serve(
      'backfill',
      composeBackfillHandler(runtime, {
        logger: loggerFor('backfill'),
        ...(options.stripe !== undefined ? { stripe: options.stripe } : {}),
      }),
      nextPort(),
    );
    // Operator commands while the stack owns the DuckDB file (shared/cli/ops-context.ts forwards them here).
    urls.ops = `${await serve(
      'ops',
      async (req, res) => {
        const { command, argv } = (req.body ?? {}) as { command?: string; argv?: string[] };
        const run = command ? OPS_COMMANDS[command] : undefined;
        if (!run || !Array.isArray(argv)) {
          res.status(400).json({ exitCode: 2, stdout: '', stderr: `unknown ops command ${String(command)}` });
          return;
        }
        let stdout = '';
        let stderr = '';
        const out = {
          stdout: (text: string) => (stdout += `${text}\n`),
          stderr: (text: string) => (stderr += `${text}\n`),
        };
        try {
          const exitCode = await run(argv, { ...runtime, stores, topicPrefix, env }, out);
          res.json({ exitCode, stdout, stderr });
        } catch (error) {
          res.json({ exitCode: 1, stdout, stderr: `${stderr}${(error as Error).message}\n` });
        }
      },
      nextPort(),
    )}/`;
    // The operator console over the same stores, its history from the archiver's tables (BigQuery's columns) with
    // the same SQL as production. No IAP locally: it listens on 127.0.0.1 only, like every part of the stack.
    const ddlDir = join(rootDir, 'ddl');
    const history = createHistoryReader(await createDuckDbEngine(stores.database, loadConsoleSql(ddlDir), ddlDir));
    urls.console = await serve(
      'console',
      composeConsole(runtime, { history, auth: localAuth(), logger: loggerFor('console') }),
      nextPort(),
    );
    urls.qboSimulator = qboBaseUrl;
    urls.pubsubEmulator = env.PUBSUB_EMULATOR_HOST;
    urls.store = options.duckdbPath ?? env.DUCKDB_PATH ?? join(localDir, 'stripe-qbo.duckdb');

    const sub = (name: string) => `${topicPrefix}${name}`;
    const routes: PushRoute[] = [];
    for (const entity of ENTITIES) {
      const topic = topicName(topicPrefix, ENTITY_TOPIC[entity]);
      routes.push({
        topic,
        subscription: sub(ENTITY_CONSUMER[entity]),
        endpoint: urls[ENTITY_CONSUMER[entity]]!,
        maxDeliveryAttempts: options.maxDeliveryAttempts ?? 10,
        ...(options.retryBackoffSeconds ? { retryBackoffSeconds: options.retryBackoffSeconds } : {}),
        ...(options.delivery === 'relay' ? { relay: true } : {}),
      });
      routes.push({
        topic,
        subscription: sub(`${ENTITY_TOPIC[entity]}-archive`),
        endpoint: `${urls.archiver}/archive/events_archive`,
      });
      routes.push({
        topic: deadLetterTopicName(topicPrefix, ENTITY_TOPIC[entity]),
        subscription: sub(`${ENTITY_TOPIC[entity]}-dead-letter-archive`),
        // A pull subscription, as in production: `stripe-qbo dlq list|redrive` reads it.
        endpoint: '',
      });
      routes.push({
        topic: deadLetterTopicName(topicPrefix, ENTITY_TOPIC[entity]),
        subscription: sub(`${ENTITY_TOPIC[entity]}-dead-letter-to-archive`),
        // Production's BigQuery subscription into dead_letters, played by the archiver.
        endpoint: `${urls.archiver}/archive/dead_letters`,
      });
    }
    routes.push({
      topic: topicName(topicPrefix, CONTROL_TOPICS.schedulerTicks),
      subscription: sub('replay'),
      endpoint: urls.replay,
      maxDeliveryAttempts: options.maxDeliveryAttempts ?? 10,
      ...(options.retryBackoffSeconds ? { retryBackoffSeconds: options.retryBackoffSeconds } : {}),
    });
    routes.push({
      topic: topicName(topicPrefix, CONTROL_TOPICS.opsBackfill),
      subscription: sub('backfill'),
      endpoint: urls.backfill,
      maxDeliveryAttempts: options.maxDeliveryAttempts ?? 10,
      ...(options.retryBackoffSeconds ? { retryBackoffSeconds: options.retryBackoffSeconds } : {}),
    });
    routes.push({
      topic: topicName(topicPrefix, CONTROL_TOPICS.auditRecords),
      subscription: sub('audit-records-archive'),
      endpoint: `${urls.archiver}/archive/audit_records`,
    });
    routes.push({
      topic: topicName(topicPrefix, CONTROL_TOPICS.linkRecords),
      subscription: sub('link-records-archive'),
      endpoint: `${urls.archiver}/archive/link_records`,
    });
    await ensureLocalTopology(runtime.pubsub, topicPrefix, routes);
    if (options.delivery === 'relay') {
      const relay = startPushRelay({
        pubsub: runtime.pubsub,
        routes: routes.filter((route) => route.relay),
        logger: loggerFor('push-relay'),
        nackDelayMs: RELAY_NACK_DELAY_MS,
        ...(options.relayMaxOutstanding !== undefined ? { maxOutstanding: options.relayMaxOutstanding } : {}),
      });
      cleanups.push(() => relay.stop());
    }

    const stackTenants = tenants.map((tenant) => ({
      tenantId: tenant.tenantId,
      webhookUrl: `${urls.webhook}/${tenant.tenantId}`,
      realmId: tenant.qbo.realmId,
    }));
    if (options.writeStackJson ?? true) {
      await mkdir(localDir, { recursive: true });
      await writeFile(
        join(localDir, 'stack.json'),
        `${JSON.stringify({ ...urls, tenants: stackTenants, startedAt: new Date().toISOString(), pid: process.pid }, null, 2)}\n`,
      );
    }
    return {
      urls,
      tenants: stackTenants,
      runtime,
      stores,
      archiver,
      simulator,
      qboBaseUrl,
      topicPrefix,
      injectedCrashes: () => crashInjection?.crashes() ?? 0,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
