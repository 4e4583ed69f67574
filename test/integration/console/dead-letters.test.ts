import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { PubSub, v1 } from '@google-cloud/pubsub';
import { createValidators } from '../../../schemas/validators';
import { LocalArchiver } from '../../../dev/local-stack/archiver';
import { ensureLocalTopology } from '../../../dev/local-stack/topology';
import { createConsoleApp } from '../../../shared/console/app';
import { localAuth } from '../../../shared/console/auth/access';
import { createDuckDbEngine } from '../../../shared/console/history/duckdb-engine';
import { loadConsoleSql } from '../../../shared/console/history/queries';
import { createHistoryReader } from '../../../shared/console/history/reader';
import { pubsubClientOptions } from '../../../shared/config/client-options';
import { PubSubMessagePublisher } from '../../../shared/messaging/publisher';
import { deadLetterTopicName, ENTITY_TOPIC, topicName } from '../../../shared/messaging/topics';
import { createLogger } from '../../../shared/observability/logger';
import { openDuckDbStores, type DuckDbStores } from '../../../shared/stores/duckdb';
import { buildTenantSettings } from '../../support/tenants';

const ddlDir = join(__dirname, '../../../ddl');

/**
 * The dead-letters page against the Pub/Sub emulator: the list comes from the dead_letters table (what BigQuery
 * holds), "Redrive" on one message publishes that message alone back to its topic, through the CLI's code.
 */
describe('dead letters in the console', () => {
  const prefix = `cdl${randomUUID().slice(0, 6)}-`;
  let pubsub: PubSub;
  let publisher: PubSubMessagePublisher;
  let stores: DuckDbStores;
  let app: ReturnType<typeof createConsoleApp>;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    pubsub = new PubSub(
      pubsubClientOptions({
        googleCloudProject: 'stripe-qbo-test',
        pubsubEmulatorHost: process.env.PUBSUB_EMULATOR_HOST,
        firestoreEmulatorHost: undefined,
      }),
    );
    publisher = new PubSubMessagePublisher(pubsub);
    const invoices = ENTITY_TOPIC.invoice;
    await ensureLocalTopology(pubsub, prefix, [
      {
        topic: deadLetterTopicName(prefix, invoices),
        subscription: `${deadLetterTopicName(prefix, invoices)}-archive`,
        endpoint: '',
      },
      { topic: topicName(prefix, invoices), subscription: `${prefix}invoices-probe`, endpoint: '' },
    ]);
    stores = await openDuckDbStores(':memory:');
    const logger = createLogger({ functionName: 'console', level: 'silent' });
    const archiver = new LocalArchiver(stores.database, ddlDir, logger);
    await archiver.prepare();
    await stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
    for (const objectId of ['in_dl1', 'in_dl2']) {
      const event = {
        schemaVersion: 1,
        eventId: `evt_${objectId}`,
        tenantId: 'acme',
        type: 'invoice.finalized',
        entity: 'invoice',
        objectId,
      };
      ids[objectId] = await publisher.publish(deadLetterTopicName(prefix, invoices), event, {
        attributes: { tenantId: 'acme', eventType: 'invoice.finalized' },
        orderingKey: objectId,
      });
      // What the dead-letter BigQuery subscription (locally the archiver) keeps of it.
      await archiver.insert('dead_letters', event, {
        message_id: ids[objectId],
        publish_time: new Date().toISOString(),
        attributes: '{}',
      });
    }
    app = createConsoleApp({
      stores,
      history: createHistoryReader(await createDuckDbEngine(stores.database, loadConsoleSql(ddlDir), ddlDir)),
      publisher,
      pubsub,
      validators: createValidators(),
      topicPrefix: prefix,
      logger,
      now: () => new Date(),
      auth: localAuth(),
      windows: { windowDays: 7, chartDays: 14, scheduleHours: 26 },
    });
  });
  afterAll(async () => {
    await publisher?.close();
    await pubsub?.close();
    await stores?.close();
  });

  it('lists them open, and redrives exactly the one asked for', async () => {
    const page = await app.fetch(new Request('http://console/dead-letters'));
    const html = await page.text();
    expect(html).toContain('data-open="2"');
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const redrive = await app.fetch(
      new Request('http://console/dead-letters/redrive', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ _csrf: token, messageId: ids.in_dl1! }).toString(),
      }),
    );
    expect(redrive.status).toBe(200);
    const shown = (await redrive.text()).replace(/\s+/g, ' ');
    expect(shown).toContain(`Redriven 1 message(s): <span class="mono">${ids.in_dl1}</span>`);
    const client = new v1.SubscriberClient(pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0]);
    try {
      const [response] = await client.pull({
        subscription: pubsub.subscription(`${prefix}invoices-probe`).name,
        maxMessages: 10,
      });
      expect((response.receivedMessages ?? []).map((r) => r.message?.orderingKey)).toEqual(['in_dl1']);
      // The other one is still in the archive.
      const [left] = await client.pull({
        subscription: pubsub.subscription(`${deadLetterTopicName(prefix, ENTITY_TOPIC.invoice)}-archive`).name,
        maxMessages: 10,
      });
      expect((left.receivedMessages ?? []).map((r) => r.message?.orderingKey)).toEqual(['in_dl2']);
    } finally {
      await client.close();
    }
  });
});
