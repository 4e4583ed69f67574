import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createIapVerifier, IAP_ISSUER, IapAssertionError, type JwkSet } from '../../../shared/console/auth/iap-jwt';

const AUDIENCE = '/projects/123456789/global/backendServices/987654321';
const NOW = Date.parse('2026-11-30T12:00:00Z');

function keyPair(kid: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT as IAP signs it: ES256, r||s signature. */
function iapJwt(
  key: { kid: string; privateKey: KeyObject },
  claims: Record<string, unknown> = {},
  header: object = {},
) {
  const head = b64({ alg: 'ES256', typ: 'JWT', kid: key.kid, ...header });
  const body = b64({
    iss: IAP_ISSUER,
    aud: AUDIENCE,
    iat: NOW / 1000 - 10,
    exp: NOW / 1000 + 590,
    email: 'Ops@Example.com',
    sub: 'accounts.google.com:1234567890',
    ...claims,
  });
  const signature = sign('sha256', Buffer.from(`${head}.${body}`), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${signature.toString('base64url')}`;
}

function verifier(sets: JwkSet[], now = () => NOW) {
  let calls = 0;
  const fetchKeys = jest.fn(async (): Promise<JwkSet> => sets[Math.min(calls++, sets.length - 1)] as JwkSet);
  return { verifier: createIapVerifier({ audience: AUDIENCE, fetchKeys, now }), fetchKeys };
}

describe('IAP signed header (x-goog-iap-jwt-assertion)', () => {
  const key = keyPair('key-1');

  it('accepts an assertion IAP signed for this audience and names the user by subject', async () => {
    const { verifier: v } = verifier([{ keys: [key.jwk] }]);
    await expect(v.verify(iapJwt(key))).resolves.toEqual({
      email: 'ops@example.com',
      subject: 'accounts.google.com:1234567890',
    });
  });

  it.each([
    ['no header at all', undefined],
    ['not a JWT', 'abc.def'],
    ['another audience', 'aud'],
    ['another issuer', 'iss'],
    ['expired', 'exp'],
    ['issued in the future', 'iat'],
    ['no email', 'email'],
  ])('refuses an assertion with %s', async (_what, defect) => {
    const { verifier: v } = verifier([{ keys: [key.jwk] }]);
    const claims: Record<string, unknown> = {
      aud: { aud: '/projects/1/global/backendServices/2' },
      iss: { iss: 'https://accounts.google.com' },
      exp: { exp: NOW / 1000 - 31 },
      iat: { iat: NOW / 1000 + 31 },
      email: { email: undefined },
    };
    const token =
      defect === undefined
        ? undefined
        : defect.includes('.')
          ? defect
          : iapJwt(key, claims[defect] as Record<string, unknown>);
    await expect(v.verify(token)).rejects.toThrow(IapAssertionError);
  });

  it('allows 30 s of clock skew on expiry, and not 31', async () => {
    const { verifier: v } = verifier([{ keys: [key.jwk] }]);
    await expect(v.verify(iapJwt(key, { exp: NOW / 1000 - 30 }))).resolves.toBeDefined();
    await expect(v.verify(iapJwt(key, { exp: NOW / 1000 - 31 }))).rejects.toThrow(/expired/);
  });

  it('refuses a payload changed after signing, a token signed by another key, and alg other than ES256', async () => {
    const { verifier: v } = verifier([{ keys: [key.jwk] }]);
    const [head, , signature] = iapJwt(key).split('.');
    const forged = `${head}.${b64({ iss: IAP_ISSUER, aud: AUDIENCE, iat: NOW / 1000, exp: NOW / 1000 + 60, email: 'admin@example.com', sub: 'x' })}.${signature}`;
    await expect(v.verify(forged)).rejects.toThrow(/signature/);
    const stranger = keyPair('key-1');
    await expect(v.verify(iapJwt(stranger))).rejects.toThrow(/signature/);
    await expect(v.verify(iapJwt(key, {}, { alg: 'HS256' }))).rejects.toThrow(/HS256/);
    await expect(v.verify(iapJwt(key, {}, { alg: 'none' }))).rejects.toThrow(/none/);
  });

  it('reads the key set once while it is fresh', async () => {
    const { verifier: v, fetchKeys } = verifier([{ keys: [key.jwk] }]);
    await v.verify(iapJwt(key));
    await v.verify(iapJwt(key));
    expect(fetchKeys).toHaveBeenCalledTimes(1);
  });

  it('reads the key set again for a key Google rotated in, at most once a minute', async () => {
    const rotated = keyPair('key-2');
    let now = NOW;
    const { verifier: v, fetchKeys } = verifier([{ keys: [key.jwk] }, { keys: [key.jwk, rotated.jwk] }], () => now);
    await v.verify(iapJwt(key));
    await expect(v.verify(iapJwt(rotated))).rejects.toThrow(/unknown key key-2/);
    expect(fetchKeys).toHaveBeenCalledTimes(1);
    now += 61_000;
    await expect(v.verify(iapJwt(rotated, { iat: now / 1000, exp: now / 1000 + 60 }))).resolves.toBeDefined();
    expect(fetchKeys).toHaveBeenCalledTimes(2);
  });
});
