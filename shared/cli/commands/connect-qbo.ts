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
import type { CliIo } from '../io';
import { UsageError } from '../io';
import { parseCommand } from '../spec';

/**
 * `stripe-qbo connect-qbo --tenant ID [--disconnect] [--oauth-base URL]`
 *
 * Connect: Intuit's authorization-code flow with a callback on localhost. The OAuth app comes from the
 * `qbo-oauth-client` secret (`{"clientId","clientSecret","redirectUri"?,"environment"?,"oauthBaseUrl"?}`); its
 * redirect URI must be registered with Intuit and point at localhost (default http://localhost:8765/callback).
 * The tokens and the realm id Intuit returns on the callback go to `qbo-tokens-<tenantId>`.
 * Disconnect: revokes the grant at Intuit and overwrites the secret with a tombstone, so the token provider reports
 * the tenant as not connected (needs_reauth) instead of using tokens that no longer work.
 * `--oauth-base` (or `oauthBaseUrl`) points the flow at the QBO simulator, which serves Intuit's OAuth paths.
 */
export interface ConnectQboDeps {
  secrets?: SecretStore;
  oauthFor?: (props: IntuitOAuthClientProps) => QboOAuthClient;
  /** Opens the consent page; by default the URL is printed for the person to open. */
  openUrl?: (url: string) => void | Promise<void>;
  callbackTimeoutMs?: number;
  now?: () => number;
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
    const ok = url.searchParams.get('state') === state && url.searchParams.has('code');
    response.writeHead(ok ? 200 : 400, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(ok ? 'QuickBooks connected. You can close this tab.' : 'QuickBooks connection failed.');
    if (ok) settle?.resolve(url.toString());
    // A wrong state is someone else's redirect (CSRF) or a stale tab: refuse it.
    else settle?.reject(new Error(`authorization failed: ${url.searchParams.get('error') ?? 'state mismatch'}`));
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
    if (stored) await oauth.revoke(stored.refresh_token);
    await secrets.write(
      secretNames.qboTokens(tenantId),
      JSON.stringify({ revoked_at: new Date(now()).toISOString(), realmId: stored?.realmId ?? null }),
    );
    io.stdout(`tenant ${tenantId} disconnected from QBO${stored ? ` (realm ${stored.realmId})` : ''}`);
    return 0;
  }

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
