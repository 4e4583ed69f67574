import OAuthClient from 'intuit-oauth';
import { AuthError, RetryableError } from '../../errors';
import { QboAuthError } from '../faults';

/**
 * Intuit's OAuth 2.0 endpoints through the `intuit-oauth` package, behind a small port so the token provider and
 * `connect-qbo` can be tested against the simulator (same paths, another host).
 *
 * intuit-oauth keeps its endpoint URLs in static class properties (one per process), so two clients with
 * different hosts would overwrite each other. Every call below sets them immediately before invoking the library,
 * which reads them synchronously inside the same call; no await separates the two, so no other client can
 * interleave.
 */
export interface QboOAuthEndpoints {
  authorizeEndpoint: string;
  tokenEndpoint: string;
  revokeEndpoint: string;
}

export const INTUIT_OAUTH_ENDPOINTS: QboOAuthEndpoints = {
  authorizeEndpoint: 'https://appcenter.intuit.com/connect/oauth2',
  tokenEndpoint: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer',
  revokeEndpoint: 'https://developer.api.intuit.com/v2/oauth2/tokens/revoke',
};

/** The simulator serves Intuit's paths: only the host differs. */
export function simulatorOAuthEndpoints(simulatorUrl: string): QboOAuthEndpoints {
  const base = simulatorUrl.replace(/\/+$/, '');
  return {
    authorizeEndpoint: `${base}/connect/oauth2`,
    tokenEndpoint: `${base}/oauth2/v1/tokens/bearer`,
    revokeEndpoint: `${base}/v2/oauth2/tokens/revoke`,
  };
}

export interface OAuthTokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  x_refresh_token_expires_in: number;
  token_type?: string;
}

export interface QboOAuthClient {
  authorizeUri(state: string): string;
  /** Exchanges the callback URL's `code`; returns the tokens and the `realmId` Intuit put on the callback. */
  exchangeCode(callbackUrl: string): Promise<OAuthTokenResponse & { realmId: string }>;
  refresh(refreshToken: string): Promise<OAuthTokenResponse>;
  revoke(token: string): Promise<void>;
}

export interface IntuitOAuthClientProps {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  environment: 'sandbox' | 'production';
  endpoints?: Partial<QboOAuthEndpoints>;
  /** How long one token call (exchange, refresh, revoke) may take, intuit-oauth's own retries included. */
  timeoutMs?: number;
}

/**
 * intuit-oauth sends token requests through axios with no timeout and up to three retries of its own (1 s, 2 s,
 * 4 s backoff), and offers no way to pass either. A refresh runs under a 30 s lease (token-provider.ts): a call
 * that outlives the lease lets another instance refresh beside it. So every call is bounded here, at most half
 * the lease. Abandoning a call whose answer is still on its way is safe: if Intuit did rotate the pair, the refresh
 * token we still hold stays valid for 24 h and the next refresh gets a fresh pair with it.
 */
export const DEFAULT_OAUTH_TIMEOUT_MS = 15_000;

function bounded<T>(call: Promise<T>, timeoutMs: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new RetryableError(`${operation}: Intuit OAuth did not answer in ${timeoutMs} ms`, {
            code: 'qbo_oauth_timeout',
          }),
        ),
      timeoutMs,
    );
    timer.unref();
  });
  // The abandoned call may still reject later; nobody is listening then.
  call.catch(() => undefined);
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}

interface IntuitFailure {
  error?: unknown;
  authResponse?: { response?: { status?: number } };
}

/**
 * Maps intuit-oauth's wrapped error. The original is not kept as `cause`: it carries the request's token and
 * Authorization header, and an error's cause ends up in log serializers.
 */
function mapOAuthError(error: unknown, operation: string): Error {
  const failure = (error ?? {}) as IntuitFailure;
  const code = typeof failure.error === 'string' ? failure.error : '';
  const status = failure.authResponse?.response?.status;
  if (code === 'invalid_grant')
    return new QboAuthError(`${operation}: refresh token rejected (invalid_grant)`, {
      code: 'invalid_grant',
      status: status ?? 400,
      fault: undefined,
      intuitTid: undefined,
    });
  if (code === 'invalid_client' || status === 401)
    return new AuthError(`${operation}: OAuth client rejected`, { code: 'qbo_invalid_client' });
  return new RetryableError(`${operation}: Intuit OAuth unavailable${status ? ` (${status})` : ''}`, {
    code: 'qbo_oauth_unavailable',
  });
}

function tokenJson(response: { getJson(): unknown }): OAuthTokenResponse {
  const json = (response.getJson() ?? {}) as Partial<OAuthTokenResponse>;
  if (typeof json.access_token !== 'string' || typeof json.refresh_token !== 'string')
    throw new RetryableError('Intuit OAuth answered without tokens', { code: 'qbo_oauth_unavailable' });
  return {
    access_token: json.access_token,
    refresh_token: json.refresh_token,
    expires_in: Number(json.expires_in ?? 3600),
    x_refresh_token_expires_in: Number(json.x_refresh_token_expires_in ?? 8_726_400),
    token_type: json.token_type ?? 'bearer',
  };
}

export function createIntuitOAuthClient(props: IntuitOAuthClientProps): QboOAuthClient {
  const endpoints = { ...INTUIT_OAUTH_ENDPOINTS, ...props.endpoints };
  const timeoutMs = props.timeoutMs ?? DEFAULT_OAUTH_TIMEOUT_MS;
  const client = new OAuthClient({
    clientId: props.clientId,
    clientSecret: props.clientSecret,
    redirectUri: props.redirectUri,
    environment: props.environment,
    logging: false,
  });
  const pointAtOurHost = (): OAuthClient => {
    OAuthClient.authorizeEndpoint = endpoints.authorizeEndpoint;
    OAuthClient.tokenEndpoint = endpoints.tokenEndpoint;
    OAuthClient.revokeEndpoint = endpoints.revokeEndpoint;
    return client;
  };

  return {
    authorizeUri(state) {
      return pointAtOurHost().authorizeUri({ scope: [OAuthClient.scopes.Accounting], state });
    },
    async exchangeCode(callbackUrl) {
      const realmId = new URL(callbackUrl).searchParams.get('realmId') ?? '';
      try {
        const response = await bounded(
          pointAtOurHost().createToken(callbackUrl),
          timeoutMs,
          'exchange authorization code',
        );
        return { ...tokenJson(response), realmId };
      } catch (error) {
        throw error instanceof RetryableError ? error : mapOAuthError(error, 'exchange authorization code');
      }
    },
    async refresh(refreshToken) {
      try {
        return tokenJson(
          await bounded(pointAtOurHost().refreshUsingToken(refreshToken), timeoutMs, 'refresh QBO tokens'),
        );
      } catch (error) {
        throw error instanceof RetryableError ? error : mapOAuthError(error, 'refresh QBO tokens');
      }
    },
    async revoke(token) {
      try {
        await bounded(pointAtOurHost().revoke({ refresh_token: token }), timeoutMs, 'revoke QBO tokens');
      } catch (error) {
        throw error instanceof RetryableError ? error : mapOAuthError(error, 'revoke QBO tokens');
      }
    },
  };
}
