import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import pino from 'pino';
import { startPushRelay, type PushRelay } from '../../../dev/local-stack/push-relay';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { parsePushEnvelope } from '../../../shared/messaging/push-envelope';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

/**
 * The dev push relay (dev/local-stack/push-relay.ts) on the Pub/Sub emulator: Pub/Sub's push envelope, ack on 2xx,
 * nack otherwise with the attempt count passed on, dead-lettering left to Pub/Sub; and the local stack behind it.
 */
describe('dev push relay', () => {
  const pubsub = new PubSub({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'stripe-qbo-test' });
  let server: Server | undefined;
  let relay: PushRelay | undefined;
  afterEach(async () => {
    await relay?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });
  afterAll(async () => {
    await pubsub.close();
  });

  it('posts push envelopes with deliveryAttempt, acks 2xx, nacks the rest until Pub/Sub dead-letters them', async () => {
    const prefix = `relay${randomUUID().slice(0, 8)}`;
    const [topic] = await pubsub.createTopic(`${prefix}-topic`);
    const [deadLetters] = await pubsub.createTopic(`${prefix}-dead`);
    await deadLetters.createSubscription(`${prefix}-dead-sub`);
    await topic.createSubscription(`${prefix}-sub`, {
      deadLetterPolicy: { deadLetterTopic: deadLetters.name, maxDeliveryAttempts: 5 },
      ackDeadlineSeconds: 60,
    });
    const received: Array<{ text: string; attempt: number | undefined; subscription: string | undefined }> = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const delivery = parsePushEnvelope(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        const text = delivery.data.toString('utf8');
        received.push({ text, attempt: delivery.deliveryAttempt, subscription: delivery.subscription });
        concurrent += 1;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        // Held a moment, so the relay's concurrency shows.
        setTimeout(() => {
          concurrent -= 1;
          response.statusCode = text === 'refused' ? 503 : 204;
          response.end();
        }, 100);
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`;
    relay = startPushRelay({
      pubsub,
      routes: [{ subscription: `${prefix}-sub`, endpoint }],
      logger: pino({ level: 'silent' }),
      maxOutstanding: 8,
      nackDelayMs: 50,
    });
    for (let i = 0; i < 8; i++) await topic.publishMessage({ data: Buffer.from(`ok ${i}`) });
    await topic.publishMessage({ data: Buffer.from('refused') });

    const dead = pubsub.subscription(`${prefix}-dead-sub`);
    const deadLettered = new Promise<Record<string, string>>((resolve) =>
      dead.on('message', (message) => {
        message.ack();
        resolve(message.attributes);
      }),
    );
    const attributes = await deadLettered;
    await dead.close();
    expect(attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBe('5');
    expect(received.filter((r) => r.text === 'refused').map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5]);
    const ok = received.filter((r) => r.text.startsWith('ok'));
    expect(ok).toHaveLength(8);
    expect(ok.every((r) => r.attempt === 1 && r.subscription?.endsWith(`/subscriptions/${prefix}-sub`))).toBe(true);
    // More than the emulator's two pushes at a time.
    expect(maxConcurrent).toBeGreaterThan(2);
    expect(relay.counts()).toEqual({ acked: 8, nacked: 5 });
  }, 60_000);

  describe('the local stack behind it', () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startTestStack({ delivery: 'relay' });
    }, 120_000);
    afterAll(async () => {
      await stack?.stop();
    });

    it('syncs a customer once', async () => {
      const event = JSON.parse(
        readFileSync(join(__dirname, '../../fixtures/pipeline', 'event-customer.created.json'), 'utf8'),
      ) as { data: { object: { id: string } } };
      const customerId = event.data.object.id;
      expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
      await waitFor(async () => {
        const found = await stack.stores.ledger.get({ tenantId: 'demo', stripeId: customerId, operation: 'create' });
        return found?.state === 'posted' ? found : undefined;
      }, 'the customer to be posted');
      const customers = stack
        .simulator!.entities(stack.tenants[0]!.realmId, 'Customer')
        .filter((c) => String(c.Notes ?? '').includes(`stripe:${customerId}`));
      expect(customers).toHaveLength(1);
    });
  });
});
