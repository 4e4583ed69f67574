import { randomBytes } from 'node:crypto';
import type { Logger } from '../../observability/logger';
import type { SecretStore } from '../../secrets/secret-store';
import type { SyncStateStore } from '../../stores/ports';
import type { QboOAuthClient } from './intuit-oauth-client';
import { storedTokensFrom, writeStoredTokens } from './token-provider';

/**
 * Connecting a tenant to its QBO company in production. Intuit accepts only https redirect URIs for production
 * apps, which the CLI's localhost callback cannot be, so the redirect goes to the deployed `qbo-connect` service
 * (functions/qbo-connect.ts). The operator's CLI opens a flow here (state → tenant, in sync state), prints Intuit's
 * consent URL, and waits; the callback service finds the flow by its state, exchanges the code, stores the tokens,
 * and closes the flow; the CLI sees it closed.
 *
 * Only a flow an operator opened can complete: the state is 128 random bits, stored only here, good for one
 * exchange within its time limit. A callback with an unknown, expired or used state is refused and changes nothing,
 * so a stray or forged redirect cannot end a flow in progress, nor connect someone else's QBO company to a tenant.
 */
export type ConnectFlowStatus = 'pending' | 'exchanging' | 'connected' | 'failed';

export interface ConnectFlow {
  schemaVersion: 1;
  tenantId: string;
  createdAt: string;
  expiresAt: string;
  status: ConnectFlowStatus;
  realmId?: string;
  /** Why it failed: Intuit's `error` on the redirect (access_denied …) or the exchange's code. Ids and codes only. */
  failure?: string;
}

export const connectFlowKey = (state: string) => `qbo-connect-flow:${state}`;

export async function openConnectFlow(
  syncState: SyncStateStore,
  tenantId: string,
  options: { now: number; ttlMs: number },
): Promise<{ state: string; flow: ConnectFlow }> {
  const state = randomBytes(16).toString('hex');
  const flow: ConnectFlow = {
    schemaVersion: 1,
    tenantId,
    createdAt: new Date(options.now).toISOString(),
    expiresAt: new Date(options.now + options.ttlMs).toISOString(),
    status: 'pending',
  };
  if (!(await syncState.put(connectFlowKey(state), flow, 0))) throw new Error('a connect flow with this state exists');
  return { state, flow };
}

export type ConnectCallbackResult =
  | { kind: 'connected'; tenantId: string; realmId: string }
  | { kind: 'refused'; reason: 'missing_state' | 'unknown_state' | 'expired_state' | 'used_state' | 'missing_code' }
  | { kind: 'failed'; tenantId: string; reason: string };

export interface ConnectCallbackDeps {
  syncState: SyncStateStore;
  secrets: SecretStore;
  oauth: () => Promise<Pick<QboOAuthClient, 'exchangeCode'>>;
  logger: Logger;
  now: () => number;
}

/** Completes the flow a callback URL (`…/callback?code&state&realmId` or `?error&state`) belongs to. */
export async function completeConnectFlow(deps: ConnectCallbackDeps, callbackUrl: URL): Promise<ConnectCallbackResult> {
  const state = callbackUrl.searchParams.get('state');
  if (!state || !/^[0-9a-f]{32}$/.test(state)) return { kind: 'refused', reason: 'missing_state' };
  const key = connectFlowKey(state);
  const stored = await deps.syncState.get<ConnectFlow>(key);
  if (!stored) return { kind: 'refused', reason: 'unknown_state' };
  const flow = stored.value;
  if (flow.status !== 'pending') return { kind: 'refused', reason: 'used_state' };
  if (Date.parse(flow.expiresAt) <= deps.now()) return { kind: 'refused', reason: 'expired_state' };
  const denied = callbackUrl.searchParams.get('error');
  const code = callbackUrl.searchParams.get('code');
  if (!denied && !code) return { kind: 'refused', reason: 'missing_code' };

  // Claim the flow before the exchange: of two callbacks carrying this state, one exchanges, the other is refused.
  const claimed: ConnectFlow = { ...flow, status: denied ? 'failed' : 'exchanging' };
  if (denied) claimed.failure = denied.replace(/[^a-z_]/gi, '').slice(0, 50) || 'denied';
  if (!(await deps.syncState.put(key, claimed, stored.version))) return { kind: 'refused', reason: 'used_state' };
  if (denied) return { kind: 'failed', tenantId: flow.tenantId, reason: claimed.failure ?? 'denied' };

  const close = (next: ConnectFlow) => deps.syncState.put(key, next, stored.version + 1);
  try {
    const issued = await (await deps.oauth()).exchangeCode(callbackUrl.toString());
    if (!issued.realmId) throw Object.assign(new Error('no realmId on the callback'), { code: 'no_realm' });
    await writeStoredTokens(deps.secrets, flow.tenantId, storedTokensFrom(issued, issued.realmId, deps.now()));
    await close({ ...claimed, status: 'connected', realmId: issued.realmId });
    deps.logger.info({ tenantId: flow.tenantId, realmId: issued.realmId }, 'qbo connected');
    return { kind: 'connected', tenantId: flow.tenantId, realmId: issued.realmId };
  } catch (error) {
    const code =
      typeof (error as { code?: unknown }).code === 'string' ? (error as { code: string }).code : 'exchange_failed';
    await close({ ...claimed, status: 'failed', failure: code.slice(0, 50) }).catch(() => false);
    deps.logger.warn({ tenantId: flow.tenantId, reason: code, err: error }, 'qbo connect failed');
    return { kind: 'failed', tenantId: flow.tenantId, reason: code };
  }
}

/** Polls the flow until the callback closed it or `deadline` passed. */
export async function awaitConnectFlow(
  syncState: SyncStateStore,
  state: string,
  options: { deadline: number; now: () => number; pollMs?: number; sleep?: (ms: number) => Promise<void> },
): Promise<ConnectFlow | undefined> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (;;) {
    const flow = (await syncState.get<ConnectFlow>(connectFlowKey(state)))?.value;
    if (flow && (flow.status === 'connected' || flow.status === 'failed')) return flow;
    if (options.now() > options.deadline) return undefined;
    await sleep(options.pollMs ?? 1_000);
  }
}
