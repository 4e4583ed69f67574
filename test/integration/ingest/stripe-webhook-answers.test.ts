import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import request from 'supertest';
import { signStripeEvent } from '../../../shared/ingest/stripe-signature';
import { CONNECT_WEBHOOK_SECRET_NAME } from '../../../shared/ingest/webhook-handler';
import { secretNames } from '../../../shared/secrets/secret-store';
import { buildTenantSettings } from '../../support/tenants';
import { createOpenApiResponseChecker } from './openapi-responses';
import { FIXTURE_DIR, WebhookHarness } from './support';

const SECRET = 'whsec_acme_current';
const OLD_SECRET = 'whsec_acme_previous';
const CONNECT_SECRET = 'whsec_platform';
const customerCreated = readFileSync(join(FIXTURE_DIR, 'event-customer.created.json'), 'utf8');
const payoutPaid = readFileSync(join(FIXTURE_DIR, 'event-payout.paid.json'), 'utf8');

function withEvent(body: string, change: (event: Record<string, unknown>) => void): string {
  const event = JSON.parse(body) as Record<string, unknown>;
  change(event);
  return JSON.stringify(event);
}

interface Attempt {
  method?: 'post' | 'get' | 'put';
  path?: '/' | `/${string}`;
  body?: string;
  /** The Stripe-Signature header; undefined sends none. */
  signature?: string | undefined;
  contentType?: string;
}

interface Row {
  name: string;
  /** Builds the request; runs against a harness whose clock is `now` (unix seconds in `t`). */
  attempt: (t: number) => Attempt;
  setup?: (harness: WebhookHarness) => Promise<void> | void;
  status: number;
  code?: string;
  auditReason?: string;
}

const signed = (body: string, t: number, secret = SECRET) => signStripeEvent(body, secret, { timestamp: t });

const ROWS: Row[] = [
  {
    name: 'a missing signature is refused',
    attempt: () => ({ body: customerCreated, signature: undefined }),
    status: 400,
    code: 'signature_missing',
  },
  {
    name: 'a signature made with another secret is refused',
    attempt: (t) => ({ body: customerCreated, signature: signed(customerCreated, t, 'whsec_forged').signature }),
    status: 400,
    code: 'signature_invalid',
  },
  {
    name: 'a body changed after signing is refused',
    attempt: (t) => ({
      body: customerCreated.replace('cus_00000000000000', 'cus_11111111111111'),
      signature: signed(customerCreated, t).signature,
    }),
    status: 400,
    code: 'signature_invalid',
  },
  {
    name: 'a tenant id with no secret answers like a forged signature',
    attempt: (t) => ({ path: '/nobody', body: customerCreated, signature: signed(customerCreated, t).signature }),
    status: 400,
    code: 'signature_invalid',
  },
  {
    name: 'a timestamp 301 s old is refused as stale',
    attempt: (t) => ({ body: customerCreated, signature: signed(customerCreated, t - 301).signature }),
    status: 400,
    code: 'timestamp_outside_tolerance',
  },
  {
    name: 'signed bytes that are not JSON are refused',
    attempt: (t) => ({
      body: '{"id": "evt_1", ',
      signature: signed('{"id": "evt_1", ', t).signature,
      contentType: 'text/plain',
    }),
    status: 400,
    code: 'malformed_json',
  },
  {
    // The functions-framework body parser answers before the function runs (documented in openapi.yaml).
    name: 'a body declared JSON that does not parse is refused by the framework',
    attempt: (t) => ({ body: '{"id": "evt_1", ', signature: signed('{"id": "evt_1", ', t).signature }),
    status: 400,
  },
  {
    name: 'signed JSON that is not a Stripe event is refused',
    attempt: (t) => ({ body: '{"hello":"world"}', signature: signed('{"hello":"world"}', t).signature }),
    status: 400,
    code: 'malformed_event',
  },
  {
    name: 'a body over 1 MiB is refused before it is verified',
    attempt: (t) => {
      const body = withEvent(customerCreated, (e) => (e.padding = 'x'.repeat(1024 * 1024)));
      return { body, signature: signed(body, t).signature };
    },
    status: 413,
    code: 'payload_too_large',
  },
  { name: 'GET is not allowed', attempt: () => ({ method: 'get' }), status: 405, code: 'method_not_allowed' },
  {
    name: 'PUT is not allowed',
    attempt: (t) => ({ method: 'put', body: customerCreated, signature: signed(customerCreated, t).signature }),
    status: 405,
    code: 'method_not_allowed',
  },
  {
    name: 'a path that is neither / nor /{tenantId} is not found',
    attempt: (t) => ({ path: '/acme/extra', body: customerCreated, signature: signed(customerCreated, t).signature }),
    status: 404,
    code: 'not_found',
  },
  {
    name: 'an event type we do not handle is acknowledged and audited',
    attempt: (t) => {
      const body = withEvent(customerCreated, (e) => (e.type = 'customer.discount.created'));
      return { body, signature: signed(body, t).signature };
    },
    status: 200,
    auditReason: 'unhandled_type',
  },
  {
    name: 'a handled type carrying the wrong object is acknowledged and audited as invalid',
    attempt: (t) => {
      const body = withEvent(customerCreated, (e) => (e.type = 'invoice.finalized'));
      return { body, signature: signed(body, t).signature };
    },
    status: 200,
    auditReason: 'invalid_message',
  },
  {
    name: 'a Connect event for an account with no tenant is archived as unknown_tenant',
    attempt: (t) => ({
      path: '/',
      body: payoutPaid,
      signature: signed(payoutPaid, t, CONNECT_SECRET).signature,
    }),
    status: 200,
    auditReason: 'unknown_tenant',
  },
  {
    name: 'a tenant with a secret but no settings yet is archived as unknown_tenant',
    setup: (h) => h.secrets.write(secretNames.stripeWebhookSecret('onboarding'), SECRET),
    attempt: (t) => ({ path: '/onboarding', body: customerCreated, signature: signed(customerCreated, t).signature }),
    status: 200,
    auditReason: 'unknown_tenant',
  },
  {
    name: 'a live-mode event for a test-mode tenant is skipped',
    attempt: (t) => {
      const body = withEvent(customerCreated, (e) => (e.livemode = true));
      return { body, signature: signed(body, t).signature };
    },
    status: 200,
    auditReason: 'livemode_mismatch',
  },
  {
    name: 'an event for a disabled tenant is skipped',
    setup: async (h) => {
      await h.secrets.write(secretNames.stripeWebhookSecret('paused'), SECRET);
      await h.stores.tenants.put(buildTenantSettings({ tenantId: 'paused', enabled: false }));
    },
    attempt: (t) => ({ path: '/paused', body: customerCreated, signature: signed(customerCreated, t).signature }),
    status: 200,
    auditReason: 'tenant_disabled',
  },
  {
    name: 'a publish failure answers 503 so Stripe retries',
    setup: (h) => {
      h.publisher.failWith = Object.assign(new Error('unavailable'), { code: 14 });
    },
    attempt: (t) => ({ body: customerCreated, signature: signed(customerCreated, t).signature }),
    status: 503,
    code: 'unavailable',
  },
  {
    name: 'an audit failure while skipping answers 503 (the archive is the point)',
    setup: (h) => {
      h.audit.failWith = Object.assign(new Error('unavailable'), { code: 14 });
    },
    attempt: (t) => ({ path: '/', body: payoutPaid, signature: signed(payoutPaid, t, CONNECT_SECRET).signature }),
    status: 503,
    code: 'unavailable',
  },
];

describe('the webhook answers every input and publishes only verified, handled events', () => {
  let harness: WebhookHarness;
  const checkAgainstOpenApi = createOpenApiResponseChecker();

  beforeEach(async () => {
    harness = await new WebhookHarness().start();
    await harness.secrets.write(secretNames.stripeWebhookSecret('acme'), SECRET);
    await harness.secrets.write(CONNECT_WEBHOOK_SECRET_NAME, CONNECT_SECRET);
    await harness.stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
  });
  afterEach(() => harness.stop());

  async function send(attempt: Attempt): Promise<request.Response> {
    const path = attempt.path ?? '/acme';
    let call = request(harness.server())[attempt.method ?? 'post'](path);
    if (attempt.signature !== undefined) call = call.set('stripe-signature', attempt.signature);
    if (attempt.body === undefined) return call;
    return call.set('content-type', attempt.contentType ?? 'application/json').send(attempt.body);
  }

  test.each(ROWS)('$name → $status', async (row) => {
    const t = Math.floor(harness.clock.getTime() / 1000);
    await row.setup?.(harness);
    const attempt = row.attempt(t);

    const response = await send(attempt);

    expect(response.status).toBe(row.status);
    expect(harness.publisher.published).toHaveLength(0);
    const contentType = String(response.headers['content-type']);
    const body: unknown = contentType.startsWith('application/json') ? response.body : response.text;
    checkAgainstOpenApi(attempt.path === '/' ? '/' : '/{tenantId}', response.status, body, contentType);
    if (row.code) expect(response.body.error.code).toBe(row.code);
    if (row.status === 405) expect(response.headers.allow).toBe('POST');
    if (row.auditReason) {
      expect(response.body).toMatchObject({ received: true, outcome: 'skipped', reason: row.auditReason });
      expect(harness.audit.records).toHaveLength(1);
      const record = harness.audit.records[0]!;
      expect(harness.validators.auditRecord.is(record)).toBe(true);
      expect(record).toMatchObject({ outcome: 'skipped', reason: row.auditReason, function: 'stripe-webhook' });
      expect(record.eventId).toBe(JSON.parse(attempt.body ?? '{}').id);
    } else if (row.status !== 200) {
      expect(harness.audit.records).toHaveLength(0);
    }
  });

  test('a timestamp exactly 300 s old is accepted', async () => {
    const t = Math.floor(harness.clock.getTime() / 1000);
    const response = await send({ body: customerCreated, signature: signed(customerCreated, t - 300).signature });
    expect(response.status).toBe(200);
    expect(harness.publisher.published).toHaveLength(1);
  });

  test('an unknown Connect account is archived with the ids replay needs', async () => {
    const t = Math.floor(harness.clock.getTime() / 1000);
    await send({ path: '/', body: payoutPaid, signature: signed(payoutPaid, t, CONNECT_SECRET).signature });
    expect(harness.audit.records[0]).toMatchObject({
      tenantId: 'acct_1CZ5vkLlCJ9CeQRe',
      eventId: 'evt_1CeM4PLlCJ9CeQReQrtxB9GJ',
      eventType: 'payout.paid',
      stripeId: 'po_1CdprNLlCJ9CeQRefEuMMLo6',
      source: 'webhook',
    });
    expect(harness.audit.records[0]?.detail).toContain('account=acct_1CZ5vkLlCJ9CeQRe');
  });

  test('while a secret rolls, a header with two v1 signatures verifies against the new secret alone', async () => {
    const t = Math.floor(harness.clock.getTime() / 1000);
    const oldHeader = signed(customerCreated, t, OLD_SECRET).signature;
    const newHeader = signed(customerCreated, t, SECRET).signature;
    const header = `${oldHeader},${newHeader.split(',').find((part) => part.startsWith('v1='))}`;
    expect(header.match(/v1=/g)).toHaveLength(2);
    const response = await send({ body: customerCreated, signature: header });
    expect(response.status).toBe(200);
    expect(harness.publisher.published).toHaveLength(1);
  });

  test('a stored secret holding old and new secrets, one per line, verifies either', async () => {
    await harness.secrets.write(secretNames.stripeWebhookSecret('acme'), `${SECRET}\n${OLD_SECRET}\n`);
    const t = Math.floor(harness.clock.getTime() / 1000);
    for (const secret of [SECRET, OLD_SECRET]) {
      const response = await send({ body: customerCreated, signature: signed(customerCreated, t, secret).signature });
      expect(response.status).toBe(200);
    }
    expect(harness.publisher.published).toHaveLength(2);
  });

  test('the signature is checked over the raw bytes, not re-serialized JSON', async () => {
    // Same JSON value, different bytes: a verifier that re-serializes would accept this.
    const t = Math.floor(harness.clock.getTime() / 1000);
    const pretty = JSON.stringify(JSON.parse(customerCreated), null, 4);
    const response = await send({ body: pretty, signature: signed(customerCreated, t).signature });
    expect(response.status).toBe(400);
    expect(Stripe.webhooks.DEFAULT_TOLERANCE).toBe(300);
  });
});

describe('the webhook caches secrets and tenants per instance, without missing a rolled secret', () => {
  let harness: WebhookHarness;
  let secretReads: number;
  let tenantReads: number;

  beforeEach(async () => {
    harness = new WebhookHarness();
    secretReads = 0;
    tenantReads = 0;
    const countingSecrets = {
      read: (name: string) => {
        secretReads += 1;
        return harness.secrets.read(name);
      },
      write: (name: string, value: string) => harness.secrets.write(name, value),
    };
    await harness.start({ secrets: countingSecrets });
    const tenants = harness.stores.tenants;
    const get = tenants.get.bind(tenants);
    tenants.get = (tenantId: string) => {
      tenantReads += 1;
      return get(tenantId);
    };
    await harness.secrets.write(secretNames.stripeWebhookSecret('acme'), SECRET);
    await harness.stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
  });
  afterEach(() => harness.stop());

  const post = (body: string, secret: string) =>
    request(harness.server())
      .post('/acme')
      .set('content-type', 'application/json')
      .set('stripe-signature', signed(body, Math.floor(harness.clock.getTime() / 1000), secret).signature)
      .send(body);
  const event = (n: number) => withEvent(customerCreated, (e) => (e.id = `evt_cache_${n}`));

  test('repeat events read the secret and the tenant once', async () => {
    for (let n = 0; n < 5; n += 1) expect((await post(event(n), SECRET)).status).toBe(200);
    expect(harness.publisher.published).toHaveLength(5);
    expect(secretReads).toBe(1);
    expect(tenantReads).toBe(1);
  });

  test('a secret rolled in Stripe is used at once; forged signatures re-read it at most every 5 s', async () => {
    expect((await post(event(1), SECRET)).status).toBe(200);
    harness.clock = new Date(harness.clock.getTime() + 6_000);
    await harness.secrets.write(secretNames.stripeWebhookSecret('acme'), 'whsec_acme_rolled');
    expect((await post(event(2), 'whsec_acme_rolled')).status).toBe(200);
    expect(secretReads).toBe(2);
    // Forgeries within 5 s of that read are refused from the cache.
    for (let n = 3; n < 8; n += 1) expect((await post(event(n), 'whsec_forged')).status).toBe(400);
    expect(secretReads).toBe(2);
    harness.clock = new Date(harness.clock.getTime() + 61_000);
    expect((await post(event(9), 'whsec_acme_rolled')).status).toBe(200);
    expect(secretReads).toBe(3);
  });
});
