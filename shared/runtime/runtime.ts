import { PubSub } from '@google-cloud/pubsub';
import { Firestore } from '@google-cloud/firestore';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { DestinationStream } from 'pino';
import { createValidators, type Validators } from '../../schemas/validators';
import { PubSubAuditSink } from '../audit/pubsub-audit-sink';
import { firestoreSettings, pubsubClientOptions } from '../config/client-options';
import { parseConfig, type Config } from '../config/config';
import { PubSubMessagePublisher, type MessagePublisher } from '../messaging/publisher';
import { createLogger, type Logger } from '../observability/logger';
import { LocalFileSecretStore, SecretManagerSecretStore, type SecretStore } from '../secrets/secret-store';
import { openDuckDbStores } from '../stores/duckdb';
import { createFirestoreStores } from '../stores/firestore';
import type { AuditSink, Stores } from '../stores/ports';

/**
 * Everything a function needs, built once per instance (the composition root, STYLE rule 3) and passed into the
 * handler factories. Tests and the local stack build the same object with local parts through the same code.
 */
export interface Runtime {
  functionName: string;
  config: Config;
  logger: Logger;
  pubsub: PubSub;
  publisher: MessagePublisher;
  secrets: SecretStore;
  stores: Stores;
  audit: AuditSink;
  validators: Validators;
  now: () => Date;
  close(): Promise<void>;
}

export interface RuntimeOverrides {
  stores?: Stores;
  secrets?: SecretStore;
  publisher?: MessagePublisher;
  pubsub?: PubSub;
  logDestination?: DestinationStream;
  now?: () => Date;
}

/**
 * Production: Firestore + Secret Manager + Pub/Sub (STORE / SECRETS choose). Local: the embedded DuckDB file and
 * `.local/secrets/`. Parts passed in `overrides` are shared, not owned: close() leaves them open.
 */
export async function buildRuntime(
  functionName: string,
  env: NodeJS.ProcessEnv = process.env,
  overrides: RuntimeOverrides = {},
): Promise<Runtime> {
  const config = parseConfig(env);
  const logger = createLogger({
    functionName,
    level: config.logLevel,
    ...(overrides.logDestination ? { destination: overrides.logDestination } : {}),
  });
  const owned: Array<() => Promise<void>> = [];
  const pubsub = overrides.pubsub ?? new PubSub(pubsubClientOptions(config));
  if (!overrides.pubsub) owned.push(() => pubsub.close());
  const publisher = overrides.publisher ?? new PubSubMessagePublisher(pubsub);
  if (!overrides.publisher) owned.unshift(() => publisher.close());

  let stores = overrides.stores;
  if (!stores) {
    stores =
      config.store === 'firestore'
        ? createFirestoreStores(new Firestore(firestoreSettings(config)))
        : await openDuckDbStores(config.duckdbPath);
    const opened = stores;
    owned.push(() => opened.close());
  }

  const secrets =
    overrides.secrets ??
    (config.secrets === 'secret-manager'
      ? new SecretManagerSecretStore(new SecretManagerServiceClient(), config.googleCloudProject ?? '', logger)
      : new LocalFileSecretStore(config.secretsDir));
  const validators = createValidators();
  const audit = new PubSubAuditSink(publisher, validators, config.topicPrefix, logger);
  return {
    functionName,
    config,
    logger,
    pubsub,
    publisher,
    secrets,
    stores,
    audit,
    validators,
    now: overrides.now ?? (() => new Date()),
    async close() {
      for (const close of owned) await close().catch(() => undefined);
    },
  };
}
