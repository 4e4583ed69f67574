import { generateKeyPairSync, sign } from 'node:crypto';
import { join } from 'node:path';
import { createValidators } from '../../../schemas/validators';
import { LocalArchiver } from '../../../dev/local-stack/archiver';
import { buildDemoTenant } from '../../../dev/local-stack/demo-tenant';
import { createConsoleApp } from '../../../shared/console/app';
import { iapAuth } from '../../../shared/console/auth/access';
import { createIapVerifier, IAP_ISSUER } from '../../../shared/console/auth/iap-jwt';
import { createDuckDbEngine } from '../../../shared/console/history/duckdb-engine';
import { loadConsoleSql } from '../../../shared/console/history/queries';
import { createHistoryReader } from '../../../shared/console/history/reader';
import { createLogger } from '../../../shared/observability/logger';
import { openDuckDbStores, type DuckDbStores } from '../../../shared/stores/duckdb';
import type { PubSub } from '@google-cloud/pubsub';

const ddlDir = join(__dirname, '../../../ddl');
const AUDIENCE = '/projects/42/global/backendServices/7';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1' };

function assertion(email: string): string {
  const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = b64({ alg: 'ES256', kid: 'k1' });
  const body = b64({
    iss: IAP_ISSUER,
    aud: AUDIENCE,
    iat: now,
    exp: now + 600,
    email,
    sub: `accounts.google.com:${email.length}`,
  });
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${sig.toString('base64url')}`;
}

describe('the console behind IAP: who may see, who may act, and forged forms', () => {
  let stores: DuckDbStores;
  let app: ReturnType<typeof createConsoleApp>;

  beforeAll(async () => {
    stores = await openDuckDbStores(':memory:');
    const logger = createLogger({ functionName: 'console', level: 'silent' });
    await new LocalArchiver(stores.database, ddlDir, logger).prepare();
    await stores.tenants.put(buildDemoTenant());
    await stores.reviewQueue.park(
      {
        reviewId: 'demo:in_1:invoice.finalized',
        tenantId: 'demo',
        stripeId: 'in_1',
        entity: 'invoice',
        reason: 'qbo_6000',
        failureClass: 'rejected',
        detail: '<script>alert(1)</script> Business Validation Error',
        event: {},
        proposal: null,
      },
      new Date().toISOString(),
    );
    app = createConsoleApp({
      stores,
      history: createHistoryReader(await createDuckDbEngine(stores.database, loadConsoleSql(ddlDir), ddlDir)),
      // Nothing here publishes (auto-post is the action under test); a publish would fail the test loudly.
      publisher: {
        publish: async () => Promise.reject(new Error('no publishing in this test')),
        close: async () => undefined,
      },
      pubsub: {} as PubSub,
      validators: createValidators(),
      topicPrefix: '',
      logger,
      now: () => new Date(),
      auth: iapAuth(createIapVerifier({ audience: AUDIENCE, fetchKeys: async () => ({ keys: [jwk] }) }), [
        'ops@example.com',
      ]),
      windows: { windowDays: 7, chartDays: 14, scheduleHours: 26 },
    });
  });
  afterAll(async () => {
    await stores?.close();
  });

  const get = (path: string, email?: string) =>
    app.fetch(
      new Request(`https://console.example.com${path}`, {
        headers: email ? { 'x-goog-iap-jwt-assertion': assertion(email) } : {},
      }),
    );

  /** A browser session: the CSRF cookie and token from a page, then a form post with them. */
  async function session(email: string) {
    const page = await get('/tenants/demo', email);
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const html = await page.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      app.fetch(
        new Request(`https://console.example.com${path}`, {
          method: 'POST',
          headers: {
            'x-goog-iap-jwt-assertion': assertion(email),
            'content-type': 'application/x-www-form-urlencoded',
            cookie,
            host: 'console.example.com',
            ...headers,
          },
          body: new URLSearchParams(form).toString(),
          redirect: 'manual',
        }),
      );
    return { page, html, cookie, token, post };
  }

  it('shows nothing to a request that did not come through IAP', async () => {
    const response = await get('/');
    expect(response.status).toBe(401);
    expect(await response.text()).not.toContain('demo');
    const forged = await app.fetch(
      new Request('https://console.example.com/', {
        headers: { 'x-goog-iap-jwt-assertion': `${assertion('ops@example.com')}x` },
      }),
    );
    expect(forged.status).toBe(401);
  });

  it('lets a viewer look but not act', async () => {
    const { page, html, token, post } = await session('viewer@example.com');
    expect(page.status).toBe(200);
    expect(html).toContain('viewer@example.com · viewer');
    expect(html).toMatch(/<button[^>]*\sdisabled title="operators only"[^>]*>\s*Sync now/);
    const refused = await post('/tenants/demo/auto-post', { autoPost: 'off', _csrf: token });
    expect(refused.status).toBe(403);
    expect((await stores.tenants.get('demo'))?.flags.autoPost).toBe(true);
  });

  it('refuses an operator form without its CSRF token, with another token, or from another site', async () => {
    const { token, post } = await session('ops@example.com');
    expect((await post('/tenants/demo/auto-post', { autoPost: 'off' })).status).toBe(403);
    expect((await post('/tenants/demo/auto-post', { autoPost: 'off', _csrf: `${token.slice(1)}A` })).status).toBe(403);
    expect(
      (await post('/tenants/demo/auto-post', { autoPost: 'off', _csrf: token }, { origin: 'https://evil.example' }))
        .status,
    ).toBe(403);
    expect((await stores.tenants.get('demo'))?.flags.autoPost).toBe(true);
  });

  it('carries out an operator action with its token, through the shared tenant-flags code', async () => {
    const { token, post } = await session('ops@example.com');
    const done = await post(
      '/tenants/demo/auto-post',
      { autoPost: 'off', _csrf: token },
      { origin: 'https://console.example.com' },
    );
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/tenants/demo');
    expect((await stores.tenants.get('demo'))?.flags.autoPost).toBe(false);
    await post('/tenants/demo/auto-post', { autoPost: 'on', _csrf: token });
    expect((await stores.tenants.get('demo'))?.flags.autoPost).toBe(true);
  });

  it('sets a Secure, HttpOnly, SameSite=Strict __Host- cookie and a nonce-only CSP', async () => {
    const { page } = await session('viewer@example.com');
    expect(page.headers.get('set-cookie')).toMatch(
      /^__Host-console-csrf=[^;]+; Path=\/; HttpOnly; Secure; SameSite=Strict/,
    );
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9+/=]+'/);
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });

  it('escapes what the stores hold (QBO messages can carry markup)', async () => {
    const html = await (await get('/review', 'viewer@example.com')).text();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Business Validation Error');
    expect(html).not.toContain('<script>alert(1)');
  });
});
