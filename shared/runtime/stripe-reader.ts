import type { StripeReader } from '../stripe/ports';
import { createTenantStripeReader } from '../stripe/reader';
import { createStripeClientFactory } from '../stripe/client';
import { CONSUMER_RETRY_BUDGET } from '../stripe/retry-policy';
import type { Runtime } from './runtime';

export type { StripeReader } from '../stripe/ports';

/**
 * The consumers' Stripe reader over a runtime: the Stripe adapter (shared/stripe/) with the runtime's secrets,
 * STRIPE_API_BASE and logger, and the consumers' retry budget (a few seconds in-process, then Pub/Sub's backoff).
 */
export function createStripeReader(
  runtime: Pick<Runtime, 'config' | 'secrets' | 'now' | 'logger'>,
  overrides: { sleep?: (ms: number) => Promise<void> } = {},
): StripeReader {
  const clients = createStripeClientFactory({
    secrets: runtime.secrets,
    apiBase: runtime.config.stripeApiBase,
    logger: runtime.logger,
    retryBudget: CONSUMER_RETRY_BUDGET,
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
  });
  return createTenantStripeReader({ clientFor: (tenant) => clients.clientFor(tenant), now: runtime.now });
}
