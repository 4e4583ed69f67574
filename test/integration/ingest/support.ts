import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import type { Server } from 'node:http';
import pino from 'pino';
import type { AuditRecord } from '../../../schemas/audit-record.schema';
import type { LinkRecord } from '../../../schemas/link-record.schema';
import { createValidators } from '../../../schemas/validators';
import {
  PubSubMessagePublisher,
  type MessagePublisher,
  type PublishOptions,
} from '../../../shared/messaging/publisher';
import { ENTITIES, ENTITY_TOPIC, topicName } from '../../../shared/messaging/topics';
import { createPublicServer } from '../../../shared/ingest/public-server';
import { DEFAULT_MAX_WEBHOOK_BODY_BYTES, type StripeWebhookHandler } from '../../../shared/ingest/webhook-handler';
import { composeWebhookHandler, type WebhookParts } from '../../../shared/runtime/compose';
import type { SecretStore } from '../../../shared/secrets/secret-store';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { AuditSink, Stores } from '../../../shared/stores/ports';

export const FIXTURE_DIR = join(__dirname, '..', '..', 'fixtures', 'stripe');

/** Every Stripe event fixture, by file name, as the raw text Stripe would send. */
export function eventFixtures(): Array<{ file: string; body: string; event: Record<string, unknown> }> {
  return readdirSync(FIXTURE_DIR)
    .filter((file) => /^event-.*\.json$/.test(file))
    .sort()
    .map((file) => {
      const body = readFileSync(join(FIXTURE_DIR, file), 'utf8');
      return { file, body, event: JSON.parse(body) as Record<string, unknown> };
    });
}

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
  readonly links: LinkRecord[] = [];
  failWith: Error | undefined;
  async record(record: AuditRecord): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.records.push(record);
  }
  async link(record: LinkRecord): Promise<void> {
    this.links.push(record);
  }
}

/** The real Pub/Sub publisher, counting calls so a test can assert "nothing was published", or failing on demand. */
export class RecordingPublisher implements MessagePublisher {
  readonly published: Array<{ topic: string; data: object; options: PublishOptions | undefined }> = [];
  failWith: Error | undefined;
  constructor(private readonly inner: MessagePublisher) {}
  async publish(topic: string, data: Buffer | object, options?: PublishOptions): Promise<string> {
    if (this.failWith) throw this.failWith;
    const id = await this.inner.publish(topic, data, options);
    this.published.push({ topic, data: Buffer.isBuffer(data) ? JSON.parse(data.toString('utf8')) : data, options });
    return id;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

export interface PulledMessage {
  data: Record<string, unknown>;
  attributes: Record<string, string>;
  orderingKey: string | undefined;
}

/**
 * One webhook on its production HTTP server (ingest/public-server.ts), with its own topic prefix on the emulator, one
 * subscription per entity topic to read back what it published, and the embedded DuckDB store for tenants.
 */
export class WebhookHarness {
  readonly prefix = `t${randomUUID().slice(0, 8)}-`;
  readonly projectId = process.env.GOOGLE_CLOUD_PROJECT ?? 'stripe-qbo-test';
  readonly pubsub = new PubSub({ projectId: this.projectId });
  readonly secrets = new MemorySecretStore();
  readonly audit = new RecordingAuditSink();
  readonly publisher = new RecordingPublisher(new PubSubMessagePublisher(this.pubsub));
  readonly validators = createValidators();
  clock = new Date('2026-01-15T12:00:00.000Z');
  stores!: Stores;
  private handler!: StripeWebhookHandler;
  private bodyTimeoutMs: number | undefined;

  async start(overrides: Partial<WebhookParts> = {}, server: { bodyTimeoutMs?: number } = {}): Promise<this> {
    this.bodyTimeoutMs = server.bodyTimeoutMs;
    this.stores = await openDuckDbStores(':memory:');
    for (const entity of ENTITIES) {
      const [topic] = await this.pubsub.createTopic(topicName(this.prefix, ENTITY_TOPIC[entity]));
      await topic.createSubscription(this.subscriptionName(entity));
    }
    this.handler = composeWebhookHandler({
      publisher: this.publisher,
      secrets: this.secrets,
      stores: this.stores,
      audit: this.audit,
      logger: pino({ level: 'silent' }),
      validators: this.validators,
      config: { topicPrefix: this.prefix },
      now: () => this.clock,
      ...overrides,
    });
    return this;
  }

  /** A new server over the one handler (so per-instance caches persist across requests), not yet listening. */
  server(): Server {
    return createPublicServer(this.handler, {
      maxBodyBytes: DEFAULT_MAX_WEBHOOK_BODY_BYTES,
      ...(this.bodyTimeoutMs !== undefined ? { bodyTimeoutMs: this.bodyTimeoutMs } : {}),
    });
  }

  subscriptionName(entity: string): string {
    return `${this.prefix}${entity}-reader`;
  }

  /** Pulls what the emulator holds for one entity topic (the emulator's REST surface: a plain, synchronous pull). */
  async pull(entity: string, expected = 1, timeoutMs = 5000): Promise<PulledMessage[]> {
    const host = process.env.PUBSUB_EMULATOR_HOST;
    if (!host) throw new Error('PUBSUB_EMULATOR_HOST is not set');
    const url = `http://${host}/v1/projects/${this.projectId}/subscriptions/${this.subscriptionName(entity)}`;
    const messages: PulledMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    while (messages.length < expected && Date.now() < deadline) {
      const response = await fetch(`${url}:pull`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ maxMessages: 100, returnImmediately: true }),
      });
      const body = (await response.json()) as {
        receivedMessages?: Array<{
          ackId: string;
          message: { data?: string; attributes?: Record<string, string>; orderingKey?: string };
        }>;
      };
      const received = body.receivedMessages ?? [];
      if (received.length > 0) {
        await fetch(`${url}:acknowledge`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ackIds: received.map((r) => r.ackId) }),
        });
      } else await new Promise((resolve) => setTimeout(resolve, 100));
      for (const { message } of received)
        messages.push({
          data: JSON.parse(Buffer.from(message.data ?? '', 'base64').toString('utf8')) as Record<string, unknown>,
          attributes: message.attributes ?? {},
          orderingKey: message.orderingKey || undefined,
        });
    }
    return messages;
  }

  async stop(): Promise<void> {
    await this.publisher.close();
    for (const entity of ENTITIES) {
      await this.pubsub
        .subscription(this.subscriptionName(entity))
        .delete()
        .catch(() => undefined);
      await this.pubsub
        .topic(topicName(this.prefix, ENTITY_TOPIC[entity]))
        .delete()
        .catch(() => undefined);
    }
    await this.pubsub.close();
    await this.stores.close();
  }
}
