import { http } from '@google-cloud/functions-framework';
import { createStripeWebhookHandler, WEBHOOK_FUNCTION_NAME } from '../shared/ingest/webhook-handler';
import { lazyHandler } from '../shared/runtime/lazy-handler';
import { buildRuntime } from '../shared/runtime/runtime';

/**
 * The public Stripe endpoint (DESIGN section 2): `POST /{tenantId}` and `POST /` (Connect). Wiring only; the
 * behaviour lives in shared/ingest. The runtime is built on the first request, once per instance.
 */
http(
  'stripeWebhook',
  lazyHandler(async () => {
    const runtime = await buildRuntime(WEBHOOK_FUNCTION_NAME);
    return createStripeWebhookHandler({
      publisher: runtime.publisher,
      secrets: runtime.secrets,
      tenants: runtime.stores.tenants,
      audit: runtime.audit,
      logger: runtime.logger,
      validators: runtime.validators,
      topicPrefix: runtime.config.topicPrefix,
      now: runtime.now,
    });
  }),
);
