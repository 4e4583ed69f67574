import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signStripeEvent } from '../../../shared/ingest/stripe-signature';
import { CONNECT_WEBHOOK_SECRET_NAME } from '../../../shared/ingest/webhook-handler';
import { secretNames, type SecretStore } from '../../../shared/secrets/secret-store';
import { buildTenantSettings } from '../../support/tenants';
import { repeat, sendRaw as send } from '../../support/raw-http';
import { FIXTURE_DIR, WebhookHarness, type MemorySecretStore } from './support';

/**
 * Hostile inputs to the public webhook, in process, against the server it is deployed on: nothing here may cost
 * more memory than the 1 MiB limit, tell a made-up tenant from a real one, or land in the wrong tenant's books.
 */
const SECRET = 'whsec_acme_hostile';
const customerCreated = readFileSync(join(FIXTURE_DIR, 'event-customer.created.json'), 'utf8');
const payoutPaid = readFileSync(join(FIXTURE_DIR, 'event-payout.paid.json'), 'utf8');
const MiB = 1024 * 1024;

/** Like Secret Manager: a secret the caller may not read (any name not granted) answers PERMISSION_DENIED. */
class GrantedSecrets implements SecretStore {
  reads = 0;
  constructor(private readonly inner: MemorySecretStore) {}
  async read(name: string): Promise<string | undefined> {
    this.reads += 1;
    const value = await this.inner.read(name);
    if (value === undefined) throw Object.assign(new Error('7 PERMISSION_DENIED: Permission denied'), { code: 7 });
    return value;
  }
  write(name: string, value: string): Promise<void> {
    return this.inner.write(name, value);
  }
}

describe('the webhook under hostile input', () => {
  let harness: WebhookHarness;
  let secrets: GrantedSecrets;
  let server: Server;
  let url: string;

  beforeEach(async () => {
    harness = new WebhookHarness();
    secrets = new GrantedSecrets(harness.secrets);
    await harness.start({ secrets }, { bodyTimeoutMs: 400 });
    await harness.secrets.write(secretNames.stripeWebhookSecret('acme'), SECRET);
    await harness.stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
    server = harness.server();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await harness.stop();
  });

  const t = () => Math.floor(harness.clock.getTime() / 1000);
  const signedHeaders = (body: string, secret = SECRET) => ({
    'content-type': 'application/json',
    'stripe-signature': signStripeEvent(body, secret, { timestamp: t() }).signature,
  });

  it('refuses a compressed body (a gzip bomb) without inflating it', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * MiB, 0x20));
    expect(bomb.length).toBeLessThan(MiB);
    const response = await send(url, {
      path: '/acme',
      headers: { ...signedHeaders('x'), 'content-encoding': 'gzip', 'content-length': bomb.length },
      chunks: [bomb],
    });
    expect(response.status).toBe(415);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: 'unsupported_encoding' } });
    expect(harness.publisher.published).toHaveLength(0);
  });

  it('refuses a declared Content-Length over 1 MiB before reading any of it', async () => {
    const response = await send(url, {
      path: '/acme',
      headers: { ...signedHeaders('x'), 'content-length': 2 * MiB },
      chunks: repeat(Buffer.alloc(64 * 1024, 0x20), 32),
      stallAfter: 1,
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(harness.publisher.published).toHaveLength(0);
  });

  it('stops reading an undeclared (chunked) body at 1 MiB', async () => {
    const response = await send(url, {
      path: '/acme',
      headers: { ...signedHeaders('x'), 'transfer-encoding': 'chunked' },
      // Up to 256 MiB, written only while the server has not answered.
      chunks: repeat(Buffer.alloc(256 * 1024, 0x20), 1024),
    });
    expect(response.status).toBe(413);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(response.bytesSentBeforeAnswer).toBeLessThan(16 * MiB);
    expect(harness.publisher.published).toHaveLength(0);
  });

  it('gives up on a body that trickles in slower than the read deadline', async () => {
    const started = Date.now();
    const response = await send(url, {
      path: '/acme',
      headers: { ...signedHeaders(customerCreated), 'content-length': Buffer.byteLength(customerCreated) },
      chunks: [Buffer.from(customerCreated.slice(0, 10))],
      stallAfter: 1,
    });
    expect(response.status).toBe(408);
    expect(JSON.parse(response.text)).toMatchObject({ error: { code: 'request_timeout' } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(harness.publisher.published).toHaveLength(0);
  }, 10_000);

  it('answers signed, malformed JSON declared application/json with its own JSON 400', async () => {
    const body = '{"id": "evt_1", ';
    const response = await send(url, { path: '/acme', headers: signedHeaders(body), chunks: [Buffer.from(body)] });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.text)).toEqual({ error: { code: 'malformed_json', message: expect.any(String) } });
    expect(response.text).not.toMatch(/<html|stack|at \//i);
  });

  it('answers a forged request for an unknown tenant exactly as a bad signature for a known one', async () => {
    const forged = signedHeaders(customerCreated, 'whsec_forged');
    const known = await send(url, { path: '/acme', headers: forged, chunks: [Buffer.from(customerCreated)] });
    const unknown = await send(url, { path: '/nobody-here', headers: forged, chunks: [Buffer.from(customerCreated)] });
    expect(unknown.status).toBe(400);
    expect(unknown.status).toBe(known.status);
    expect(unknown.text).toBe(known.text);
    expect(unknown.headers['content-type']).toBe(known.headers['content-type']);
    expect(harness.audit.records).toHaveLength(0);
  });

  it('caches the negative answer: repeated requests for a made-up tenant read Secret Manager once', async () => {
    const forged = signedHeaders(customerCreated, 'whsec_forged');
    const before = secrets.reads;
    for (let i = 0; i < 5; i += 1) {
      const response = await send(url, { path: '/made-up', headers: forged, chunks: [Buffer.from(customerCreated)] });
      expect(response.status).toBe(400);
      harness.clock = new Date(harness.clock.getTime() + 10_000);
    }
    expect(secrets.reads - before).toBe(1);
  });

  it('skips, as account_mismatch, an event for another connected account sent to a tenant route', async () => {
    const body = JSON.stringify({ ...JSON.parse(customerCreated), account: 'acct_someoneelse1' });
    const response = await send(url, { path: '/acme', headers: signedHeaders(body), chunks: [Buffer.from(body)] });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toMatchObject({ outcome: 'skipped', reason: 'account_mismatch' });
    expect(harness.publisher.published).toHaveLength(0);
    expect(harness.audit.records).toEqual([expect.objectContaining({ reason: 'account_mismatch', tenantId: 'acme' })]);
  });

  it('routes a Connect event by (account, livemode) when a live and a test tenant share one account', async () => {
    await harness.secrets.write(CONNECT_WEBHOOK_SECRET_NAME, 'whsec_platform');
    const account = 'acct_1CZ5vkLlCJ9CeQRe';
    await harness.stores.tenants.put(
      buildTenantSettings({ tenantId: 'shared-live', stripe: { accountId: account, livemode: true } }),
    );
    await harness.stores.tenants.put(
      buildTenantSettings({ tenantId: 'shared-test', stripe: { accountId: account, livemode: false } }),
    );
    for (const livemode of [true, false]) {
      const body = JSON.stringify({ ...JSON.parse(payoutPaid), id: `evt_route_${String(livemode)}`, livemode });
      const response = await send(url, {
        path: '/',
        headers: signedHeaders(body, 'whsec_platform'),
        chunks: [Buffer.from(body)],
      });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toMatchObject({ outcome: 'published' });
    }
    const routed = harness.publisher.published.map((p) => [
      (p.data as { eventId: string }).eventId,
      (p.data as { tenantId: string }).tenantId,
    ]);
    expect(routed.sort()).toEqual([
      ['evt_route_false', 'shared-test'],
      ['evt_route_true', 'shared-live'],
    ]);
  });
});
