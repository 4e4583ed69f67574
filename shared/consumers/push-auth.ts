import type { IncomingHttpHeaders } from 'node:http';
import { OAuth2Client } from 'google-auth-library';

/**
 * Who may push to a consumer (DESIGN section 10): only our subscription, by the OIDC token Pub/Sub attaches to
 * every push. Cloud Run IAM checks the token too, but one IAM slip (an `allUsers` invoker, a broad `run.invoker`
 * grant) or anyone able to publish to an entity topic through another subscription must not be able to make QBO
 * transactions, so the consumer checks it again: Google's signature, the audience, the issuer, the subscription's
 * service account and `email_verified`.
 *
 * google-auth-library comes with the Google client libraries (@google-cloud/pubsub depends on it); it is not a
 * direct dependency of this package, so its version follows theirs.
 */
export type PushAuthResult =
  | { ok: true }
  /** 401: no token, or one that is not Google's or not current. 403: Google's, but not our subscription's. */
  | { ok: false; status: 401 | 403; reason: string }
  /** Google's certificates could not be fetched: our problem, so Pub/Sub should try again (503). */
  | { ok: false; status: 503; reason: 'certs_unavailable' };

export type PushAuthenticator = (request: { headers: IncomingHttpHeaders }) => Promise<PushAuthResult>;

export interface OidcPushAuthOptions {
  /** The audience the subscription puts in its tokens (infra: the consumer's deterministic run.app URL). */
  audience: string | string[];
  /** The subscription's push service account, the token's `email`. */
  serviceAccountEmail: string;
  /** Google's PEM certificate list; tests serve their own. */
  certsUrl?: string;
}

const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

export function createOidcPushAuthenticator(options: OidcPushAuthOptions): PushAuthenticator {
  const audiences = Array.isArray(options.audience) ? options.audience : [options.audience];
  // One client per instance: it caches Google's certificates for as long as their Cache-Control allows.
  const client = new OAuth2Client({
    issuers: GOOGLE_ISSUERS,
    // Node's own fetch: gaxios otherwise loads node-fetch through a dynamic import, which a CommonJS host (jest)
    // cannot run.
    transporterOptions: { fetchImplementation: fetch },
    ...(options.certsUrl ? { endpoints: { oauth2FederatedSignonPemCertsUrl: options.certsUrl } } : {}),
  });

  return async (request) => {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) return { ok: false, status: 401, reason: 'missing_token' };
    const idToken = match[1];
    let payload;
    try {
      payload = (await client.verifyIdToken({ idToken, audience: audiences })).getPayload();
    } catch (error) {
      // The library's messages quote the token: only a category leaves this function.
      const message = error instanceof Error ? error.message : '';
      if (/verification certificates/i.test(message)) return { ok: false, status: 503, reason: 'certs_unavailable' };
      if (/audience|recipient/i.test(message)) return { ok: false, status: 403, reason: 'wrong_audience' };
      if (/issuer/i.test(message)) return { ok: false, status: 403, reason: 'wrong_issuer' };
      return { ok: false, status: 401, reason: 'invalid_token' };
    }
    if (!payload || !GOOGLE_ISSUERS.includes(payload.iss)) return { ok: false, status: 403, reason: 'wrong_issuer' };
    if (payload.email !== options.serviceAccountEmail) return { ok: false, status: 403, reason: 'wrong_account' };
    if (payload.email_verified !== true) return { ok: false, status: 403, reason: 'email_unverified' };
    return { ok: true };
  };
}

/**
 * The local stack's pushes: the Pub/Sub emulator attaches no token. Only dev/local-stack and tests that stand in
 * for it pass this; nothing deployed can select it (pushAuthFromEnv has no such setting).
 */
export const UNVERIFIED_LOCAL_EMULATOR_PUSHES: PushAuthenticator = async () => ({ ok: true });

/**
 * A deployed consumer's verifier, from the environment Terraform sets: `PUSH_AUDIENCE` (comma-separated) and
 * `PUSH_INVOKER_EMAIL`. Both are required and there is no switch to turn verification off: a consumer without its
 * push identity does not start.
 */
export function pushAuthFromEnv(env: NodeJS.ProcessEnv): PushAuthenticator {
  const missing = ['PUSH_AUDIENCE', 'PUSH_INVOKER_EMAIL'].filter((key) => !env[key]?.trim());
  if (missing.length > 0)
    throw new Error(`push verification needs ${missing.join(' and ')} (the subscription's OIDC audience and account)`);
  if (env.PUSH_AUTH !== undefined)
    throw new Error('PUSH_AUTH is not a setting: deployed consumers always verify the push OIDC token');
  return createOidcPushAuthenticator({
    audience: (env.PUSH_AUDIENCE ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter((value) => value !== ''),
    serviceAccountEmail: (env.PUSH_INVOKER_EMAIL ?? '').trim(),
  });
}
