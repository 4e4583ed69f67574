import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { Validators } from '../../schemas/validators';
import type { MessagePublisher } from '../messaging/publisher';
import type { Entity } from '../messaging/topics';
import type { Logger } from '../observability/logger';
import type { AuditSink, Stores } from '../stores/ports';
import type { StripeReader } from '../stripe/ports';
import { createExecutor } from './execute';
import { createFailurePolicy } from './failure-policy';
import { createSyncPipeline } from './pipeline';
import { createProductItemLookup } from './product-items';
import type { PushAuthenticator } from './push-auth';
import { createPushHandler } from './push-handler';
import type { QboWriter } from './qbo-port';
import { createRecorder } from './record';
import { createRefResolver } from './resolve-refs';
import { createDependencyWaits } from './wait';

export type { SyncOutcome } from './record';

export type { StripeReader } from '../stripe/ports';

export interface ConsumerDeps {
  entity: Entity;
  functionName: string;
  logger: Logger;
  validators: Validators;
  stores: Stores;
  audit: AuditSink;
  publisher: MessagePublisher;
  topicPrefix: string;
  qboFor(tenant: TenantSettings): Promise<QboWriter>;
  stripe?: StripeReader;
  now(): Date;
  /** Identifies this instance as a lease owner. */
  instanceId: string;
  /** Verifies each push's OIDC token (push-auth.ts); required, so no consumer is built without a decision. */
  pushAuth: PushAuthenticator;
  /** The subscription's maxDeliveryAttempts: the attempt that reaches it is audited as dead-lettered. */
  maxDeliveryAttempts?: number;
  /**
   * How long one attempt holds an object (write-protocol LEASE_MS by default). It must stay shorter than the time
   * Pub/Sub takes to run out of redeliveries, or a crashed attempt's lease outlives every retry of its message.
   */
  leaseMs?: number;
}

/**
 * A sync-<entity> consumer: its stages built once per instance from `deps` (shared/runtime/compose.ts builds
 * `deps` from a Runtime), the pipeline that runs them in order (pipeline.ts), and the push handler in front of it.
 * `syncEvent` runs one event without the HTTP door, for tests that drive an instance directly.
 */
export function createEntityConsumer(deps: ConsumerDeps) {
  const clock = () => deps.now().getTime();
  const recorder = createRecorder({
    functionName: deps.functionName,
    audit: deps.audit,
    reviewQueue: deps.stores.reviewQueue,
    now: deps.now,
  });
  const stripe = deps.stripe;
  const items = createProductItemLookup({
    productName: stripe ? (tenant, productId) => stripe.productName(tenant, productId) : undefined,
    now: clock,
  });
  const resolveRefs = createRefResolver({
    ledger: deps.stores.ledger,
    itemForProduct: items,
  });
  const waits = createDependencyWaits({
    waitList: deps.stores.waits,
    ledger: deps.stores.ledger,
    stripe,
    publisher: deps.publisher,
    topicPrefix: deps.topicPrefix,
    recorder,
    now: deps.now,
  });
  const executor = createExecutor({
    ledger: deps.stores.ledger,
    syncState: deps.stores.syncState,
    instanceId: deps.instanceId,
    ...(deps.leaseMs !== undefined ? { leaseMs: deps.leaseMs } : {}),
    items,
    now: deps.now,
  });
  const syncEvent = createSyncPipeline({
    stores: deps.stores,
    recorder,
    stripe,
    resolveRefs,
    waits,
    executor,
    qboFor: deps.qboFor,
  });
  const handle = createPushHandler({
    entity: deps.entity,
    logger: deps.logger,
    validators: deps.validators,
    recorder,
    authenticate: deps.pushAuth,
    sync: syncEvent,
    onFailure: createFailurePolicy({
      recorder,
      tenants: deps.stores.tenants,
      maxDeliveryAttempts: deps.maxDeliveryAttempts ?? 10,
    }),
  });
  return { handle, syncEvent };
}

export type EntityConsumer = ReturnType<typeof createEntityConsumer>;
