import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import {
  INTUIT_OAUTH_ENDPOINTS,
  createIntuitOAuthClient,
  simulatorOAuthEndpoints,
} from '../../qbo/auth/intuit-oauth-client';
import type { IntuitOAuthClientProps, QboOAuthClient } from '../../qbo/auth/intuit-oauth-client';
import { parseStoredTokens, storedTokensFrom, writeStoredTokens } from '../../qbo/auth/token-provider';
import { LocalFileSecretStore, SecretManagerSecretStore, secretNames } from '../../secrets/secret-store';
import type { SecretStore } from '../../secrets/secret-store';
import { CONNECT_QBO } from '../command-specs';
import { awaitConnectFlow, openConnectFlow } from '../../qbo/auth/connect-flow';
import { QboAuthError } from '../../qbo/faults';
import { buildRuntime } from '../../runtime/runtime';
import type { SyncStateStore } from '../../stores/ports';
import type { CliIo } from '../io';
import { UsageError } from '../io';
import { parseCommand } from '../spec';

/**
 * `stripe-qbo connect-qbo --tenant ID [--disconnect] [--oauth-base URL]`
 *
 * Connect: Intuit's authorization-code flow. The OAuth app comes from the `qbo-oauth-client` secret
 * (`{"clientId","clientSecret","redirectUri"?,"environment"?,"oauthBaseUrl"?}`); its redirect URI, registered with
 * Intuit, decides where the callback is served:
 *   - `https://…` (required by Intuit for production apps): the deployed `qbo-connect` service
 *     (`terraform output qbo_connect_callback_url`). This command opens a flow in the store (its state, the tenant),
 *     prints the consent URL and waits until the service has exchanged the code and stored the tokens.
 *   - `http://localhost…` (sandbox apps, the simulator): this command serves the callback itself, as before.
 * Either way a request carrying another state (a stale tab, someone else's redirect) is refused and the flow goes on
 * waiting for its own. The tokens and the realm id Intuit returns go to `qbo-tokens-<tenantId>`.
 * Disconnect: revokes the grant at Intuit and overwrites the secret with a tombstone, so the token provider reports
 * the tenant as not connected (needs_reauth) instead of using tokens that no longer work. A grant Intuit already
 * considers dead (`invalid_grant`) is the goal reached; the tombstone is written whatever revoke answered.
 * `--oauth-base` (or `oauthBaseUrl`) points the flow at the QBO simulator, which serves Intuit's OAuth paths.
 */
export interface ConnectQboDeps {
  secrets?: SecretStore;
  oauthFor?: (props: IntuitOAuthClientProps) => QboOAuthClient;
  /** Opens the consent page; by default the URL is printed for the person to open. */
  openUrl?: (url: string) => void | Promise<void>;
  callbackTimeoutMs?: number;
  now?: () => number;
  /** Where flows through the https callback are kept (sync state); the configured store by default. */
  flows?: SyncStateStore;
  pollMs?: number;
}

const DEFAULT_REDIRECT = 'http://localhost:8765/callback';

async function defaultSecrets(io: CliIo): Promise<SecretStore> {
  if (io.env.SECRETS !== 'secret-manager') return new LocalFileSecretStore(join(io.cwd, '.local', 'secrets'));
  const project = io.env.GOOGLE_CLOUD_PROJECT;
  if (!project) throw new UsageError('SECRETS=secret-manager needs GOOGLE_CLOUD_PROJECT');
  const { SecretManagerServiceClient } = await import('@google-cloud/secret-manager');
  return new SecretManagerSecretStore(new SecretManagerServiceClient(), project);
}

interface OAuthAppSecret {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  environment: 'sandbox' | 'production';
  oauthBaseUrl: string | undefined;
}

async function readOAuthApp(secrets: SecretStore): Promise<OAuthAppSecret> {
  const raw = await secrets.read(secretNames.qboOAuthClient());
  const value = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
  if (typeof value.clientId !== 'string' || typeof value.clientSecret !== 'string')
    throw new UsageError(`secret ${secretNames.qboOAuthClient()} must hold {"clientId","clientSecret"}`);
  return {
    clientId: value.clientId,
    clientSecret: value.clientSecret,
    redirectUri: typeof value.redirectUri === 'string' ? value.redirectUri : DEFAULT_REDIRECT,
    environment: value.environment === 'production' ? 'production' : 'sandbox',
    oauthBaseUrl: typeof value.oauthBaseUrl === 'string' ? value.oauthBaseUrl : undefined,
  };
}

/** Serves the redirect URI once and resolves with the full callback URL (code, state, realmId). */
function awaitCallback(
  redirectUri: string,
  state: string,
  timeoutMs: number,
): {
  listening: Promise<void>;
  callback: Promise<string>;
} {
  const target = new URL(redirectUri);
  let settle: { resolve: (url: string) => void; reject: (error: Error) => void } | undefined;
  const callback = new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', redirectUri);
    if (url.pathname !== target.pathname) {
      response.writeHead(404).end();
      return;
    }
    const ours = url.searchParams.get('state') === state;
    const ok = ours && url.searchParams.has('code');
    response.writeHead(ok ? 200 : 400, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(ok ? 'QuickBooks connected. You can close this tab.' : 'QuickBooks connection failed.');
    if (ok) settle?.resolve(url.toString());
    // Our state with an error: the person declined (or Intuit refused) this flow.
    else if (ours) settle?.reject(new Error(`authorization failed: ${url.searchParams.get('error') ?? 'no code'}`));
    // Another state is someone else's redirect (CSRF) or a stale tab: refused, and the flow keeps waiting for its own.
  });
  const timer = setTimeout(() => settle?.reject(new Error('timed out waiting for the QBO authorization')), timeoutMs);
  const close = () => {
    clearTimeout(timer);
    server.closeAllConnections();
    server.close();
  };
  callback.then(close, close);
  const listening = new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(target.port || 80), target.hostname === 'localhost' ? '127.0.0.1' : target.hostname, resolve);
  });
  return { listening, callback };
}

export async function runConnectQbo(argv: string[], io: CliIo & ConnectQboDeps): Promise<number> {
  const { values } = parseCommand(CONNECT_QBO, argv);
  const tenantId = values.tenant;
  // The id names secrets (qbo-tokens-<tenant>): Secret Manager allows only these characters.
  if (!/^[A-Za-z0-9_-]+$/.test(tenantId))
    throw new UsageError(`--tenant needs an id of letters, digits, _ and - (got "${tenantId}")`);
  const secrets = io.secrets ?? (await defaultSecrets(io));
  const app = await readOAuthApp(secrets);
  const oauthBase = values['oauth-base'] ?? app.oauthBaseUrl;
  const oauth = (io.oauthFor ?? createIntuitOAuthClient)({
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    redirectUri: app.redirectUri,
    environment: app.environment,
    endpoints: oauthBase ? simulatorOAuthEndpoints(oauthBase) : INTUIT_OAUTH_ENDPOINTS,
  });
  const now = io.now ?? Date.now;

  if (values.disconnect) {
    const stored = parseStoredTokens(await secrets.read(secretNames.qboTokens(tenantId)));
    let revokeFailure: string | undefined;
    if (stored)
      await oauth.revoke(stored.refresh_token).catch((error: unknown) => {
        // invalid_grant: Intuit no longer honours the grant, which is what revoking is for.
        if (!(error instanceof QboAuthError && error.code === 'invalid_grant'))
          revokeFailure = (error as { code?: string }).code ?? 'revoke_failed';
      });
    // Written whatever revoke answered: the tokens must not be used again either way.
    await secrets.write(
      secretNames.qboTokens(tenantId),
      JSON.stringify({ revoked_at: new Date(now()).toISOString(), realmId: stored?.realmId ?? null }),
    );
    io.stdout(`tenant ${tenantId} disconnected from QBO${stored ? ` (realm ${stored.realmId})` : ''}`);
    if (revokeFailure) {
      io.stderr(
        `Intuit did not confirm the revocation (${revokeFailure}); the tokens are forgotten here, but disconnect the app in QuickBooks too`,
      );
      return 1;
    }
    return 0;
  }

  const redirect = new URL(app.redirectUri);
  const loopback = redirect.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(redirect.hostname);
  if (redirect.protocol !== 'https:' && !loopback)
    throw new UsageError(`the redirect URI must be https (or http://localhost for a sandbox app): ${app.redirectUri}`);
  if (app.environment === 'production' && redirect.protocol !== 'https:')
    throw new UsageError(
      'Intuit requires an https redirect URI for production apps: set redirectUri in qbo-oauth-client to the qbo-connect callback (terraform output qbo_connect_callback_url)',
    );
  if (!loopback) return connectThroughCallbackService(tenantId, oauth, io, now);

  const state = randomBytes(16).toString('hex');
  const { listening, callback } = awaitCallback(app.redirectUri, state, io.callbackTimeoutMs ?? 5 * 60_000);
  await listening;
  const authorizeUrl = oauth.authorizeUri(state);
  io.stdout(`Open this URL to connect tenant ${tenantId} to QuickBooks:\n${authorizeUrl}`);
  await io.openUrl?.(authorizeUrl);
  let callbackUrl: string;
  try {
    callbackUrl = await callback;
  } catch (error) {
    io.stderr((error as Error).message);
    return 1;
  }
  const issued = await oauth.exchangeCode(callbackUrl);
  if (!issued.realmId) {
    io.stderr('Intuit did not return a realmId on the callback');
    return 1;
  }
  await writeStoredTokens(secrets, tenantId, storedTokensFrom(issued, issued.realmId, now()));
  // Tokens only: the tenant's status lives in the store, which this command does not open (Secret Manager alone).
  io.stdout(
    `tenant ${tenantId} connected to QBO realm ${issued.realmId}; if it was needs_reauth, run tenant activate ${tenantId}`,
  );
  return 0;
}

/**
 * The production flow: the redirect goes to the deployed `qbo-connect` service, which shares the store with this
 * command. The flow is opened here, completed there, and watched here until it closes.
 */
async function connectThroughCallbackService(
  tenantId: string,
  oauth: QboOAuthClient,
  io: CliIo & ConnectQboDeps,
  now: () => number,
): Promise<number> {
  const timeoutMs = io.callbackTimeoutMs ?? 10 * 60_000;
  let flows = io.flows;
  let close = async (): Promise<void> => undefined;
  if (!flows) {
    const runtime = await buildRuntime('cli-connect-qbo', { LOG_LEVEL: 'warn', ...io.env });
    flows = runtime.stores.syncState;
    close = () => runtime.close();
  }
  try {
    const { state } = await openConnectFlow(flows, tenantId, { now: now(), ttlMs: timeoutMs });
    const authorizeUrl = oauth.authorizeUri(state);
    io.stdout(`Open this URL to connect tenant ${tenantId} to QuickBooks:\n${authorizeUrl}`);
    await io.openUrl?.(authorizeUrl);
    const flow = await awaitConnectFlow(flows, state, {
      deadline: now() + timeoutMs,
      now,
      ...(io.pollMs !== undefined ? { pollMs: io.pollMs } : {}),
    });
    if (!flow) {
      io.stderr('timed out waiting for the QBO authorization');
      return 1;
    }
    if (flow.status !== 'connected' || !flow.realmId) {
      io.stderr(`authorization failed: ${flow.failure ?? 'unknown'}`);
      return 1;
    }
    io.stdout(
      `tenant ${tenantId} connected to QBO realm ${flow.realmId}; if it was needs_reauth, run tenant activate ${tenantId}`,
    );
    return 0;
  } finally {
    await close();
  }
}
