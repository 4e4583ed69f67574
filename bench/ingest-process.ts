import pino from 'pino';
import type { TenantSettings } from '../schemas/tenant-settings.schema';
import { createPublicServer } from '../shared/ingest/public-server';
import { DEFAULT_MAX_WEBHOOK_BODY_BYTES } from '../shared/ingest/webhook-handler';
import { webhookError, webhookReceipt } from '../shared/ingest/webhook-replies';
import { composeWebhookServer } from '../shared/runtime/compose';
import { buildRuntime } from '../shared/runtime/runtime';
import { openDuckDbStores } from '../shared/stores/duckdb';

/**
 * One ingest handler in a process of its own, as one Cloud Functions instance would run it: `ours` is the
 * stripe-webhook function, `floor` a handler that only publishes the raw body. The benchmark drives both from
 * its own process, so neither shares an event loop with the load generator, and reads each one's peak RSS.
 * Started with `fork()`: configuration in argv[2]; prints `{"ready":true,"url":…}`; answers the IPC `rss`.
 */
export interface IngestProcessConfig {
  kind: 'ours' | 'floor';
  topicPrefix: string;
  floorTopic: string;
  secretsDir: string;
  tenant: TenantSettings;
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as IngestProcessConfig;
  const stores = await openDuckDbStores(':memory:');
  await stores.tenants.put(config.tenant);
  // Production logs one info line per event: keep that cost in the measurement, send the bytes nowhere.
  const runtime = await buildRuntime(
    `bench-${config.kind}`,
    { ...process.env, SECRETS_DIR: config.secretsDir, LOG_LEVEL: 'info', TOPIC_PREFIX: config.topicPrefix },
    { stores, logDestination: pino.destination({ dest: '/dev/null', sync: false }) },
  );
  // Both on the server the webhook is deployed on (shared/ingest/public-server.ts), so the floor differs from ours
  // by the handler alone.
  const server =
    config.kind === 'ours'
      ? composeWebhookServer(runtime)
      : createPublicServer(
          async (req) => {
            try {
              await runtime.publisher.publish(config.floorTopic, req.rawBody);
              return webhookReceipt({ outcome: 'published', eventId: 'floor' });
            } catch {
              return webhookError(503, 'unavailable', 'publish failed');
            }
          },
          { maxBodyBytes: DEFAULT_MAX_WEBHOOK_BODY_BYTES },
        );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const path = config.kind === 'ours' ? `/${config.tenant.tenantId}` : '/';
  process.stdout.write(
    `${JSON.stringify({ ready: true, url: `http://127.0.0.1:${port}${path}`, pid: process.pid })}\n`,
  );
  process.on('message', (message: { id: number; op: string }) => {
    if (message.op === 'rss')
      process.send?.({ id: message.id, ok: true, value: { maxRssMb: process.resourceUsage().maxRSS / 1024 } });
  });
  const stop = () => {
    server.close();
    void runtime
      .close()
      .then(() => stores.close())
      .finally(() => process.exit(0));
  };
  process.on('disconnect', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`ingest process failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
