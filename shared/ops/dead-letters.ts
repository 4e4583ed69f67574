import { v1, type PubSub } from '@google-cloud/pubsub';
import type { MessagePublisher } from '../messaging/publisher';
import { deadLetterTopicName, ENTITIES, ENTITY_TOPIC, topicName } from '../messaging/topics';

/**
 * Dead-lettered messages (DESIGN section 7): each entity topic's dead-letter topic keeps them in a pull
 * subscription (`<topic>-dead-letter-archive`). Listing looks at them without consuming anything; redriving
 * publishes each to its source topic again and acknowledges it. `stripe-qbo dlq` and the console call this.
 */
export interface DeadLetterDeps {
  pubsub: PubSub;
  publisher: MessagePublisher;
  topicPrefix: string;
}

export interface DeadLetterScan {
  /** Only this tenant's messages. */
  tenantId?: string;
  /** Only these messages (the console's "redrive one"). */
  messageIds?: readonly string[];
  /** Pull at most this many per archive. */
  max: number;
  redrive: boolean;
}

export interface DeadLetterEntry {
  subscription: string;
  messageId: string;
  tenantId: string;
  eventType: string;
  objectId: string;
  redriven: boolean;
}

export function deadLetterArchives(prefix: string): Array<{ source: string; subscription: string }> {
  return ENTITIES.map((entity) => ({
    source: topicName(prefix, ENTITY_TOPIC[entity]),
    subscription: `${deadLetterTopicName(prefix, ENTITY_TOPIC[entity])}-archive`,
  }));
}

/** How long one pull may wait for messages: an empty dead-letter subscription answers only when this runs out. */
const DLQ_PULL_TIMEOUT_MS = 3_000;

type PulledMessage = {
  message?: { messageId?: string | null; attributes?: unknown; orderingKey?: string | null; data?: unknown } | null;
  ackId?: string | null;
};

/**
 * Pulls up to `max` messages, page by page, until a pull comes back empty or times out. Nothing is nacked until the
 * caller is done, so a message seen once is not handed out again by a later pull of the same run.
 */
async function pullUntilEmpty(
  client: v1.SubscriberClient,
  subscription: string,
  max: number,
): Promise<PulledMessage[]> {
  const all: PulledMessage[] = [];
  while (all.length < max) {
    let page: PulledMessage[];
    try {
      const [response] = await client.pull(
        { subscription, maxMessages: max - all.length },
        { timeout: DLQ_PULL_TIMEOUT_MS, retry: null },
      );
      page = (response.receivedMessages ?? []) as PulledMessage[];
    } catch (error) {
      // DEADLINE_EXCEEDED: nothing (more) to pull.
      if ((error as { code?: unknown }).code === 4) break;
      throw error;
    }
    if (page.length === 0) break;
    all.push(...page);
  }
  return all;
}

export async function scanDeadLetters(deps: DeadLetterDeps, scan: DeadLetterScan): Promise<DeadLetterEntry[]> {
  const wanted = scan.messageIds ? new Set(scan.messageIds) : undefined;
  // Every archive at once, each pulled until it answers empty: an empty pull waits out its whole deadline, so six
  // subscriptions in a row made `dlq list` take minutes.
  const perArchive = await Promise.all(
    deadLetterArchives(deps.topicPrefix).map(async (archive) => {
      const subscriber = deps.pubsub.subscription(archive.subscription);
      const [exists] = await subscriber.exists();
      if (!exists) return [];
      // The low-level client pulls without a streaming listener; PubSub's options carry the emulator's endpoint.
      const client = new v1.SubscriberClient(
        deps.pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0],
      );
      const entries: DeadLetterEntry[] = [];
      try {
        const received = await pullUntilEmpty(client, subscriber.name, scan.max);
        const ack: string[] = [];
        const nack: string[] = [];
        for (const { message, ackId } of received) {
          const attributes = (message?.attributes ?? {}) as Record<string, string>;
          const entry: DeadLetterEntry = {
            subscription: archive.subscription,
            messageId: message?.messageId ?? '',
            tenantId: attributes.tenantId ?? '',
            eventType: attributes.eventType ?? '',
            objectId: message?.orderingKey ?? '',
            redriven: false,
          };
          const matches =
            (!scan.tenantId || entry.tenantId === scan.tenantId) && (!wanted || wanted.has(entry.messageId));
          if (matches) entries.push(entry);
          if (scan.redrive && matches && message?.data) {
            await deps.publisher.publish(archive.source, Buffer.from(message.data as Uint8Array), {
              attributes,
              ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
            });
            entry.redriven = true;
            ack.push(ackId ?? '');
          } else nack.push(ackId ?? '');
        }
        if (ack.length) await client.acknowledge({ subscription: subscriber.name, ackIds: ack });
        // Listing consumes nothing: what was only looked at goes back at once.
        if (nack.length)
          await client.modifyAckDeadline({ subscription: subscriber.name, ackIds: nack, ackDeadlineSeconds: 0 });
      } finally {
        await client.close();
      }
      return entries;
    }),
  );
  return perArchive.flat();
}
