import { deployedFunctions } from '../shared/runtime/compose';
import { listenPublicService, runPublicService, type RunningPublicService } from '../shared/runtime/public-service';

/**
 * The public Stripe endpoint (DESIGN section 2): `POST /{tenantId}` and `POST /` (Connect). Not a functions-framework
 * function: its Express body parser inflates and buffers up to 1 GiB before our code runs, which no public endpoint
 * can afford (shared/ingest/public-server.ts). It is deployed as the Cloud Run service `stripe-webhook`, running
 * `node dist/functions/stripe-webhook.js` (infra/public-services.tf), from the same source as the functions.
 * Wiring only; the behaviour lives in shared/ingest.
 */
export function startStripeWebhook(
  env: NodeJS.ProcessEnv = process.env,
  port = Number(env.PORT ?? 8080),
): Promise<RunningPublicService> {
  return listenPublicService(() => deployedFunctions.stripeWebhook(env), port);
}

if (require.main === module) runPublicService('stripe-webhook', () => startStripeWebhook());
