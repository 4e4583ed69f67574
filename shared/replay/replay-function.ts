import { createStripeClientFactory } from '../stripe/client';
import type { HttpHandler } from '../runtime/lazy-handler';
import { buildRuntime, type Runtime } from '../runtime/runtime';
import { createCommandHandler } from './command-handler';
import { runReplay, type ReplayDeps } from './replay';

/** The replay push handler over a runtime; the local stack passes its shared runtime, production builds one. */
export function createReplayHandler(
  runtime: Runtime,
  overrides: Partial<Pick<ReplayDeps, 'stripeFor'>> = {},
): HttpHandler {
  const stripe = createStripeClientFactory({
    secrets: runtime.secrets,
    apiBase: runtime.config.stripeApiBase,
    logger: runtime.logger,
  });
  const deps: ReplayDeps = {
    functionName: runtime.functionName,
    tenants: runtime.stores.tenants,
    ledger: runtime.stores.ledger,
    syncState: runtime.stores.syncState,
    reviewQueue: runtime.stores.reviewQueue,
    publisher: runtime.publisher,
    audit: runtime.audit,
    validators: runtime.validators,
    stripeFor: (tenant) => stripe.clientFor(tenant),
    logger: runtime.logger,
    topicPrefix: runtime.config.topicPrefix,
    now: runtime.now,
    ...overrides,
  };
  return createCommandHandler({
    functionName: runtime.functionName,
    validator: runtime.validators.replayCommand,
    run: (command) => runReplay(deps, command),
    logger: runtime.logger,
    audit: runtime.audit,
    now: runtime.now,
  });
}

export async function buildReplayFunction(env: NodeJS.ProcessEnv = process.env): Promise<HttpHandler> {
  return createReplayHandler(await buildRuntime('replay', env));
}
