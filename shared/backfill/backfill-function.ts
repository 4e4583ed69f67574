import { createStripeClientFactory } from '../stripe/client';
import { createCommandHandler } from '../replay/command-handler';
import type { HttpHandler } from '../runtime/lazy-handler';
import { buildRuntime, type Runtime } from '../runtime/runtime';
import { runBackfill, type BackfillDeps } from './backfill';

/** The backfill push handler over a runtime; the local stack passes its shared runtime, production builds one. */
export function createBackfillHandler(
  runtime: Runtime,
  overrides: Partial<Pick<BackfillDeps, 'stripeFor' | 'timeBudgetMs' | 'clock' | 'pageSize'>> = {},
): HttpHandler {
  const stripe = createStripeClientFactory({
    secrets: runtime.secrets,
    apiBase: runtime.config.stripeApiBase,
    logger: runtime.logger,
  });
  const deps: BackfillDeps = {
    functionName: runtime.functionName,
    tenants: runtime.stores.tenants,
    syncState: runtime.stores.syncState,
    publisher: runtime.publisher,
    audit: runtime.audit,
    stripeFor: (tenant) => stripe.clientFor(tenant),
    logger: runtime.logger,
    topicPrefix: runtime.config.topicPrefix,
    now: runtime.now,
    ...overrides,
  };
  return createCommandHandler({
    functionName: runtime.functionName,
    validator: runtime.validators.backfillCommand,
    run: (command) => runBackfill(deps, command),
    logger: runtime.logger,
    audit: runtime.audit,
    now: runtime.now,
  });
}

export async function buildBackfillFunction(env: NodeJS.ProcessEnv = process.env): Promise<HttpHandler> {
  return createBackfillHandler(await buildRuntime('backfill', env));
}
