import { randomUUID } from 'node:crypto';
import { PubSub, v1 } from '@google-cloud/pubsub';
import pino from 'pino';
import type { AuditRecord } from '../../../schemas/audit-record.schema';
import type { LinkRecord } from '../../../schemas/link-record.schema';
import { PubSubMessagePublisher } from '../../../shared/messaging/publisher';
import { CONTROL_TOPICS, ENTITIES, ENTITY_TOPIC, topicName } from '../../../shared/messaging/topics';
import type { SecretStore } from '../../../shared/secrets/secret-store';
import type { AuditSink } from '../../../shared/stores/ports';

export const silentLogger = pino({ level: 'silent' });
export const TEST_STRIPE_KEY = 'sk_test_standin_0000000000000000';

export class MemorySecretStore implements SecretStore {
  readonly values = new Map<string, string>();
  async read(name: string): Promise<string | undefined> {
    return this.values.get(name);
  }
  async write(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }
}

export class RecordingAuditSink implements AuditSink {
  readonly records: AuditRecord[] = [];
  async record(record: AuditRecord): Promise<void> {
    this.records.push(record);
  }
  async link(_record: LinkRecord): Promise<void> {}
}

export interface Pulled {
  data: Record<string, unknown>;
  attributes: Record<string, string>;
  orderingKey: string;
}

/** Entity topics plus the control topics under a fresh prefix on the emulator, each with a pull subscription. */
export class PubSubTopics {
  readonly prefix = `r${randomUUID().slice(0, 8)}-`;
  readonly pubsub = new PubSub({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'stripe-qbo-test' });
  readonly publisher = new PubSubMessagePublisher(this.pubsub);
  private readonly client = new v1.SubscriberClient(
    this.pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0],
  );

  async create(): Promise<this> {
    const bases = [...ENTITIES.map((e) => ENTITY_TOPIC[e]), CONTROL_TOPICS.opsBackfill, CONTROL_TOPICS.schedulerTicks];
    for (const base of bases) {
      const [topic] = await this.pubsub.createTopic(topicName(this.prefix, base));
      await topic.createSubscription(`${topicName(this.prefix, base)}-pull`);
    }
    return this;
  }

  /** Pulls (and acknowledges) everything waiting on one topic's subscription. */
  async drain(base: string): Promise<Pulled[]> {
    const subscription = this.pubsub.subscription(`${topicName(this.prefix, base)}-pull`).name;
    const all: Pulled[] = [];
    for (let empty = 0; empty < 2;) {
      const [response] = await this.client.pull({ subscription, maxMessages: 1000, returnImmediately: true });
      const received = response.receivedMessages ?? [];
      if (received.length === 0) {
        empty += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      empty = 0;
      for (const item of received)
        all.push({
          data: JSON.parse(Buffer.from(item.message?.data as Uint8Array).toString('utf8')) as Record<string, unknown>,
          attributes: (item.message?.attributes ?? {}) as Record<string, string>,
          orderingKey: item.message?.orderingKey ?? '',
        });
      await this.client.acknowledge({ subscription, ackIds: received.map((r) => r.ackId ?? '') });
    }
    return all;
  }

  async drainEntities(): Promise<Pulled[]> {
    const all: Pulled[] = [];
    for (const entity of ENTITIES) all.push(...(await this.drain(ENTITY_TOPIC[entity])));
    return all;
  }

  async close(): Promise<void> {
    await this.publisher.close();
    await this.client.close();
    await this.pubsub.close();
  }
}
