import type { PlannedOperation } from '../../../shared/accounting/plan';
import { classifyError } from '../../../shared/errors';
import { writeOnce } from '../../../shared/consumers/write-protocol';
import type { WriteContext } from '../../../shared/consumers/write-protocol';
import { withBatchedCreates, type BatchWriterOptions } from '../../../shared/qbo/client/batch-writer';
import { createQboClient } from '../../../shared/qbo/client/qbo-client';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { DuckDbStores } from '../../../shared/stores/duckdb';
import { DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { startHarness, UNLIMITED_FOR_CLIENT_TESTS } from './harness';
import type { Harness } from './harness';

/**
 * Creates through the batching writer (shared/qbo/client/batch-writer.ts) against the simulator over real HTTP,
 * under the exactly-once write protocol (DESIGN section 5): each item is still reserved, marked, probed and committed
 * by its own caller; only the transport is shared. QBO's requestid replay is off (`never`), so nothing but the
 * protocol prevents a duplicate.
 */
describe('batched creates against the simulator', () => {
  let h: Harness;
  let stores: DuckDbStores;
  let seq = 0;
  beforeEach(async () => {
    // Some service time, so concurrent creates meet a busy single lane and queue.
    h = await startHarness({ requestIdMode: 'never', latencyMs: 20 });
    stores = await openDuckDbStores(':memory:');
  });
  afterEach(async () => {
    await h.simulator.close();
    await stores.close();
  });

  const writer = (options: Partial<BatchWriterOptions> = {}, retryBudgetMs = 2_000) =>
    withBatchedCreates(
      createQboClient({
        baseUrl: h.simulator.url,
        realmId: h.realmId,
        tokens: h.tokens,
        limiter: UNLIMITED_FOR_CLIENT_TESTS,
        logger: h.logs.logger,
        backoffBaseMs: 5,
        backoffMaxMs: 50,
        retryBudgetMs,
      }),
      { logger: h.logs.logger, ...options },
    );

  const context = (qbo: WriteContext['qbo']): WriteContext => ({
    tenantId: 'acme',
    realmId: h.realmId,
    ledger: stores.ledger,
    qbo,
    leaseOwner: `attempt-${++seq}`,
    now: Date.now,
    leaseMs: 60_000,
  });

  const invoiceOp = (customerId: string, n: number, docNumber = true): PlannedOperation =>
    ({
      operation: 'create',
      entity: 'Invoice',
      stripeObject: 'invoice',
      stripeId: `in_batch_${n}`,
      requestId: `00000000-0000-5000-8000-${String(n).padStart(12, '0')}`,
      currency: 'USD',
      txnDate: '2026-11-30',
      ...(docNumber ? { docNumber: `B-${n}` } : {}),
      body: {
        CustomerRef: { value: customerId },
        ...(docNumber ? { DocNumber: `B-${n}` } : {}),
        TxnDate: '2026-11-30',
        Line: [
          {
            Amount: 10 + n,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: DEMO_ITEM_IDS.services } },
          },
        ],
        PrivateNote: `stripe:in_batch_${n}`,
      },
    }) as PlannedOperation;

  const customer = async (name: string) =>
    String((await h.client.create('Customer', { DisplayName: name }, { requestId: `c-${++seq}` })).Id);

  const markers = (entity: string) =>
    h.simulator
      .entities(h.realmId, entity)
      .map((object) => String(object.PrivateNote ?? ''))
      .filter((note) => note.includes('stripe:'));

  it('coalesces concurrent creates into batches of at most 30: one object per caller, each item a write', async () => {
    const customerId = await customer('Batch Buyer');
    const qbo = writer({ maxSinglesInFlight: 1 });
    const before = h.simulator.stats();
    const ops = Array.from({ length: 70 }, (_, i) => invoiceOp(customerId, i));
    const outcomes = await Promise.all(ops.map((op) => writeOnce(context(qbo), op, op.body)));
    expect(outcomes.every((outcome) => outcome.kind === 'posted' && !outcome.recovered)).toBe(true);
    const notes = markers('Invoice');
    expect(notes).toHaveLength(70);
    expect(new Set(notes).size).toBe(70);
    const after = h.simulator.stats();
    expect(after.writes - before.writes).toBe(70);
    expect(after.batches - before.batches).toBeGreaterThanOrEqual(3);
    expect(qbo.batchStats().batches).toBe(after.batches - before.batches);
    // Each caller's ledger entry holds the Id of its own object.
    for (const [i, outcome] of outcomes.entries()) {
      const object = h.simulator.entities(h.realmId, 'Invoice').find((o) => o.Id === outcome.entry.qboId);
      expect(object?.PrivateNote).toBe(`stripe:in_batch_${i}`);
    }
  });

  it("an item's Fault is its caller's alone: a taken DocNumber probes and links our earlier write, a bad body is rejected", async () => {
    const customerId = await customer('Fault Buyer');
    const qbo = writer({ maxSinglesInFlight: 0, lingerMs: 1_000 });
    const ops = Array.from({ length: 6 }, (_, i) => invoiceOp(customerId, 100 + i));
    // Our own earlier attempt at op 1 landed in QBO, its commit lost: the batch item meets 6140 on its DocNumber.
    await h.client.create('Invoice', ops[1]!.body, { requestId: 'earlier-attempt' });
    const broken = { ...ops[4]!, body: { ...ops[4]!.body, CustomerRef: undefined } } as PlannedOperation;
    const all = [...ops.slice(0, 4), broken, ops[5]!];
    const results = await Promise.all(
      all.map((op) =>
        writeOnce(context(qbo), op, op.body).then(
          (outcome) => ({ kind: outcome.kind, recovered: outcome.kind === 'posted' && outcome.recovered }),
          (error: unknown) => ({ code: classifyError(error).code }),
        ),
      ),
    );
    expect(results[1]).toEqual({ kind: 'posted', recovered: true });
    expect(results[4]).toEqual({ code: 'qbo_2020' });
    expect(results.filter((result) => 'kind' in result && !result.recovered)).toHaveLength(4);
    expect(qbo.batchStats()).toMatchObject({ singles: 0, batches: 1, batchedItems: 6 });
    expect(markers('Invoice').filter((note) => note === 'stripe:in_batch_101')).toHaveLength(1);
    expect((await stores.ledger.get({ tenantId: 'acme', stripeId: 'in_batch_104', operation: 'create' }))?.state).toBe(
      'failed',
    );
  });

  it('a lost batch answer is never re-sent: each item probes, and after redelivery there is one object each', async () => {
    const customerId = await customer('Lost Batch Buyer');
    const qbo = writer({ maxSinglesInFlight: 0, lingerMs: 1_000 }, 300);
    // By TxnDate, not DocNumber: the probe a document without a number gets.
    const ops = Array.from({ length: 8 }, (_, i) => invoiceOp(customerId, 200 + i, false));
    h.simulator.injectFault({ kind: 'timeout_after_commit', entity: 'batch', count: 1 });
    // And the in-process probes fail too (QBO down a moment), so the redelivery is what recovers.
    h.simulator.injectFault({ kind: '5xx', entity: 'Invoice', count: 10_000 });
    const before = h.simulator.stats();
    const first = await Promise.all(
      ops.map((op) =>
        writeOnce(context(qbo), op, op.body).then(
          () => 'posted',
          (error: unknown) => classifyError(error),
        ),
      ),
    );
    expect(first.map((result) => (typeof result === 'string' ? result : result.retryable))).toEqual(
      Array(8).fill(true),
    );
    expect(h.simulator.stats().writes - before.writes).toBe(8);
    expect(h.simulator.stats().batches - before.batches).toBe(1);
    for (const op of ops)
      expect((await stores.ledger.get({ tenantId: 'acme', stripeId: op.stripeId, operation: 'create' }))?.state).toBe(
        'pending',
      );
    h.simulator.clearFaults();
    const redelivered = await Promise.all(ops.map((op) => writeOnce(context(qbo), op, op.body)));
    expect(redelivered.every((outcome) => outcome.kind === 'posted' && outcome.recovered)).toBe(true);
    expect(h.simulator.stats().writes - before.writes).toBe(8);
    const notes = markers('Invoice');
    expect(notes).toHaveLength(8);
    expect(new Set(notes).size).toBe(8);
  });

  it('never sends more than 30 operations in one batch, and the client refuses to', async () => {
    const customerId = await customer('Big Batch Buyer');
    const qbo = writer({ maxSinglesInFlight: 0, maxBatchesInFlight: 1, lingerMs: 1_000 });
    const ops = Array.from({ length: 75 }, (_, i) => invoiceOp(customerId, 300 + i));
    await Promise.all(ops.map((op) => writeOnce(context(qbo), op, op.body)));
    expect(qbo.batchStats()).toEqual({ singles: 0, batches: 3, batchedItems: 75 });
    expect(markers('Invoice')).toHaveLength(75);
    const client = createQboClient({
      baseUrl: h.simulator.url,
      realmId: h.realmId,
      tokens: h.tokens,
      limiter: UNLIMITED_FOR_CLIENT_TESTS,
      logger: h.logs.logger,
    });
    const requestsBefore = h.simulator.stats().requests;
    const items = Array.from({ length: 31 }, (_, i) => ({
      bId: `b${i}`,
      entity: 'Customer' as const,
      body: { DisplayName: `Too Many ${i}` },
    }));
    await expect(client.createBatch(items, { requestId: 'too-many' })).rejects.toMatchObject({
      code: 'qbo_batch_size',
    });
    expect(h.simulator.stats().requests).toBe(requestsBefore);
  });
});
