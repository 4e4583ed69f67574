import type { Server } from 'node:http';
import { deployedFunctions } from '../shared/runtime/compose';

/**
 * The public Stripe endpoint (DESIGN section 2): `POST /{tenantId}` and `POST /` (Connect). Not a functions-framework
 * function: its Express body parser inflates and buffers up to 1 GiB before our code runs, which no public endpoint
 * can afford (shared/ingest/public-server.ts). It is deployed as the Cloud Run service `stripe-webhook`, running
 * `node dist/functions/stripe-webhook.js` (infra/public-services.tf), from the same source as the functions.
 * Wiring only; the behaviour lives in shared/ingest.
 */
export async function startStripeWebhook(
  env: NodeJS.ProcessEnv = process.env,
  port = Number(env.PORT ?? 8080),
): Promise<{ server: Server; close(): Promise<void> }> {
  const { server, runtime } = await deployedFunctions.stripeWebhook(env);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    },
  };
}

if (require.main === module) {
  startStripeWebhook().then(
    (running) => {
      // Cloud Run sends SIGTERM, then waits 10 s: finish what is in flight (each request is a publish away from done).
      process.once('SIGTERM', () => void running.close().finally(() => process.exit(0)));
    },
    (error: unknown) => {
      console.error(
        JSON.stringify({
          severity: 'CRITICAL',
          message: `stripe-webhook start-up failed: ${(error as Error).message}`,
        }),
      );
      process.exit(1);
    },
  );
}
