import type { PubSub } from '@google-cloud/pubsub';
import { CONTROL_TOPICS, deadLetterTopicName, ENTITIES, ENTITY_TOPIC, topicName } from '../../shared/messaging/topics';

export interface PushRoute {
  topic: string;
  subscription: string;
  /** Empty for a pull subscription. */
  endpoint: string;
  /**
   * Delivered by the dev push relay (push-relay.ts) instead of the emulator's push: the subscription is a pull one,
   * and `endpoint` is where the relay posts.
   */
  relay?: boolean;
  /** Consumers dead-letter after this many attempts (DESIGN section 7); archive routes never dead-letter. */
  maxDeliveryAttempts?: number;
  /** Redelivery backoff in seconds (production: 10–600); the emulator honours it, roughly. */
  retryBackoffSeconds?: { minimum: number; maximum: number };
}

async function ensureTopic(pubsub: PubSub, name: string): Promise<void> {
  const [exists] = await pubsub.topic(name).exists();
  if (!exists)
    await pubsub.createTopic(name).catch((error: { code?: number }) => {
      if (error.code !== 6) throw error; // ALREADY_EXISTS: another stack won the race
    });
}

/** Every topic of DESIGN section 3, with a dead-letter topic for each consumer's source topic. */
export function allTopics(prefix: string): string[] {
  const entityTopics = ENTITIES.map((entity) => topicName(prefix, ENTITY_TOPIC[entity]));
  const control = Object.values(CONTROL_TOPICS).map((base) => topicName(prefix, base));
  const deadLetters = [
    ...ENTITIES.map((entity) => ENTITY_TOPIC[entity]),
    CONTROL_TOPICS.schedulerTicks,
    CONTROL_TOPICS.opsBackfill,
  ].map((base) => deadLetterTopicName(prefix, base));
  return [...entityTopics, ...control, ...deadLetters];
}

/**
 * Creates (or re-points) the emulator's topics and push subscriptions. Local subscriptions are unordered: the
 * emulator cannot dead-letter an ordered subscription (DESIGN section 2), and correctness never rests on order.
 * Measured on the gcloud emulator, and why the local stack sets no retry policy by default:
 * - with a retry policy it backs off (min 1 s / max 30 s gave gaps of 1–9 s), but every message whose push met a
 *   refused connection (a restarting stack) is then dropped for good, neither redelivered nor dead-lettered;
 * - without one it redelivers a refused message about once a second and keeps the ones a down endpoint refused;
 * - it sends no `deliveryAttempt` in push bodies, so a local consumer never knows its last attempt: dead letters
 *   show in the dead_letters table that the dead-letter topics push to, as BigQuery subscriptions fill it in
 *   production;
 * - it pushes at most two requests at a time per endpoint.
 */
export async function ensureLocalTopology(pubsub: PubSub, prefix: string, routes: PushRoute[]): Promise<void> {
  await Promise.all(allTopics(prefix).map((name) => ensureTopic(pubsub, name)));
  for (const route of routes) {
    const subscription = pubsub.subscription(route.subscription);
    const [exists] = await subscription.exists();
    const deadLetterPolicy = route.maxDeliveryAttempts
      ? {
          deadLetterTopic: pubsub.topic(deadLetterTopicName(prefix, route.topic.slice(prefix.length))).name,
          maxDeliveryAttempts: route.maxDeliveryAttempts,
        }
      : null;
    const retryPolicy = route.retryBackoffSeconds
      ? {
          minimumBackoff: { seconds: route.retryBackoffSeconds.minimum },
          maximumBackoff: { seconds: route.retryBackoffSeconds.maximum },
        }
      : undefined;
    const pushEndpoint = route.relay ? '' : route.endpoint;
    if (exists) {
      // A restarted stack listens on new ports: point the existing subscription at them (an empty config: pull).
      if (route.endpoint) await subscription.modifyPushConfig(pushEndpoint ? { pushEndpoint } : {});
      continue;
    }
    await pubsub.topic(route.topic).createSubscription(route.subscription, {
      // No endpoint: a pull subscription (the dead-letter archives, read by `stripe-qbo dlq`; relayed consumers).
      ...(pushEndpoint ? { pushConfig: { pushEndpoint } } : {}),
      ackDeadlineSeconds: 60,
      ...(deadLetterPolicy ? { deadLetterPolicy } : {}),
      ...(retryPolicy ? { retryPolicy } : {}),
    });
  }
}
