/**
 * Configuration is the environment, parsed once per instance into a typed object. Every missing or invalid key
 * is reported together, so a misconfigured deployment fails with one complete message (DESIGN section 9).
 */
export type StoreKind = 'duckdb' | 'firestore';
export type SecretsKind = 'local' | 'secret-manager';
export type QboEnvironment = 'sandbox' | 'production';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export interface Config {
  googleCloudProject: string | undefined;
  /** `host:port` of the Pub/Sub emulator; the client is built against it (shared/config/client-options.ts). */
  pubsubEmulatorHost: string | undefined;
  /** `host:port` of the Firestore emulator, for STORE=firestore locally. */
  firestoreEmulatorHost: string | undefined;
  store: StoreKind;
  /** DuckDB file for the embedded store. */
  duckdbPath: string;
  secrets: SecretsKind;
  /** Folder holding one file per secret when SECRETS=local. */
  secretsDir: string;
  /** Unset: the local QBO simulator (local stack) or Intuit's API for QBO_ENVIRONMENT. */
  qboBaseUrl: string | undefined;
  qboEnvironment: QboEnvironment;
  /** Tests and the local stack only: a Stripe API stand-in. */
  stripeApiBase: string | undefined;
  logLevel: LogLevel;
  topicPrefix: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

function oneOf<T extends string>(
  env: NodeJS.ProcessEnv,
  key: string,
  allowed: readonly T[],
  fallback: T,
  problems: string[],
): T {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  problems.push(`${key} must be one of ${allowed.join('|')} (got "${raw}")`);
  return fallback;
}

function optional(env: NodeJS.ProcessEnv, key: string): string | undefined {
  const raw = env[key];
  return raw === undefined || raw === '' ? undefined : raw;
}

/** The emulators' convention (gcloud prints `export PUBSUB_EMULATOR_HOST=localhost:8085`): a host and a port. */
function emulatorHost(env: NodeJS.ProcessEnv, key: string, problems: string[]): string | undefined {
  const raw = optional(env, key);
  if (raw !== undefined && !/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(raw)) {
    problems.push(`${key} must be host:port (got "${raw}")`);
    return undefined;
  }
  return raw;
}

export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const store = oneOf(env, 'STORE', ['duckdb', 'firestore'] as const, 'duckdb', problems);
  const secrets = oneOf(env, 'SECRETS', ['local', 'secret-manager'] as const, 'local', problems);
  const qboEnvironment = oneOf(env, 'QBO_ENVIRONMENT', ['sandbox', 'production'] as const, 'sandbox', problems);
  const logLevel = oneOf(
    env,
    'LOG_LEVEL',
    ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const,
    'info',
    problems,
  );
  const googleCloudProject = optional(env, 'GOOGLE_CLOUD_PROJECT') ?? optional(env, 'GCLOUD_PROJECT');
  const pubsubEmulatorHost = emulatorHost(env, 'PUBSUB_EMULATOR_HOST', problems);
  const firestoreEmulatorHost = emulatorHost(env, 'FIRESTORE_EMULATOR_HOST', problems);

  if (
    googleCloudProject === undefined &&
    (store === 'firestore' || secrets === 'secret-manager' || !optional(env, 'PUBSUB_EMULATOR_HOST'))
  )
    problems.push('GOOGLE_CLOUD_PROJECT is required outside the local emulators');
  const qboBaseUrl = optional(env, 'QBO_BASE_URL');
  if (qboBaseUrl !== undefined && !/^https?:\/\//.test(qboBaseUrl))
    problems.push('QBO_BASE_URL must be an http(s) URL');
  const topicPrefix = env.TOPIC_PREFIX ?? '';
  if (!/^[A-Za-z0-9._~+%-]*$/.test(topicPrefix)) problems.push('TOPIC_PREFIX may hold only letters, digits and ._~+%-');

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    googleCloudProject,
    pubsubEmulatorHost,
    firestoreEmulatorHost,
    store,
    duckdbPath: optional(env, 'DUCKDB_PATH') ?? '.local/stripe-qbo.duckdb',
    secrets,
    secretsDir: optional(env, 'SECRETS_DIR') ?? '.local/secrets',
    qboBaseUrl,
    qboEnvironment,
    stripeApiBase: optional(env, 'STRIPE_API_BASE'),
    logLevel,
    topicPrefix,
  };
}
