import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import pino from 'pino';
import { createQboClient, type QboClientProps } from '../../../shared/qbo/client/qbo-client';
import type { RealmRateLimiter } from '../../../shared/qbo/client/rate-limiter';

/**
 * Every QBO API request waits for the realm's limiter (DESIGN section 7: 500/min, 10/s per realm): a client cannot
 * be built without one, every call the product makes builds its client with one, and retries (after a 401 refresh,
 * after a throttle) wait for it again.
 */
const ROOT = join(__dirname, '..', '..', '..');

function productFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return productFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function countingLimiter(): RealmRateLimiter & { acquired: string[] } {
  const acquired: string[] = [];
  return {
    acquired,
    acquire: async (realmId) => {
      acquired.push(realmId);
      return { release: () => undefined };
    },
    onThrottled: () => undefined,
  };
}

const base = (fetchImpl: typeof fetch): Omit<QboClientProps, 'limiter'> => ({
  baseUrl: 'http://qbo.invalid',
  realmId: '9130350000000000',
  logger: pino({ level: 'silent' }),
  tokens: { getAccessToken: async () => 'at-1', refreshAfterUnauthorized: async () => 'at-2' },
  fetch: fetchImpl,
  sleep: async () => undefined,
  backoffBaseMs: 1,
});

describe('the per-realm QBO limiter cannot be bypassed', () => {
  it('refuses to build a QBO client without a limiter', () => {
    expect(() => createQboClient(base(fetch) as QboClientProps)).toThrow(/limiter/);
  });

  it('builds every product QBO client with a limiter', () => {
    const calls: string[] = [];
    for (const file of [...productFiles(join(ROOT, 'shared')), ...productFiles(join(ROOT, 'functions'))]) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/createQboClient\(\{([\s\S]*?)\}\)/g)) {
        if (file.endsWith(join('qbo', 'client', 'qbo-client.ts'))) continue;
        calls.push(`${relative(ROOT, file)}: ${/\blimiter\b/.test(match[1] ?? '') ? 'limited' : 'UNLIMITED'}`);
      }
    }
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.filter((call) => call.endsWith('UNLIMITED'))).toEqual([]);
  });

  it('waits for the limiter before every attempt, the retry after a 401 and after a throttle included', async () => {
    const answers = [
      new Response('{"fault":{"error":[{"code":"3200","message":"AuthenticationFailed"}],"type":"AUTHENTICATION"}}', {
        status: 401,
      }),
      new Response('{"Fault":{"Error":[{"code":"3001","Message":"ThrottleExceeded"}],"type":"ThrottleExceeded"}}', {
        status: 429,
      }),
      new Response('{"QueryResponse":{"Item":[]}}', { status: 200 }),
    ];
    const limiter = countingLimiter();
    const client = createQboClient({
      ...base(async () => answers.shift() ?? new Response('', { status: 500 })),
      limiter,
    });
    await expect(client.query('select * from Item')).resolves.toEqual([]);
    expect(limiter.acquired).toEqual(['9130350000000000', '9130350000000000', '9130350000000000']);
  });
});
