import { createSign, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Request, Response } from '@google-cloud/functions-framework';
import pino from 'pino';
import { createValidators } from '../../../schemas/validators';
import {
  createOidcPushAuthenticator,
  pushAuthFromEnv,
  type PushAuthenticator,
} from '../../../shared/consumers/push-auth';
import { createPushHandler } from '../../../shared/consumers/push-handler';
import { createRecorder } from '../../../shared/consumers/record';
import { buildEvent, buildInvoice } from '../../unit/accounting/factories';
import { MemoryReviewQueue, RecordingAuditSink } from '../../unit/consumers/fakes';

/**
 * The consumer checks the push's OIDC token itself (audience, issuer, the subscription's service account,
 * email_verified) instead of trusting Cloud Run IAM alone. Tokens are signed here with a key generated for the
 * test, and its public key is served as Google's certificate list on 127.0.0.1.
 */
const AUDIENCE = 'https://sync-invoice-123456789.us-central1.run.app';
const INVOKER = 'push-sync-invoice@my-project.iam.gserviceaccount.com';
const KID = 'test-key-1';

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

function signJwt(key: KeyObject, claims: Record<string, unknown>, kid = KID): string {
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
  const payload = base64url(JSON.stringify(claims));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${signer.sign(key).toString('base64url')}`;
}

describe('push OIDC verification in the consumer', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let certs: Server;
  let certsUrl: string;
  let certFetches = 0;

  beforeAll(async () => {
    certs = createServer((req, res) => {
      certFetches += 1;
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'public, max-age=3600');
      res.end(JSON.stringify({ [KID]: publicKey.export({ type: 'spki', format: 'pem' }) }));
    });
    await new Promise<void>((resolve) => certs.listen(0, '127.0.0.1', resolve));
    certsUrl = `http://127.0.0.1:${(certs.address() as AddressInfo).port}/oauth2/v1/certs`;
  });
  afterAll(() => new Promise((resolve) => certs.close(resolve)));

  const nowSeconds = () => Math.floor(Date.now() / 1000);
  const goodClaims = () => ({
    iss: 'https://accounts.google.com',
    aud: AUDIENCE,
    email: INVOKER,
    email_verified: true,
    sub: '1234567890',
    iat: nowSeconds() - 10,
    exp: nowSeconds() + 3000,
  });

  function consumer(authenticate: PushAuthenticator) {
    const synced: string[] = [];
    const handle = createPushHandler({
      entity: 'invoice',
      logger: pino({ level: 'silent' }),
      validators: createValidators(),
      recorder: createRecorder({
        functionName: 'sync-invoice',
        audit: new RecordingAuditSink(),
        reviewQueue: new MemoryReviewQueue(),
        now: () => new Date(0),
      }),
      authenticate,
      sync: async (event) => {
        synced.push(event.eventId);
        return 'posted';
      },
      onFailure: async () => 503,
    });
    return { handle, synced };
  }

  async function pushWith(handle: ReturnType<typeof consumer>['handle'], authorization?: string): Promise<number> {
    const event = buildEvent('invoice.finalized', buildInvoice());
    const body = {
      message: { data: Buffer.from(JSON.stringify(event)).toString('base64'), messageId: 'm-1', attributes: {} },
      subscription: 'projects/my-project/subscriptions/stripe-invoices-to-sync-invoice',
      deliveryAttempt: 1,
    };
    let status = 0;
    const res = {
      status(code: number) {
        status = code;
        return res;
      },
      end: () => res,
    };
    const headers: Record<string, string> = { host: 'sync-invoice-123456789.us-central1.run.app' };
    if (authorization) headers.authorization = authorization;
    await handle({ body, headers } as unknown as Request, res as unknown as Response);
    return status;
  }

  const verifier = () => createOidcPushAuthenticator({ audience: AUDIENCE, serviceAccountEmail: INVOKER, certsUrl });

  it('accepts a token Google signed for this audience and the subscription’s service account', async () => {
    const { handle, synced } = consumer(verifier());
    expect(await pushWith(handle, `Bearer ${signJwt(privateKey, goodClaims())}`)).toBe(204);
    expect(synced).toHaveLength(1);
  });

  it.each([
    ['no token at all', () => undefined, 401],
    ['a token signed by another key', () => `Bearer ${signJwt(stranger.privateKey, goodClaims())}`, 401],
    [
      'an expired token',
      () => `Bearer ${signJwt(privateKey, { ...goodClaims(), iat: nowSeconds() - 7200, exp: nowSeconds() - 3600 })}`,
      401,
    ],
    [
      'a token for another service',
      () =>
        `Bearer ${signJwt(privateKey, { ...goodClaims(), aud: 'https://sync-payment-123456789.us-central1.run.app' })}`,
      403,
    ],
    [
      'a token from another issuer',
      () => `Bearer ${signJwt(privateKey, { ...goodClaims(), iss: 'https://evil.example' })}`,
      403,
    ],
    [
      'a token for another service account',
      () => `Bearer ${signJwt(privateKey, { ...goodClaims(), email: 'attacker@my-project.iam.gserviceaccount.com' })}`,
      403,
    ],
    [
      'a token whose email is not verified',
      () => `Bearer ${signJwt(privateKey, { ...goodClaims(), email_verified: false })}`,
      403,
    ],
    ['a malformed token', () => 'Bearer not.a.jwt', 401],
  ])('refuses %s without running the pipeline', async (_name, authorization, status) => {
    const { handle, synced } = consumer(verifier());
    expect(await pushWith(handle, authorization())).toBe(status);
    expect(synced).toEqual([]);
  });

  it('reads Google’s certificates once per their max-age, not once per push', async () => {
    const before = certFetches;
    const { handle } = consumer(verifier());
    for (let i = 0; i < 3; i += 1)
      expect(await pushWith(handle, `Bearer ${signJwt(privateKey, goodClaims())}`)).toBe(204);
    expect(certFetches - before).toBe(1);
  });

  it('asks Pub/Sub to retry (503) when Google’s certificates cannot be fetched', async () => {
    const { handle, synced } = consumer(
      createOidcPushAuthenticator({
        audience: AUDIENCE,
        serviceAccountEmail: INVOKER,
        certsUrl: 'http://127.0.0.1:1/oauth2/v1/certs',
      }),
    );
    expect(await pushWith(handle, `Bearer ${signJwt(privateKey, goodClaims())}`)).toBe(503);
    expect(synced).toEqual([]);
  });

  it('has no "off" default: a deployed consumer without its push identity fails to start, naming what is missing', () => {
    expect(() => pushAuthFromEnv({})).toThrow(/PUSH_AUDIENCE.*PUSH_INVOKER_EMAIL|PUSH_INVOKER_EMAIL.*PUSH_AUDIENCE/);
    expect(() => pushAuthFromEnv({ PUSH_AUDIENCE: AUDIENCE, PUSH_INVOKER_EMAIL: INVOKER, PUSH_AUTH: 'off' })).toThrow(
      /PUSH_AUTH/,
    );
  });
});
