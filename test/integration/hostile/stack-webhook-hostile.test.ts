import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { signStripeEvent } from '../../../shared/ingest/stripe-signature';
import { secretNames } from '../../../shared/secrets/secret-store';
import { repeat, sendRaw, type RawResponse } from '../../support/raw-http';
import { deliverStripeEvent, startTestStack } from '../../support/stack';
import { createOpenApiResponseChecker } from '../ingest/openapi-responses';

/**
 * The hostile-input suite against the RUNNING local stack's webhook (issue #17): every request gets its documented
 * answer (openapi/openapi.yaml) and publishes nothing, which the stack's own archive shows: no hostile event id
 * reaches the events archive, and the consumers post nothing for them.
 */
const MiB = 1024 * 1024;
const base = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/stripe/event-customer.created.json'), 'utf8'),
) as Record<string, unknown>;
const hostileEvent = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ ...base, id, data: { object: { id: `cus_${id.slice(4)}`, object: 'customer' } }, ...extra });

describe('the running stack’s webhook under hostile input', () => {
  let stack: LocalStack;
  let secret: string;
  const check = createOpenApiResponseChecker();
  const hostileIds: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack();
    secret = (await stack.runtime.secrets.read(secretNames.stripeWebhookSecret('demo'))) ?? '';
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  const signed = (body: string, options: { secret?: string; timestamp?: number } = {}) =>
    signStripeEvent(
      body,
      options.secret ?? secret,
      options.timestamp === undefined ? {} : { timestamp: options.timestamp },
    ).signature;
  const post = (
    path: string,
    headers: Record<string, string | number>,
    chunks: Iterable<Buffer>,
    stallAfter?: number,
  ) => sendRaw(stack.urls.webhook!, { path, headers, chunks, ...(stallAfter !== undefined ? { stallAfter } : {}) });

  function expectAnswer(
    response: RawResponse,
    status: number,
    body: Record<string, unknown>,
    route: '/' | '/{tenantId}' = '/{tenantId}',
  ) {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const parsed = JSON.parse(response.text) as unknown;
    expect(parsed).toMatchObject(body);
    check(route, response.status, parsed, String(response.headers['content-type']));
  }

  it('refuses a gzip bomb without inflating it (415)', async () => {
    const id = 'evt_hostile_gzip';
    hostileIds.push(id);
    const body = hostileEvent(id, { padding: ' '.repeat(32 * MiB) });
    const bomb = gzipSync(body);
    const response = await post(
      '/demo',
      {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        'content-length': bomb.length,
        'stripe-signature': signed(body),
      },
      [bomb],
    );
    expectAnswer(response, 415, { error: { code: 'unsupported_encoding' } });
  });

  it('refuses a declared body over 1 MiB before reading it (413)', async () => {
    const response = await post(
      '/demo',
      { 'content-type': 'application/json', 'content-length': 8 * MiB, 'stripe-signature': signed('x') },
      repeat(Buffer.alloc(64 * 1024, 0x20), 128),
      1,
    );
    expectAnswer(response, 413, { error: { code: 'payload_too_large' } });
  });

  it('stops reading an undeclared body at 1 MiB (413)', async () => {
    const response = await post(
      '/demo',
      { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'stripe-signature': signed('x') },
      repeat(Buffer.alloc(256 * 1024, 0x20), 1024),
    );
    expectAnswer(response, 413, { error: { code: 'payload_too_large' } });
    expect(response.bytesSentBeforeAnswer).toBeLessThan(16 * MiB);
  });

  it('gives up on a body that trickles in (408)', async () => {
    const id = 'evt_hostile_slow';
    hostileIds.push(id);
    const body = hostileEvent(id);
    const response = await post(
      '/demo',
      {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'stripe-signature': signed(body),
      },
      [Buffer.from(body.slice(0, 20))],
      1,
    );
    expectAnswer(response, 408, { error: { code: 'request_timeout' } });
  }, 30_000);

  it('refuses forged and stale signatures (400)', async () => {
    const forgedId = 'evt_hostile_forged';
    const staleId = 'evt_hostile_stale';
    hostileIds.push(forgedId, staleId);
    const forged = hostileEvent(forgedId);
    const stale = hostileEvent(staleId);
    expectAnswer(
      await post(
        '/demo',
        { 'content-type': 'application/json', 'stripe-signature': signed(forged, { secret: 'whsec_forged' }) },
        [Buffer.from(forged)],
      ),
      400,
      { error: { code: 'signature_invalid' } },
    );
    expectAnswer(
      await post(
        '/demo',
        {
          'content-type': 'application/json',
          'stripe-signature': signed(stale, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
        },
        [Buffer.from(stale)],
      ),
      400,
      { error: { code: 'timestamp_outside_tolerance' } },
    );
  });

  it('answers an unknown tenant exactly as a known tenant with a bad signature: status, body and (roughly) time', async () => {
    const id = 'evt_hostile_enumerate';
    hostileIds.push(id);
    const body = hostileEvent(id);
    const headers = {
      'content-type': 'application/json',
      'stripe-signature': signed(body, { secret: 'whsec_forged' }),
    };
    const timed = async (path: string) => {
      const started = process.hrtime.bigint();
      const response = await post(path, headers, [Buffer.from(body)]);
      return { response, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    // Warm both paths once (the first read of each secret), then alternate.
    await timed('/demo');
    await timed('/no-such-tenant');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 15; i += 1) {
      const a = await timed('/demo');
      const b = await timed(`/no-such-tenant-${i % 3}`);
      expect(b.response.status).toBe(a.response.status);
      expect(b.response.text).toBe(a.response.text);
      expect(b.response.headers['content-type']).toBe(a.response.headers['content-type']);
      known.push(a.ms);
      unknown.push(b.ms);
    }
    expectAnswer((await timed('/no-such-tenant')).response, 400, { error: { code: 'signature_invalid' } });
    const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
    expect(Math.abs(median(unknown) - median(known))).toBeLessThan(Math.max(25, median(known)));
  });

  it('skips an event for another connected account sent to a tenant route (200 account_mismatch)', async () => {
    const id = 'evt_hostile_account';
    hostileIds.push(id);
    const body = hostileEvent(id, { account: 'acct_1NotTheDemoTenant' });
    const response = await post('/demo', { 'content-type': 'application/json', 'stripe-signature': signed(body) }, [
      Buffer.from(body),
    ]);
    expectAnswer(response, 200, { received: true, outcome: 'skipped', reason: 'account_mismatch' });
  });

  it('answers signed, malformed JSON with its own JSON 400', async () => {
    const body = '{"id": "evt_hostile_json", ';
    const response = await post('/demo', { 'content-type': 'application/json', 'stripe-signature': signed(body) }, [
      Buffer.from(body),
    ]);
    expectAnswer(response, 400, { error: { code: 'malformed_json' } });
    expect(response.text).not.toMatch(/<html|\bat \//i);
  });

  it('published none of it, while a real event still goes through', async () => {
    const real = {
      ...base,
      id: 'evt_hostile_control',
      data: { object: { id: 'cus_hostilecontrol', object: 'customer', name: 'Control' } },
    };
    expect((await deliverStripeEvent(stack, 'demo', real)).status).toBe(200);
    // The archiver has seen the control event: everything published before it has been archived too.
    for (let waited = 0; waited < 30_000; waited += 200) {
      if ((await stack.archiver.count('events_archive', `"eventId" = 'evt_hostile_control'`)) > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(await stack.archiver.count('events_archive', `"eventId" = 'evt_hostile_control'`)).toBe(1);
    const list = hostileIds.map((id) => `'${id}'`).join(', ');
    expect(await stack.archiver.count('events_archive', `"eventId" IN (${list})`)).toBe(0);
    // The one skip is audited (as Stripe signed it), and nothing else of these left a trace.
    const audited = await stack.stores.database.all<{ eventId: string; reason: string }>(
      `SELECT "eventId" AS "eventId", "reason" AS reason FROM audit_records WHERE "eventId" IN (${list})`,
    );
    expect(audited).toEqual([{ eventId: 'evt_hostile_account', reason: 'account_mismatch' }]);
  }, 60_000);
});
