import { http } from '@google-cloud/functions-framework';
import { deployedFunctions } from '../shared/runtime/compose';
import { lazyHandler } from '../shared/runtime/lazy-handler';

/**
 * The public Stripe endpoint (DESIGN section 2): `POST /{tenantId}` and `POST /` (Connect). Wiring only; the
 * behaviour lives in shared/ingest. The runtime is built on the first request, once per instance.
 */
http(
  'stripeWebhook',
  lazyHandler(() => deployedFunctions.stripeWebhook()),
);
