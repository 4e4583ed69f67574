import type { Message, PubSub, Subscription } from '@google-cloud/pubsub';
import type { Logger } from '../../shared/observability/logger';

/**
 * Dev only. The Pub/Sub emulator pushes at most two requests at a time per endpoint (topology.ts), where a
 * production push subscription to Cloud Run delivers many at once; so locally a consumer never has enough messages
 * in hand for QBO batch requests to fill (shared/qbo/client/batch-writer.ts). The relay plays production's push for
 * the consumer subscriptions: it pulls (streaming pull, flow control of `maxOutstanding` messages per subscription)
 * and POSTs each message to the consumer's endpoint in Pub/Sub's push envelope, unauthenticated as the emulator's
 * pushes are. A 2xx acks; anything else (or no answer) nacks after `nackDelayMs`, so redelivery and dead-lettering
 * stay Pub/Sub's. Measured on the gcloud emulator: pulls carry `deliveryAttempt` when the subscription has a
 * dead-letter policy (pushes do not), and it is passed on in the envelope as production's push does; after
 * maxDeliveryAttempts nacks the emulator dead-letters the message with the usual CloudPubSubDeadLetter* attributes.
 * A nack is redelivered within ~150 ms; the delay keeps the pace of the emulator's push redelivery (about one a
 * second), so a message keeps the ~10 s of attempts the local stack's lease is sized for.
 */
export interface RelayRoute {
  /** The subscription's short name (as created by topology.ts). */
  subscription: string;
  endpoint: string;
}

export interface PushRelayOptions {
  pubsub: PubSub;
  routes: RelayRoute[];
  logger: Logger;
  /**
   * Messages each subscription has in hand at once (production: Cloud Run's concurrency × instances). 16 by
   * default: on the 2-core bench machine a 1,500-object backfill made 541 writes/min with 16 per consumer (96 in
   * all) and 498 with 40, whose extra messages only queued on the local stack's one DuckDB connection.
   */
  maxOutstanding?: number;
  nackDelayMs?: number;
  /** A push's answer must come within the ack deadline (60 s locally, as topology.ts creates subscriptions). */
  requestTimeoutMs?: number;
  fetch?: typeof fetch;
}

export interface PushRelay {
  /** Messages posted so far, by result: acked (2xx) or nacked. */
  counts(): { acked: number; nacked: number };
  stop(): Promise<void>;
}

/** The body Pub/Sub push sends (https://cloud.google.com/pubsub/docs/push#receive_push): both id spellings. */
export function pushEnvelope(message: Message, subscriptionName: string): Record<string, unknown> {
  const publishTime = message.publishTime.toISOString();
  return {
    message: {
      data: message.data.toString('base64'),
      attributes: message.attributes,
      messageId: message.id,
      message_id: message.id,
      publishTime,
      publish_time: publishTime,
      ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
    },
    subscription: subscriptionName,
    ...(message.deliveryAttempt > 0 ? { deliveryAttempt: message.deliveryAttempt } : {}),
  };
}

export function startPushRelay(options: PushRelayOptions): PushRelay {
  const maxOutstanding = options.maxOutstanding ?? 16;
  const nackDelayMs = options.nackDelayMs ?? 1_000;
  const timeoutMs = options.requestTimeoutMs ?? 60_000;
  const fetchImpl = options.fetch ?? fetch;
  const counts = { acked: 0, nacked: 0 };
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;

  const relay = (route: RelayRoute, subscription: Subscription) => async (message: Message) => {
    let status = 0;
    try {
      const response = await fetchImpl(route.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(pushEnvelope(message, subscription.name)),
        signal: AbortSignal.timeout(timeoutMs),
      });
      await response.arrayBuffer();
      status = response.status;
    } catch {
      status = 0;
    }
    if (status >= 200 && status < 300) {
      counts.acked += 1;
      message.ack();
      return;
    }
    counts.nacked += 1;
    if (stopping) return message.nack();
    const timer = setTimeout(() => {
      timers.delete(timer);
      message.nack();
    }, nackDelayMs);
    timers.add(timer);
  };

  const subscriptions = options.routes.map((route) => {
    const subscription = options.pubsub.subscription(route.subscription, {
      flowControl: { maxMessages: maxOutstanding, allowExcessMessages: false },
    });
    subscription.on('message', (message: Message) => void relay(route, subscription)(message));
    subscription.on('error', (error: Error) =>
      options.logger.warn({ subscription: route.subscription, reason: 'relay_pull' }, error.message),
    );
    return subscription;
  });

  return {
    counts: () => ({ ...counts }),
    async stop() {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await Promise.all(subscriptions.map((subscription) => subscription.close().catch(() => undefined)));
    },
  };
}
