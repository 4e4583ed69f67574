import { randomUUID } from 'node:crypto';
import type { Entity } from '../messaging/topics';
import { ENTITY_CONSUMER } from '../messaging/topics';
import { createEntityConsumer } from '../consumers/entity-consumer';
import type { HttpHandler } from './lazy-handler';
import { createQboAccess, intuitApiBase } from './qbo-access';
import { buildRuntime } from './runtime';
import { createStripeReader } from './stripe-reader';

/** The production composition of a sync-<entity> function: one runtime, one QBO access, one consumer. */
export async function buildConsumerFunction(
  entity: Entity,
  env: NodeJS.ProcessEnv = process.env,
): Promise<HttpHandler> {
  const functionName = ENTITY_CONSUMER[entity];
  const runtime = await buildRuntime(functionName, env);
  const qboAccess = createQboAccess({
    runtime,
    baseUrl: runtime.config.qboBaseUrl ?? intuitApiBase(runtime.config.qboEnvironment),
  });
  const consumer = createEntityConsumer({
    entity,
    functionName,
    logger: runtime.logger,
    validators: runtime.validators,
    stores: runtime.stores,
    audit: runtime.audit,
    publisher: runtime.publisher,
    topicPrefix: runtime.config.topicPrefix,
    qboFor: (tenant) => qboAccess.clientFor(tenant),
    stripe: createStripeReader(runtime),
    now: runtime.now,
    instanceId: randomUUID().slice(0, 8),
  });
  return consumer.handle;
}
