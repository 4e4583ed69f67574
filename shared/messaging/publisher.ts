import type { PubSub, Topic } from '@google-cloud/pubsub';

export interface PublishOptions {
  attributes?: Record<string, string>;
  /** The owning Stripe object id (DESIGN section 2): events for one object arrive one at a time where ordering is on. */
  orderingKey?: string;
}

/** The port every function publishes through. Resolves only once Pub/Sub has acknowledged the message. */
export interface MessagePublisher {
  publish(topic: string, data: Buffer | object, options?: PublishOptions): Promise<string>;
  close(): Promise<void>;
}

/**
 * Pub/Sub adapter. Topic handles are cached per instance (batching lives in them); ordering is enabled on every
 * handle so an ordering key is honoured, and a failed ordered publish resumes its key so the next attempt can go.
 */
export class PubSubMessagePublisher implements MessagePublisher {
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly pubsub: PubSub,
    private readonly batching: { maxMessages: number; maxMilliseconds: number } = {
      maxMessages: 100,
      maxMilliseconds: 5,
    },
  ) {}

  private topic(name: string): Topic {
    let topic = this.topics.get(name);
    if (!topic) {
      topic = this.pubsub.topic(name, { messageOrdering: true, batching: this.batching });
      this.topics.set(name, topic);
    }
    return topic;
  }

  async publish(topicName: string, data: Buffer | object, options: PublishOptions = {}): Promise<string> {
    const topic = this.topic(topicName);
    const payload = Buffer.isBuffer(data) ? data : Buffer.from(JSON.stringify(data));
    const message: { data: Buffer; attributes?: Record<string, string>; orderingKey?: string } = { data: payload };
    if (options.attributes) message.attributes = options.attributes;
    if (options.orderingKey) message.orderingKey = options.orderingKey;
    try {
      return await topic.publishMessage(message);
    } catch (error) {
      if (options.orderingKey) topic.resumePublishing(options.orderingKey);
      throw error;
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.topics.values()].map((topic) => topic.flush().catch(() => undefined)));
    this.topics.clear();
  }
}
