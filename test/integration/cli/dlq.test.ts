import { randomUUID } from 'node:crypto';
import { PubSub, v1 } from '@google-cloud/pubsub';
import { ensureLocalTopology } from '../../../dev/local-stack/topology';
import { dlqCommand } from '../../../shared/cli/commands/ops';
import type { OpsContext } from '../../../shared/cli/ops-context';
import { pubsubClientOptions } from '../../../shared/config/client-options';
import { PubSubMessagePublisher } from '../../../shared/messaging/publisher';
import { deadLetterTopicName, ENTITY_TOPIC, topicName } from '../../../shared/messaging/topics';

/**
 * `stripe-qbo dlq list|redrive` against the Pub/Sub emulator: every dead-letter archive is read at once and to the
 * end (an empty pull waits out its deadline, which made a sequential list take minutes), listing consumes nothing,
 * and redrive republishes to the source topic.
 */
describe('stripe-qbo dlq', () => {
  const prefix = `dlq${randomUUID().slice(0, 6)}-`;
  let pubsub: PubSub;
  let publisher: PubSubMessagePublisher;
  let context: OpsContext;

  const run = async (argv: string[]) => {
    let stdout = '';
    const code = await dlqCommand(argv, context, { stdout: (s) => (stdout += s), stderr: () => undefined });
    return { code, rows: JSON.parse(stdout) as Array<{ messageId: string; tenantId: string; redriven: boolean }> };
  };

  beforeAll(async () => {
    const host = process.env.PUBSUB_EMULATOR_HOST;
    if (!host) throw new Error('PUBSUB_EMULATOR_HOST is not set (see test/support/global-setup.ts)');
    pubsub = new PubSub(
      pubsubClientOptions({
        googleCloudProject: 'stripe-qbo-test',
        pubsubEmulatorHost: host,
        firestoreEmulatorHost: undefined,
      }),
    );
    publisher = new PubSubMessagePublisher(pubsub);
    const archive = (entity: 'invoice' | 'payment') => ({
      topic: deadLetterTopicName(prefix, ENTITY_TOPIC[entity]),
      subscription: `${deadLetterTopicName(prefix, ENTITY_TOPIC[entity])}-archive`,
      endpoint: '',
    });
    // The source topic gets a pull subscription too, so the redriven copies can be seen arriving.
    await ensureLocalTopology(pubsub, prefix, [
      archive('invoice'),
      archive('payment'),
      { topic: topicName(prefix, ENTITY_TOPIC.invoice), subscription: `${prefix}invoices-probe`, endpoint: '' },
    ]);
    context = { pubsub, publisher, topicPrefix: prefix } as unknown as OpsContext;
    const send = (entity: 'invoice' | 'payment', tenantId: string, objectId: string) =>
      publisher.publish(deadLetterTopicName(prefix, ENTITY_TOPIC[entity]), Buffer.from('{}'), {
        attributes: { tenantId, eventType: `${entity}.test` },
        orderingKey: objectId,
      });
    await Promise.all([
      send('invoice', 'acme', 'in_1'),
      send('invoice', 'other', 'in_2'),
      send('payment', 'acme', 'pi_1'),
    ]);
  });

  afterAll(async () => {
    await publisher.close();
    await pubsub.close();
  });

  it('lists every dead letter of every archive, and listing twice finds them all again (nothing consumed)', async () => {
    const first = await run(['list', '--json']);
    expect(first.code).toBe(0);
    expect(first.rows).toHaveLength(3);
    const again = await run(['list', '--json']);
    expect(again.rows.map((row) => row.messageId).sort()).toEqual(first.rows.map((row) => row.messageId).sort());
  });

  it("redrive --tenant republishes only that tenant's dead letters and removes them from the archive", async () => {
    const redriven = await run(['redrive', '--tenant', 'acme', '--json']);
    expect(redriven.rows).toHaveLength(2);
    expect(redriven.rows.every((row) => row.redriven && row.tenantId === 'acme')).toBe(true);
    const left = await run(['list', '--json']);
    expect(left.rows.map((row) => row.tenantId)).toEqual(['other']);
    // The invoice topic received acme's invoice dead letter back, with its ordering key and attributes.
    const client = new v1.SubscriberClient(pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0]);
    try {
      const [response] = await client.pull({
        subscription: pubsub.subscription(`${prefix}invoices-probe`).name,
        maxMessages: 10,
      });
      const received = (response.receivedMessages ?? []).map((r) => r.message);
      expect(received.map((m) => [m?.orderingKey, m?.attributes?.tenantId])).toEqual([['in_1', 'acme']]);
    } finally {
      await client.close();
    }
  });
});
