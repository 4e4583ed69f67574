import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import request from 'supertest';
import { startStripeWebhook } from '../../../functions/stripe-webhook';
import { signStripeEvent } from '../../../shared/ingest/stripe-signature';
import { CONTROL_TOPICS, ENTITY_TOPIC, topicName } from '../../../shared/messaging/topics';
import { LocalFileSecretStore, secretNames } from '../../../shared/secrets/secret-store';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import { buildTenantSettings } from '../../support/tenants';
import { FIXTURE_DIR } from './support';

/**
 * The production entry point itself (functions/stripe-webhook.ts), wired by the shared runtime against the local
 * parts (DuckDB file, secret files, the Pub/Sub emulator): a signed customer.created lands on stripe-customers.
 */
describe('functions/stripe-webhook.ts', () => {
  const prefix = `e${randomUUID().slice(0, 8)}-`;
  const dir = mkdtempSync(join(tmpdir(), 'stripe-webhook-'));
  const projectId = process.env.GOOGLE_CLOUD_PROJECT ?? 'stripe-qbo-test';
  const pubsub = new PubSub({ projectId });
  const subscription = `${prefix}customers-reader`;
  const ENV_KEYS = [
    'STORE',
    'DUCKDB_PATH',
    'SECRETS',
    'SECRETS_DIR',
    'TOPIC_PREFIX',
    'LOG_LEVEL',
    'GOOGLE_CLOUD_PROJECT',
  ];
  const savedEnv: Record<string, string | undefined> = {};
  let running: Awaited<ReturnType<typeof startStripeWebhook>>;

  beforeAll(async () => {
    const stores = await openDuckDbStores(join(dir, 'store.duckdb'));
    await stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
    await stores.close();
    await new LocalFileSecretStore(join(dir, 'secrets')).write(secretNames.stripeWebhookSecret('acme'), 'whsec_entry');
    const [customers] = await pubsub.createTopic(topicName(prefix, ENTITY_TOPIC.customer));
    await customers.createSubscription(subscription);
    await pubsub.createTopic(topicName(prefix, CONTROL_TOPICS.auditRecords));
    for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
    Object.assign(process.env, {
      STORE: 'duckdb',
      DUCKDB_PATH: join(dir, 'store.duckdb'),
      SECRETS: 'local',
      SECRETS_DIR: join(dir, 'secrets'),
      TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      GOOGLE_CLOUD_PROJECT: projectId,
    });
    // Starts the webhook's own server from the process environment, as `node dist/functions/stripe-webhook.js` does.
    running = await startStripeWebhook(process.env, 0);
  });
  afterAll(async () => {
    await running.close();
    // The worker's process.env is shared with the suites that run after this one in the same worker.
    for (const key of ENV_KEYS) {
      const value = savedEnv[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    await pubsub.close();
  });

  test('a signed customer.created is published to the customers topic', async () => {
    const signed = signStripeEvent(
      readFileSync(join(FIXTURE_DIR, 'event-customer.created.json'), 'utf8'),
      'whsec_entry',
    );
    const response = await request(running.server)
      .post('/acme')
      .set('content-type', 'application/json')
      .set('stripe-signature', signed.signature)
      .send(signed.body);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ received: true, outcome: 'published', eventId: 'evt_00000000000000' });

    const url = `http://${process.env.PUBSUB_EMULATOR_HOST}/v1/projects/${projectId}/subscriptions/${subscription}:pull`;
    const pulled = (await (
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ maxMessages: 10, returnImmediately: true }),
      })
    ).json()) as { receivedMessages?: Array<{ message: { data: string; orderingKey?: string } }> };
    expect(pulled.receivedMessages).toHaveLength(1);
    const message = pulled.receivedMessages![0]!.message;
    expect(message.orderingKey).toBe('cus_00000000000000');
    expect(JSON.parse(Buffer.from(message.data, 'base64').toString('utf8'))).toMatchObject({
      tenantId: 'acme',
      entity: 'customer',
      objectId: 'cus_00000000000000',
    });
  });
});
