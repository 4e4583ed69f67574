import pino from 'pino';
import { withBatchedCreates } from '../../../shared/qbo/client/batch-writer';
import { createQboClient } from '../../../shared/qbo/client/qbo-client';
import type { RealmRateLimiter } from '../../../shared/qbo/client/rate-limiter';
import { classifyError } from '../../../shared/errors';

/**
 * The batching writer over the real client with a fake transport (fetch): what each create's caller gets back, how
 * creates coalesce, and that a lost batch answer is never re-sent.
 */

const logger = pino({ level: 'silent' });

interface Sent {
  path: string;
  requestId: string | null;
  body: Record<string, unknown> | undefined;
}

/**
 * A QBO stand-in behind fetch. Singles and batches are answered when `open` is true, else held until `release()`.
 * `itemFault(body)` may give a batch item (and a single create) a Fault instead of a result.
 */
function fakeQbo(
  options: {
    itemFault?: (body: Record<string, unknown>) => Record<string, unknown> | undefined;
    loseBatches?: number;
  } = {},
) {
  const sent: Sent[] = [];
  let nextId = 1;
  let open = true;
  let held: Array<() => void> = [];
  let loseBatches = options.loseBatches ?? 0;
  const saved = (entity: Record<string, unknown>) => ({ ...entity, Id: String(nextId++), SyncToken: '0' });
  const fetchImpl = (async (input: URL | RequestInfo, init?: RequestInit) => {
    const url = new URL(String(input));
    const path = url.pathname.split('/').slice(4).join('/');
    const body = init?.body ? (JSON.parse(String(init.body)) as Record<string, unknown>) : undefined;
    sent.push({ path, requestId: url.searchParams.get('requestid'), body });
    if (!open) await new Promise<void>((resolve) => held.push(resolve));
    if (path === 'batch') {
      if (loseBatches > 0) {
        loseBatches -= 1;
        throw new TypeError('fetch failed: socket hang up');
      }
      const items = (body?.BatchItemRequest ?? []) as Array<Record<string, unknown>>;
      return Response.json({
        BatchItemResponse: items.map((item) => {
          const entity = Object.keys(item).find((key) => key !== 'bId' && key !== 'operation')!;
          const payload = item[entity] as Record<string, unknown>;
          const fault = options.itemFault?.(payload);
          return fault ? { Fault: fault, bId: item.bId } : { [entity]: saved(payload), bId: item.bId };
        }),
        time: 'now',
      });
    }
    const entity = path === 'invoice' ? 'Invoice' : path;
    const fault = body ? options.itemFault?.(body) : undefined;
    if (fault) return Response.json({ Fault: fault, time: 'now' }, { status: 400 });
    return Response.json({ [entity]: saved(body ?? {}), time: 'now' });
  }) as typeof fetch;
  return {
    sent,
    fetch: fetchImpl,
    hold: () => {
      open = false;
    },
    release: () => {
      open = true;
      const waiting = held;
      held = [];
      for (const resolve of waiting) resolve();
    },
  };
}

const noLimit: RealmRateLimiter = {
  acquire: async () => ({ release: () => undefined }),
  onThrottled: () => undefined,
};

function clientOver(qbo: ReturnType<typeof fakeQbo>, limiter: RealmRateLimiter = noLimit) {
  return createQboClient({
    baseUrl: 'https://qbo.test',
    realmId: '9130350000000000',
    tokens: { getAccessToken: async () => 'token', refreshAfterUnauthorized: async () => 'token' },
    limiter,
    logger,
    fetch: qbo.fetch,
    sleep: async () => undefined,
    backoffBaseMs: 1,
  });
}

const invoice = (n: number) => ({ PrivateNote: `stripe:in_${n}`, TotalAmt: n });
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('batching QBO writer', () => {
  it('sends a create alone at once when nothing is queued', async () => {
    const qbo = fakeQbo();
    const writer = withBatchedCreates(clientOver(qbo), { logger });
    const saved = await writer.create('Invoice', invoice(1), { requestId: 'req-1' });
    expect(saved).toMatchObject({ PrivateNote: 'stripe:in_1', Id: '1' });
    expect(qbo.sent.map((s) => [s.path, s.requestId])).toEqual([['invoice', 'req-1']]);
  });

  it('coalesces concurrent creates into batches of at most 30, each caller getting its own object', async () => {
    const qbo = fakeQbo();
    const writer = withBatchedCreates(clientOver(qbo), { logger, maxSinglesInFlight: 2, lingerMs: 10 });
    qbo.hold();
    const calls = Array.from({ length: 80 }, (_, i) => writer.create('Invoice', invoice(i), { requestId: `req-${i}` }));
    await tick();
    qbo.release();
    const results = await Promise.all(calls);
    results.forEach((result, i) => expect(result.PrivateNote).toBe(`stripe:in_${i}`));
    expect(new Set(results.map((result) => result.Id)).size).toBe(80);
    const batches = qbo.sent.filter((s) => s.path === 'batch');
    const sizes = batches.map((s) => (s.body?.BatchItemRequest as unknown[]).length);
    expect(Math.max(...sizes)).toBe(30);
    expect(sizes.reduce((a, b) => a + b, 0) + qbo.sent.filter((s) => s.path === 'invoice').length).toBe(80);
    for (const batch of batches) {
      // Intuit: a batch requestid of ≤ 36 characters, bIds of ≤ 10, one create per item.
      expect(batch.requestId!.length).toBeLessThanOrEqual(36);
      const items = batch.body?.BatchItemRequest as Array<{ bId: string; operation: string }>;
      expect(items.every((item) => item.bId.length <= 10 && item.operation === 'create')).toBe(true);
      expect(new Set(items.map((item) => item.bId)).size).toBe(items.length);
    }
    expect(writer.batchStats()).toMatchObject({
      batches: batches.length,
      batchedItems: 80 - writer.batchStats().singles,
    });
  });

  it("gives an item's Fault to its caller as a single create's error, the rest of the batch succeeding", async () => {
    const qbo = fakeQbo({
      itemFault: (body) =>
        body.PrivateNote === 'stripe:in_3'
          ? {
              Error: [{ Message: 'Duplicate Document Number Error', Detail: 'x', code: '6140' }],
              type: 'ValidationFault',
            }
          : undefined,
    });
    const writer = withBatchedCreates(clientOver(qbo), { logger, maxSinglesInFlight: 1, lingerMs: 1 });
    qbo.hold();
    const calls = Array.from({ length: 6 }, (_, i) =>
      writer.create('Invoice', invoice(i), { requestId: `req-${i}` }).then(
        (saved) => ({ ok: saved.PrivateNote }),
        (error: unknown) => ({ code: classifyError(error).code, retryable: classifyError(error).retryable }),
      ),
    );
    await tick();
    qbo.release();
    const results = await Promise.all(calls);
    expect(results[3]).toEqual({ code: 'qbo_6140', retryable: false });
    expect(results.filter((result) => 'ok' in result)).toHaveLength(5);
    expect(qbo.sent.some((s) => s.path === 'batch')).toBe(true);
  });

  it('a lost batch answer gives every item the unknown-outcome error and is never re-sent', async () => {
    const qbo = fakeQbo({ loseBatches: 1 });
    const writer = withBatchedCreates(clientOver(qbo), { logger, maxSinglesInFlight: 1, lingerMs: 1 });
    qbo.hold();
    const first = writer.create('Invoice', invoice(0), { requestId: 'req-0' });
    const rest = Array.from({ length: 5 }, (_, i) =>
      writer.create('Invoice', invoice(i + 1), { requestId: `req-${i + 1}` }).catch((error: unknown) => error),
    );
    await tick();
    qbo.release();
    await first;
    const errors = await Promise.all(rest);
    expect(errors.map((error) => classifyError(error).code)).toEqual(Array(5).fill('qbo_network'));
    expect(qbo.sent.filter((s) => s.path === 'batch')).toHaveLength(1);
  });

  it('re-queues an item QBO throttled inside a batch, as a single create would retry', async () => {
    let throttled = 0;
    const qbo = fakeQbo({
      itemFault: (body) =>
        body.PrivateNote === 'stripe:in_2' && throttled++ === 0
          ? { Error: [{ Message: 'ThrottleExceeded', Detail: 'x', code: '3001' }], type: 'ValidationFault' }
          : undefined,
    });
    const writer = withBatchedCreates(clientOver(qbo), { logger, maxSinglesInFlight: 1, lingerMs: 1 });
    qbo.hold();
    const calls = Array.from({ length: 4 }, (_, i) => writer.create('Invoice', invoice(i), { requestId: `req-${i}` }));
    await tick();
    qbo.release();
    const results = await Promise.all(calls);
    expect(results.map((result) => result.PrivateNote)).toEqual([0, 1, 2, 3].map((i) => `stripe:in_${i}`));
    expect(throttled).toBe(2);
  });

  it('batch requests go under the limiter as kind batch; voids, reads and queries stay single', async () => {
    const kinds: string[] = [];
    const limiter: RealmRateLimiter = {
      acquire: async (_realm, kind = 'single') => {
        kinds.push(kind);
        return { release: () => undefined };
      },
      onThrottled: () => undefined,
    };
    const qbo = fakeQbo();
    const writer = withBatchedCreates(clientOver(qbo, limiter), { logger, maxSinglesInFlight: 1, lingerMs: 1 });
    qbo.hold();
    const calls = Array.from({ length: 3 }, (_, i) => writer.create('Invoice', invoice(i), { requestId: `req-${i}` }));
    await tick();
    qbo.release();
    await Promise.all(calls);
    // A batch lane asks for its permit as soon as it opens, so which of the two reached the limiter first is a race.
    expect([...kinds].sort()).toEqual(['batch', 'single']);
    await writer.read('Invoice', '1').catch(() => undefined);
    await writer.query('select * from Invoice').catch(() => undefined);
    await writer.voidTxn('Invoice', { Id: '1', SyncToken: '0' }, { requestId: 'void-1' }).catch(() => undefined);
    expect(qbo.sent.slice(-3).map((s) => s.path.split('/')[0])).toEqual(['invoice', 'query', 'invoice']);
    expect(kinds.slice(2)).toEqual(['single', 'single', 'single']);
  });

  it("never sends a create after its deadline (the caller's lease): queued or held at the limiter, it fails unsent", async () => {
    let clock = 1_000;
    let gate: (() => void) | undefined;
    const limiter: RealmRateLimiter = {
      acquire: async () => {
        // The first permit is held until the test lets it go, as a realm out of budget holds it.
        if (!gate) await new Promise<void>((resolve) => (gate = resolve));
        return { release: () => undefined };
      },
      onThrottled: () => undefined,
    };
    const qbo = fakeQbo();
    const client = createQboClient({
      baseUrl: 'https://qbo.test',
      realmId: '9130350000000000',
      tokens: { getAccessToken: async () => 'token', refreshAfterUnauthorized: async () => 'token' },
      limiter,
      logger,
      fetch: qbo.fetch,
      now: () => clock,
    });
    const writer = withBatchedCreates(client, { logger, maxSinglesInFlight: 1, lingerMs: 50, now: () => clock });
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        () => 'sent',
        (error: unknown) => classifyError(error).code,
      );
    const single = outcome(writer.create('Invoice', invoice(1), { requestId: 'req-1', sendWithinMs: 500 }));
    await tick();
    const late = outcome(writer.create('Invoice', invoice(2), { requestId: 'req-2', sendWithinMs: 500 }));
    const inTime = outcome(writer.create('Invoice', invoice(3), { requestId: 'req-3', sendWithinMs: 8_000 }));
    clock = 2_000;
    gate?.();
    expect(await single).toBe('qbo_not_sent');
    expect(await late).toBe('qbo_not_sent');
    expect(await inTime).toBe('sent');
    expect(qbo.sent.map((s) => s.path)).toEqual(['invoice']);
  });

  /** A limiter whose batch permits come only when the test says; singles are never held. */
  function heldBatchPermits() {
    const waiting: Array<() => void> = [];
    const released: string[] = [];
    const limiter: RealmRateLimiter = {
      acquire: async (_realm, kind = 'single') => {
        if (kind === 'batch') await new Promise<void>((resolve) => waiting.push(resolve));
        return { release: () => released.push(kind) };
      },
      onThrottled: () => undefined,
    };
    return { limiter, released, grant: () => waiting.shift()?.(), waitingLanes: () => waiting.length };
  }

  /** Two single lanes and one batch lane, over QBO and batch permits the test lets go. */
  function writerWithHeldBatchPermits() {
    const permits = heldBatchPermits();
    const qbo = fakeQbo();
    const writer = withBatchedCreates(clientOver(qbo, permits.limiter), {
      logger,
      maxSinglesInFlight: 2,
      maxBatchesInFlight: 1,
      lingerMs: 1,
    });
    return { permits, qbo, writer };
  }

  it('a batch lane chooses its items when its permit comes: creates queued while it waited travel in it', async () => {
    const { permits, qbo, writer } = writerWithHeldBatchPermits();
    qbo.hold();
    const first = Array.from({ length: 5 }, (_, i) => writer.create('Invoice', invoice(i), { requestId: `req-${i}` }));
    await tick();
    // Two singles are held by QBO; the other three opened a batch lane, which waits for its permit.
    expect(permits.waitingLanes()).toBe(1);
    const later = Array.from({ length: 25 }, (_, i) =>
      writer.create('Invoice', invoice(i + 5), { requestId: `req-${i + 5}` }),
    );
    await tick();
    permits.grant();
    await tick();
    qbo.release();
    const results = await Promise.all([...first, ...later]);
    expect(new Set(results.map((result) => result.Id)).size).toBe(30);
    const batches = qbo.sent.filter((s) => s.path === 'batch');
    expect(batches.map((s) => (s.body?.BatchItemRequest as unknown[]).length)).toEqual([28]);
    expect(writer.batchStats()).toMatchObject({ singles: 2, batches: 1, batchedItems: 28 });
  });

  it('keeps the single lanes busy while a batch lane waits, and a lane left with nothing gives its permit back', async () => {
    const { permits, qbo, writer } = writerWithHeldBatchPermits();
    qbo.hold();
    const calls = Array.from({ length: 40 }, (_, i) => writer.create('Invoice', invoice(i), { requestId: `req-${i}` }));
    await tick();
    expect(permits.waitingLanes()).toBe(1);
    // The batch budget is spent; the single lanes are budget of their own and take the whole queue meanwhile.
    qbo.release();
    const results = await Promise.all(calls);
    expect(new Set(results.map((result) => result.Id)).size).toBe(40);
    expect(writer.batchStats()).toMatchObject({ singles: 40, batches: 0 });
    permits.grant();
    await tick();
    expect(permits.released.filter((kind) => kind === 'batch')).toHaveLength(1);
    expect(qbo.sent.filter((s) => s.path === 'batch')).toHaveLength(0);
  });
});
