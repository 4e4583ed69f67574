import { randomUUID } from 'node:crypto';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { runBackfill, type BackfillDeps } from '../backfill/backfill';
import { createDryRunPlanner } from '../backfill/dry-run-plans';
import type { Config } from '../config/config';
import { createEntityConsumer, type EntityConsumer, type StripeReader } from '../consumers/entity-consumer';
import { pushAuthFromEnv, type PushAuthenticator } from '../consumers/push-auth';
import type { QboWriter } from '../consumers/qbo-port';
import type { Server } from 'node:http';
import { createPublicServer } from '../ingest/public-server';
import {
  createStripeWebhookHandler,
  DEFAULT_MAX_WEBHOOK_BODY_BYTES,
  WEBHOOK_FUNCTION_NAME,
  type StripeWebhookHandler,
} from '../ingest/webhook-handler';
import { ENTITY_CONSUMER, type Entity } from '../messaging/topics';
import type { Logger } from '../observability/logger';
import { createCommandHandler } from '../replay/command-handler';
import type { ConsoleDeps } from '../console/app';
import { iapAuth, type ConsoleAuth } from '../console/auth/access';
import { createIapVerifier } from '../console/auth/iap-jwt';
import { parseConsoleConfig } from '../console/config';
import { consoleHandler } from '../console/handler';
import { createBigQueryEngine } from '../console/history/bigquery-engine';
import { loadConsoleSql } from '../console/history/queries';
import { createHistoryReader, type HistoryReader } from '../console/history/reader';
import type { ConsoleWindows } from '../console/load';
import { runReplay, type ReplayDeps } from '../replay/replay';
import type { Stores } from '../stores/ports';
import { createStripeClientFactory } from '../stripe/client';
import type { HttpHandler } from './lazy-handler';
import { createQboAccess, intuitApiBase, qboOAuthClientFromSecret, type QboAccess } from './qbo-access';
import type { QboOAuthEndpoints } from '../qbo/auth/intuit-oauth-client';
import { createQboConnectCallbackHandler } from '../qbo/auth/connect-callback';
import { buildRuntime, type Runtime } from './runtime';
import { createStripeReader } from './stripe-reader';

/**
 * The one composition of every handler (STYLE rule 3): each is built from a Runtime plus a few options. The
 * deployed functions (functions/), the local stack, the benchmark processes and the tests all build handlers here,
 * so what runs locally and in tests is wired as production is. A Runtime has every part; a test may pass its own
 * parts of the same shape.
 */

export const REPLAY_FUNCTION_NAME = 'replay';
export const BACKFILL_FUNCTION_NAME = 'backfill';
export const CONSOLE_FUNCTION_NAME = 'console';
export const QBO_CONNECT_FUNCTION_NAME = 'qbo-connect';

/** What the webhook is built from. */
export type WebhookParts = Pick<Runtime, 'publisher' | 'secrets' | 'audit' | 'logger' | 'validators' | 'now'> & {
  stores: Pick<Stores, 'tenants'>;
  config: Pick<Config, 'topicPrefix'>;
};

export interface WebhookOptions {
  /** The function's own logger where several functions share one runtime (the local stack). */
  logger?: Logger;
  cacheTtlMs?: number;
  /** How long the body may take to arrive (10 s by default). */
  bodyTimeoutMs?: number;
}

export function composeWebhookHandler(runtime: WebhookParts, options: WebhookOptions = {}): StripeWebhookHandler {
  return createStripeWebhookHandler({
    publisher: runtime.publisher,
    secrets: runtime.secrets,
    tenants: runtime.stores.tenants,
    audit: runtime.audit,
    logger: options.logger ?? runtime.logger,
    validators: runtime.validators,
    topicPrefix: runtime.config.topicPrefix,
    now: runtime.now,
    ...(options.cacheTtlMs !== undefined ? { cacheTtlMs: options.cacheTtlMs } : {}),
  });
}

/**
 * The webhook on its own bounded HTTP server (ingest/public-server.ts), as it is deployed (a Cloud Run service
 * running `node dist/functions/stripe-webhook.js`) and as the local stack, the benchmark and the tests serve it.
 */
export function composeWebhookServer(runtime: WebhookParts, options: WebhookOptions = {}): Server {
  const handle = composeWebhookHandler(runtime, options);
  return createPublicServer(handle, {
    maxBodyBytes: DEFAULT_MAX_WEBHOOK_BODY_BYTES,
    ...(options.bodyTimeoutMs !== undefined ? { bodyTimeoutMs: options.bodyTimeoutMs } : {}),
  });
}

/**
 * The `qbo-connect` service: Intuit's https redirect for production connects (shared/qbo/auth/connect-flow.ts), on
 * the same bounded server as the webhook. GET only, so any body is refused.
 */
export function composeQboConnectServer(
  runtime: Pick<Runtime, 'secrets' | 'logger' | 'now'> & {
    stores: Pick<Stores, 'syncState'>;
    config: Pick<Config, 'qboEnvironment'>;
  },
  options: { oauthEndpoints?: Partial<QboOAuthEndpoints>; logger?: Logger } = {},
): Server {
  const handle = createQboConnectCallbackHandler({
    syncState: runtime.stores.syncState,
    secrets: runtime.secrets,
    oauth: () => qboOAuthClientFromSecret(runtime.secrets, runtime.config.qboEnvironment, options.oauthEndpoints),
    logger: options.logger ?? runtime.logger,
    now: () => runtime.now().getTime(),
  });
  return createPublicServer(handle, { maxBodyBytes: 0 });
}

/** What a consumer, replay and backfill are built from. */
export type HandlerParts = Pick<
  Runtime,
  'config' | 'logger' | 'publisher' | 'secrets' | 'stores' | 'audit' | 'validators' | 'now'
>;

export interface ConsumerOptions {
  logger?: Logger;
  /** The stores the consumer writes through (a crash-injecting ledger in the chaos run); the runtime's by default. */
  stores?: Stores;
  /** QBO clients shared by several consumers (the local stack's, pointed at the simulator); one of its own by default. */
  qboAccess?: QboAccess;
  /** A QBO writer of the test's making; wins over `qboAccess`. */
  qboFor?: (tenant: TenantSettings) => Promise<QboWriter>;
  /** Stripe reads for enrich and resolve-refs: built from the runtime unless given; `null` wires none. */
  stripe?: StripeReader | null;
  instanceId?: string;
  maxDeliveryAttempts?: number;
  leaseMs?: number;
  /**
   * Who may push: the deployed consumer's OIDC verifier (pushAuthFromEnv), or, in the local stack only, the
   * emulator's unauthenticated pushes. Required: there is no default to fall back on.
   */
  pushAuth: PushAuthenticator;
}

export function composeConsumer(runtime: HandlerParts, entity: Entity, options: ConsumerOptions): EntityConsumer {
  const stripe = options.stripe === null ? undefined : (options.stripe ?? createStripeReader(runtime));
  return createEntityConsumer({
    entity,
    functionName: ENTITY_CONSUMER[entity],
    logger: options.logger ?? runtime.logger,
    validators: runtime.validators,
    stores: options.stores ?? runtime.stores,
    audit: runtime.audit,
    publisher: runtime.publisher,
    topicPrefix: runtime.config.topicPrefix,
    qboFor: qboWriters(runtime, options),
    ...(stripe ? { stripe } : {}),
    now: runtime.now,
    instanceId: options.instanceId ?? randomUUID().slice(0, 8),
    pushAuth: options.pushAuth,
    ...(options.maxDeliveryAttempts !== undefined ? { maxDeliveryAttempts: options.maxDeliveryAttempts } : {}),
    ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
  });
}

/** The consumer's QBO clients: the test's writer, the shared access, or an access of its own (Intuit's API). */
function qboWriters(runtime: HandlerParts, options: ConsumerOptions): (tenant: TenantSettings) => Promise<QboWriter> {
  if (options.qboFor) return options.qboFor;
  const access =
    options.qboAccess ??
    createQboAccess({ runtime, baseUrl: runtime.config.qboBaseUrl ?? intuitApiBase(runtime.config.qboEnvironment) });
  return (tenant) => access.clientFor(tenant);
}

export function composeReplayHandler(
  runtime: HandlerParts,
  options: { logger?: Logger; qboAccess?: QboAccess } & Partial<Pick<ReplayDeps, 'stripeFor'>> = {},
): HttpHandler {
  const logger = options.logger ?? runtime.logger;
  // Replay keeps idle tenants' QBO connections alive (QboAccess.upkeep): Intuit's OAuth, or the stack's simulator.
  const qboAccess =
    options.qboAccess ??
    createQboAccess({ runtime, baseUrl: runtime.config.qboBaseUrl ?? intuitApiBase(runtime.config.qboEnvironment) });
  const deps: ReplayDeps = {
    functionName: REPLAY_FUNCTION_NAME,
    tenants: runtime.stores.tenants,
    ledger: runtime.stores.ledger,
    syncState: runtime.stores.syncState,
    reviewQueue: runtime.stores.reviewQueue,
    waitList: runtime.stores.waits,
    publisher: runtime.publisher,
    audit: runtime.audit,
    validators: runtime.validators,
    stripeFor: options.stripeFor ?? stripeClients(runtime, logger),
    logger,
    topicPrefix: runtime.config.topicPrefix,
    now: runtime.now,
    qboTokenUpkeep: (tenant) => qboAccess.upkeep(tenant),
  };
  return createCommandHandler({
    functionName: REPLAY_FUNCTION_NAME,
    validator: runtime.validators.replayCommand,
    run: (command) => runReplay(deps, command),
    logger,
    audit: runtime.audit,
    now: runtime.now,
  });
}

export function composeBackfillHandler(
  runtime: HandlerParts,
  options: { logger?: Logger; stripe?: StripeReader | null } & Partial<
    Pick<BackfillDeps, 'stripeFor' | 'timeBudgetMs' | 'clock' | 'pageSize'>
  > = {},
): HttpHandler {
  const { logger = runtime.logger, stripeFor, stripe: reader, ...tuning } = options;
  // A dry run plans each event with the consumers' stages and their Stripe reads (the same reader they get).
  const stripe = reader === null ? undefined : (reader ?? createStripeReader(runtime));
  const deps: BackfillDeps = {
    functionName: BACKFILL_FUNCTION_NAME,
    tenants: runtime.stores.tenants,
    syncState: runtime.stores.syncState,
    publisher: runtime.publisher,
    audit: runtime.audit,
    stripeFor: stripeFor ?? stripeClients(runtime, logger),
    logger,
    topicPrefix: runtime.config.topicPrefix,
    now: runtime.now,
    planDryRun: createDryRunPlanner({
      functionName: BACKFILL_FUNCTION_NAME,
      ledger: runtime.stores.ledger,
      reviewQueue: runtime.stores.reviewQueue,
      audit: runtime.audit,
      ...(stripe ? { stripe } : {}),
      now: runtime.now,
    }),
    ...tuning,
  };
  return createCommandHandler({
    functionName: BACKFILL_FUNCTION_NAME,
    validator: runtime.validators.backfillCommand,
    run: (command) => runBackfill(deps, command),
    logger,
    audit: runtime.audit,
    now: runtime.now,
  });
}

/** Replay's and backfill's Stripe list client, one per tenant key. */
function stripeClients(runtime: Pick<Runtime, 'secrets' | 'config'>, logger: Logger): ReplayDeps['stripeFor'] {
  const factory = createStripeClientFactory({
    secrets: runtime.secrets,
    apiBase: runtime.config.stripeApiBase,
    logger,
  });
  return (tenant) => factory.clientFor(tenant);
}

/** What the console is built from, besides its history reader and its gate. */
export type ConsoleParts = Pick<Runtime, 'config' | 'logger' | 'publisher' | 'pubsub' | 'validators' | 'now'> & {
  stores: ConsoleDeps['stores'];
};

export interface ConsoleOptions {
  /** BigQuery in production; the local store's DuckDB in the local stack. */
  history: HistoryReader;
  /** IAP in production; the local stack's own operator locally. */
  auth: ConsoleAuth;
  windows?: Partial<ConsoleWindows>;
  logger?: Logger;
  deadLetters?: ConsoleDeps['deadLetters'];
}

export function composeConsole(runtime: ConsoleParts, options: ConsoleOptions): HttpHandler {
  return consoleHandler({
    stores: runtime.stores,
    history: options.history,
    publisher: runtime.publisher,
    pubsub: runtime.pubsub,
    validators: runtime.validators,
    topicPrefix: runtime.config.topicPrefix,
    logger: options.logger ?? runtime.logger,
    now: runtime.now,
    auth: options.auth,
    windows: { windowDays: 7, chartDays: 14, scheduleHours: 26, ...options.windows },
    ...(options.deadLetters ? { deadLetters: options.deadLetters } : {}),
  });
}

/**
 * The deployed functions: each builds its own runtime on first use (functions/ wraps these in lazyHandler, so a
 * configuration error answers 500 with a log line instead of failing the module load).
 */
export const deployedFunctions = {
  async stripeWebhook(env: NodeJS.ProcessEnv = process.env): Promise<{ server: Server; runtime: Runtime }> {
    const runtime = await buildRuntime(WEBHOOK_FUNCTION_NAME, env);
    return { server: composeWebhookServer(runtime), runtime };
  },
  async qboConnect(env: NodeJS.ProcessEnv = process.env): Promise<{ server: Server; runtime: Runtime }> {
    const runtime = await buildRuntime(QBO_CONNECT_FUNCTION_NAME, env);
    return { server: composeQboConnectServer(runtime), runtime };
  },
  async consumer(entity: Entity, env: NodeJS.ProcessEnv = process.env): Promise<HttpHandler> {
    const pushAuth = pushAuthFromEnv(env);
    return composeConsumer(await buildRuntime(ENTITY_CONSUMER[entity], env), entity, { pushAuth }).handle;
  },
  async replay(env: NodeJS.ProcessEnv = process.env): Promise<HttpHandler> {
    return composeReplayHandler(await buildRuntime(REPLAY_FUNCTION_NAME, env));
  },
  async backfill(env: NodeJS.ProcessEnv = process.env): Promise<HttpHandler> {
    return composeBackfillHandler(await buildRuntime(BACKFILL_FUNCTION_NAME, env));
  },
  /** The console: Firestore for tenants and the review queue, BigQuery for history, IAP in front (infra/console.tf). */
  async console(env: NodeJS.ProcessEnv = process.env): Promise<HttpHandler> {
    const settings = parseConsoleConfig(env);
    const runtime = await buildRuntime(CONSOLE_FUNCTION_NAME, env);
    // Loaded here, not at the top: the other functions share this module and never query BigQuery.
    const { BigQuery } = await import('@google-cloud/bigquery');
    const engine = createBigQueryEngine({
      client: new BigQuery({ projectId: settings.bigQueryProject }),
      project: settings.bigQueryProject,
      dataset: settings.bigQueryDataset,
      ...(settings.bigQueryLocation ? { location: settings.bigQueryLocation } : {}),
      sql: loadConsoleSql(),
    });
    return composeConsole(runtime, {
      history: createHistoryReader(engine),
      auth: iapAuth(createIapVerifier({ audience: settings.iapAudience }), settings.operators),
      windows: { scheduleHours: settings.scheduleHours },
    });
  },
};
