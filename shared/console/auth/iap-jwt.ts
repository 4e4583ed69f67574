import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';

/**
 * Verifies the `x-goog-iap-jwt-assertion` header Identity-Aware Proxy adds to every request it lets through
 * (https://cloud.google.com/iap/docs/signed-headers-howto): ES256 over the header and payload, signed by one of
 * IAP's public keys (a JWK set at IAP_PUBLIC_KEYS_URL, rotated by Google), issuer `https://cloud.google.com/iap`,
 * audience the backend service this deployment put IAP on. node:crypto does the signature check: no new
 * dependency. A request without a valid assertion did not come through IAP (someone reached the function some
 * other way), so nothing is served to it.
 */
export const IAP_ISSUER = 'https://cloud.google.com/iap';
export const IAP_PUBLIC_KEYS_URL = 'https://www.gstatic.com/iap/verify/public_key-jwk';

export interface IapIdentity {
  email: string;
  /** IAP's stable subject id (`accounts.google.com:1234…`): what actions are recorded under, never the email. */
  subject: string;
}

export class IapAssertionError extends Error {
  override name = 'IapAssertionError';
}

export interface JwkSet {
  keys: Array<JsonWebKey & { kid?: string }>;
}

export interface IapVerifierOptions {
  /** `/projects/<number>/global/backendServices/<id>` for a load balancer's backend service. */
  audience: string;
  /** Reads IAP's JWK set; default: fetch IAP_PUBLIC_KEYS_URL. */
  fetchKeys?: () => Promise<JwkSet>;
  /** Epoch ms. */
  now?: () => number;
  /** How long a fetched key set is trusted before it is read again (Google rotates keys). */
  keysTtlMs?: number;
  /** Clock skew allowed on exp/iat. */
  skewSeconds?: number;
}

export interface IapVerifier {
  verify(assertion: string | undefined): Promise<IapIdentity>;
}

async function fetchIapKeys(): Promise<JwkSet> {
  const response = await fetch(IAP_PUBLIC_KEYS_URL, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`IAP public keys answered ${response.status}`);
  return (await response.json()) as JwkSet;
}

function decodeSegment(segment: string, what: string): Record<string, unknown> {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
    return value as Record<string, unknown>;
  } catch {
    throw new IapAssertionError(`the IAP assertion's ${what} is not base64url JSON`);
  }
}

export function createIapVerifier(options: IapVerifierOptions): IapVerifier {
  const fetchKeys = options.fetchKeys ?? fetchIapKeys;
  const now = options.now ?? Date.now;
  const ttl = options.keysTtlMs ?? 3600_000;
  const skew = options.skewSeconds ?? 30;
  let cache: { keys: Map<string, KeyObject>; fetchedAt: number } | undefined;
  let refreshing: Promise<Map<string, KeyObject>> | undefined;

  const load = (): Promise<Map<string, KeyObject>> => {
    refreshing ??= fetchKeys()
      .then((set) => {
        const keys = new Map<string, KeyObject>();
        for (const jwk of set.keys ?? [])
          if (jwk.kid && jwk.kty === 'EC' && jwk.crv === 'P-256')
            keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
        cache = { keys, fetchedAt: now() };
        return keys;
      })
      .finally(() => {
        refreshing = undefined;
      });
    return refreshing;
  };

  async function keyFor(kid: string): Promise<KeyObject> {
    const fresh = cache && now() - cache.fetchedAt < ttl;
    let key = fresh ? cache?.keys.get(kid) : undefined;
    // An unknown kid may be a key Google just rotated in: read the set again, but not more than once a minute.
    if (!key && (!cache || !fresh || now() - cache.fetchedAt > 60_000)) key = (await load()).get(kid);
    if (!key) throw new IapAssertionError(`the IAP assertion names an unknown key ${kid}`);
    return key;
  }

  return {
    async verify(assertion) {
      if (!assertion) throw new IapAssertionError('no IAP assertion: the request did not come through IAP');
      const parts = assertion.split('.');
      if (parts.length !== 3) throw new IapAssertionError('the IAP assertion is not a JWT');
      const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
      const header = decodeSegment(headerPart, 'header');
      if (header.alg !== 'ES256') throw new IapAssertionError(`the IAP assertion is signed with ${String(header.alg)}`);
      if (typeof header.kid !== 'string') throw new IapAssertionError('the IAP assertion names no key');
      const key = await keyFor(header.kid);
      // JWS ES256 signatures are r||s (IEEE P1363), not DER.
      const signed = verify(
        'sha256',
        Buffer.from(`${headerPart}.${payloadPart}`),
        { key, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signaturePart, 'base64url'),
      );
      if (!signed) throw new IapAssertionError('the IAP assertion signature does not verify');
      const claims = decodeSegment(payloadPart, 'payload');
      const seconds = now() / 1000;
      if (claims.iss !== IAP_ISSUER) throw new IapAssertionError('the IAP assertion has the wrong issuer');
      if (claims.aud !== options.audience) throw new IapAssertionError('the IAP assertion is for another audience');
      if (typeof claims.exp !== 'number' || claims.exp + skew < seconds)
        throw new IapAssertionError('the IAP assertion has expired');
      if (typeof claims.iat !== 'number' || claims.iat - skew > seconds)
        throw new IapAssertionError('the IAP assertion is issued in the future');
      if (typeof claims.email !== 'string' || typeof claims.sub !== 'string')
        throw new IapAssertionError('the IAP assertion names no user');
      return { email: claims.email.toLowerCase(), subject: claims.sub };
    },
  };
}
