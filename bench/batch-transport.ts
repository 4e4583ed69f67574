import type { PlannedOperation } from '../shared/accounting/plan';
import { uuidV5 } from '../shared/accounting/operation';
import { writeOnce } from '../shared/consumers/write-protocol';
import { createLogger } from '../shared/observability/logger';
import { withBatchedCreates } from '../shared/qbo/client/batch-writer';
import { createQboClient } from '../shared/qbo/client/qbo-client';
import { createFleetRealmLimiter } from '../shared/qbo/budget/fleet-limiter';
import { openDuckDbStores } from '../shared/stores/duckdb';
import { DEMO_TENANT_COMPANY } from '../dev/local-stack/demo-tenant';
import { round, runPool, SimulatorControl, sleep, startSimulatorChild } from './harness';

/**
 * `npm run bench -- --transport [--objects N]`: the QBO side of the backfill alone. N customer creates, each through
 * the exactly-once write protocol (a ledger reservation, its marker, the commit) and the batching writer over one
 * client and the realm limiter, into the simulator on QBO's real clock, `concurrency` at a time. No Pub/Sub, no
 * consumer stages, an in-memory ledger: what the write path and QBO's limits allow when nothing upstream is the
 * bottleneck. Writes/min counts the objects QBO wrote from the first publish to the last answer.
 */
export async function benchBatchTransport(
  options: { objects: number; concurrency: number; timeScale: number },
  env: NodeJS.ProcessEnv,
) {
  const realmId = '9341455000000001';
  const simulator = await startSimulatorChild({ timeScale: options.timeScale, enforceThrottle: true }, env);
  const sim = new SimulatorControl(simulator.url);
  const stores = await openDuckDbStores(':memory:');
  // The product's limiter: the realm's 10 seats over the store, all of them this one process's.
  const limiter = createFleetRealmLimiter({
    syncState: stores.syncState,
    timeScale: options.timeScale,
  });
  try {
    await sim.seed(realmId, DEMO_TENANT_COMPANY);
    const issued = await sim.tokens(realmId);
    const logger = createLogger({ functionName: 'bench-transport', level: 'warn' });
    const client = createQboClient({
      baseUrl: simulator.url,
      realmId,
      tokens: {
        getAccessToken: async () => issued.access_token,
        refreshAfterUnauthorized: async () => issued.access_token,
      },
      limiter,
      logger,
    });
    const qbo = withBatchedCreates(client, { logger });
    const before = await sim.stats();
    const started = Date.now();
    const failures: Record<string, number> = {};
    const timeline: Array<[number, number, number, number]> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await sleep(10_000);
        const now = await sim.stats();
        timeline.push([
          round((Date.now() - started) / 1000, 0),
          now.writes - before.writes,
          now.requests - before.requests,
          now.batches - before.batches,
        ]);
      }
    })();
    const indexes = Array.from({ length: options.objects }, (_, index) => index);
    await runPool(indexes, options.concurrency, async (index) => {
      const stripeId = `cus_transport${String(index).padStart(6, '0')}`;
      const operation = {
        operation: 'create',
        entity: 'Customer',
        stripeObject: 'customer',
        stripeId,
        requestId: uuidV5(`bench-transport\n${stripeId}`),
        currency: 'USD',
        body: { DisplayName: `Transport Customer ${index}`, Notes: `stripe:${stripeId}` },
      } as PlannedOperation;
      try {
        await writeOnce(
          {
            tenantId: 'bench',
            realmId,
            ledger: stores.ledger,
            qbo,
            leaseOwner: `transport:${index}`,
            now: Date.now,
          },
          operation,
          operation.body,
        );
      } catch (error) {
        const code = (error as { code?: string }).code ?? 'unclassified';
        failures[code] = (failures[code] ?? 0) + 1;
      }
    });
    const doneAt = Date.now();
    sampling = false;
    const after = await sim.stats();
    await sampler;
    const customers = await sim.entities(realmId, 'Customer');
    const markers = customers.map((customer) => String(customer.Notes ?? '')).filter((n) => n.startsWith('stripe:'));
    const qboMinutes = (doneAt - started) / (60_000 * options.timeScale);
    const writes = after.writes - before.writes;
    return {
      objects: options.objects,
      qbo_writes_per_min: round(writes / qboMinutes, 1),
      qbo_requests_per_min: round((after.requests - before.requests) / qboMinutes, 1),
      qbo_batch_requests: after.batches - before.batches,
      qbo_throttled: after.throttled - before.throttled,
      written: markers.length,
      duplicates: markers.length - new Set(markers).size,
      failed: failures,
      writer: qbo.batchStats(),
      concurrency: options.concurrency,
      time_scale: options.timeScale,
      wall_s: round((doneAt - started) / 1000, 1),
      timeline_s_writes_requests_batches: timeline,
    };
  } finally {
    await limiter.close();
    await stores.close();
    await simulator.stop();
  }
}
