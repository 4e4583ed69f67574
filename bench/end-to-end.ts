import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PubSub } from '@google-cloud/pubsub';
import type { BackfillEntity } from '../schemas/backfill-command.schema';
import { buildDemoTenant, DEMO_TENANT_COMPANY } from '../dev/local-stack/demo-tenant';
import { QBO_LIMITS } from '../dev/qbo-simulator/throttle';
import { buildScenario, type Scenario, type StripeRecord } from '../dev/scenario/scenario';
import { syntheticEventsFor } from '../shared/backfill/synthetic-events';
import { normalizeStripeEvent } from '../shared/ingest/normalize';
import { publishEntityEvent } from '../shared/messaging/entity-events';
import { PubSubMessagePublisher } from '../shared/messaging/publisher';
import type { NormalizedEvent } from '../schemas/normalized-event.schema';
import {
  checkQbo,
  deliver,
  round,
  runPool,
  SimulatorControl,
  sleep,
  startSimulatorChild,
  startStackChild,
  type QboCheck,
  type StackChild,
} from './harness';

/**
 * DESIGN section 11, end to end: N mixed Stripe objects through the local stack (a child process) into the
 * simulator with QBO's real throttles, fed either as webhooks arrive (`webhook`: signed events, one by one) or as a
 * backfill publishes them (`backfill`: every object of every entity at once, straight onto the entity topics).
 * Whatever did not reach QBO is looked for where it may be: the review queue (parked, with its reason), the
 * dead-letter archive, the wait-list. What is in none of them is lost.
 */

export type Feed = 'webhook' | 'backfill';

/** Where the objects that are not in QBO are, and what else the run left for a person. */
export interface Whereabouts {
  /** Missing from QBO and nowhere else: not parked, not dead-lettered, not waiting. */
  lost: number;
  /** Open review items (parked, each with its reason): a person acts on them. */
  parked: number;
  parked_reasons: Record<string, number>;
  /** Distinct events in the dead-letter archive, whether or not their object reached QBO another way. */
  dead_lettered: number;
  /** Events still in the wait-list when the run ended (the run stopped before their dependency was posted). */
  waiting: number;
  /** Events that waited for a dependency at some point (each then landed, or is counted above). */
  waited: number;
  /** Delivery attempts spent on real failures (audit `failed`), by reason: what a slower backlog would dead-letter. */
  retries_by_reason: Record<string, number>;
  examples: string[];
}

export async function whereabouts(stack: StackChild, check: QboCheck): Promise<Whereabouts> {
  const reviews = await stack.all<{ stripe_id: string; reason: string }>(
    `SELECT stripe_id, reason FROM review_queue WHERE status = 'open'`,
  );
  const deadLetters = await stack.all<{ eventId: string | null; objectId: string | null }>(
    `SELECT DISTINCT "eventId", "objectId" FROM dead_letters`,
  );
  const waits = await stack.all<{ event_id: string; objectId: string | null; dependency: string }>(
    `SELECT event_id, json_extract_string(event, '$.objectId') AS "objectId", dependency FROM dependency_waits`,
  );
  const retries = await stack.all<{ reason: string; n: number }>(
    `SELECT "reason", count(*) AS n FROM audit_records WHERE "outcome" = 'failed' GROUP BY "reason" ORDER BY n DESC`,
  );
  const waited = await stack.all<{ n: number }>(
    `SELECT count(DISTINCT "eventId") AS n FROM audit_records WHERE "outcome" = 'waiting'`,
  );
  const parkedReasons: Record<string, number> = {};
  for (const review of reviews) parkedReasons[review.reason] = (parkedReasons[review.reason] ?? 0) + 1;
  const parkedIds = new Set(reviews.map((review) => review.stripe_id));
  const deadIds = new Set(deadLetters.map((row) => row.objectId ?? ''));
  const waitingIds = new Set(waits.map((row) => row.objectId ?? ''));
  const examples: string[] = [];
  let lost = 0;
  for (const stripeId of check.missingStripeIds) {
    const where = parkedIds.has(stripeId)
      ? 'parked'
      : deadIds.has(stripeId)
        ? 'dead-lettered'
        : waitingIds.has(stripeId)
          ? 'waiting'
          : 'lost';
    if (where === 'lost') lost += 1;
    if (examples.length < 20) examples.push(`${stripeId}: ${where}`);
  }
  for (const row of deadLetters.slice(0, 10))
    examples.push(`dead letter ${row.eventId ?? '?'} (${row.objectId ?? '?'})`);
  for (const row of waits.slice(0, 10)) examples.push(`waiting ${row.event_id} for ${row.dependency}`);
  return {
    lost,
    parked: reviews.length,
    parked_reasons: parkedReasons,
    dead_lettered: new Set(deadLetters.map((row) => row.eventId ?? row.objectId)).size,
    waiting: waits.length,
    waited: Number(waited[0]?.n ?? 0),
    retries_by_reason: Object.fromEntries(retries.map((row) => [row.reason, Number(row.n)])),
    examples,
  };
}

/** Which backfill list each scenario object comes from (`GET /v1/<list>`). */
const LIST_OF: Record<string, BackfillEntity> = {
  customer: 'customers',
  invoice: 'invoices',
  invoice_payment: 'invoice_payments',
  refund: 'refunds',
  credit_note: 'credit_notes',
  payout: 'payouts',
};

/**
 * The scenario's objects as backfill publishes them (shared/backfill: each object wrapped in the events its state
 * stands for, normalized with source `backfill`), every entity's list walked at once, newest first as Stripe lists.
 */
export function backfillEvents(scenario: Scenario, tenantId: string, receivedAt: string): NormalizedEvent[] {
  const lists = new Map<BackfillEntity, StripeRecord[]>();
  for (const object of scenario.objects.values()) {
    const list = LIST_OF[String(object.object)];
    if (list) lists.set(list, [...(lists.get(list) ?? []), object]);
  }
  const queues = [...lists.entries()].map(([entity, objects]) => ({
    entity,
    objects: objects.sort((a, b) => Number(b.created) - Number(a.created)),
  }));
  const events: NormalizedEvent[] = [];
  for (let index = 0; queues.some((queue) => index < queue.objects.length); index += 1)
    for (const { entity, objects } of queues) {
      const object = objects[index];
      if (!object) continue;
      for (const synthetic of syntheticEventsFor(entity, object as StripeRecord & { id: string }, {})) {
        const result = normalizeStripeEvent(synthetic, { tenantId, source: 'backfill', receivedAt });
        if (result.kind === 'normalized') events.push(result.event);
      }
    }
  return events;
}

async function publishAsBackfill(scenario: Scenario, topicPrefix: string, concurrency: number): Promise<number> {
  const pubsub = new PubSub({ projectId: process.env.GOOGLE_CLOUD_PROJECT ?? 'stripe-qbo-bench' });
  const publisher = new PubSubMessagePublisher(pubsub);
  try {
    const events = backfillEvents(scenario, buildDemoTenant().tenantId, new Date().toISOString());
    await runPool(events, concurrency, async (event) => {
      await publishEntityEvent(publisher, topicPrefix, event);
    });
    return events.length;
  } finally {
    await publisher.close();
    await pubsub.close();
  }
}

export async function benchThroughStack(
  feed: Feed,
  options: {
    objects: number;
    timeScale: number;
    concurrency: number;
    rootDir: string;
    /** The consumers' delivery: the emulator's push (two at a time), or the dev push relay (see stack.ts). */
    delivery?: 'push' | 'relay';
    relayMaxOutstanding?: number;
  },
  env: NodeJS.ProcessEnv,
) {
  const { objects, timeScale, concurrency } = options;
  const dir = mkdtempSync(join(tmpdir(), `stripe-qbo-bench-${feed}-`));
  const simulator = await startSimulatorChild({ timeScale, enforceThrottle: true }, env);
  const sim = new SimulatorControl(simulator.url);
  const realmId = buildDemoTenant().qbo.realmId;
  let stack: StackChild | undefined;
  try {
    await sim.seed(realmId, DEMO_TENANT_COMPANY);
    const seed = 2000 + objects;
    const topicPrefix = `b${feed[0]}${randomUUID().slice(0, 8)}-`;
    stack = await startStackChild(
      {
        seed,
        objects,
        rootDir: options.rootDir,
        duckdbPath: join(dir, 'stack.duckdb'),
        secretsDir: join(dir, 'secrets'),
        topicPrefix,
        logLevel: 'warn',
        qboBaseUrl: simulator.url,
        // The stack's per-realm limiter runs on the simulator's clock, or it would hold QBO to real minutes.
        qboTimeScale: timeScale,
        qboTokens: await sim.tokens(realmId),
        realmId,
        ...(options.delivery ? { delivery: options.delivery } : {}),
        ...(options.relayMaxOutstanding !== undefined ? { relayMaxOutstanding: options.relayMaxOutstanding } : {}),
      },
      env,
    );
    const scenario = buildScenario({ seed, objects });
    const before = await sim.stats();
    const started = Date.now();
    let rejected = 0;
    let messages = scenario.events.length;
    if (feed === 'webhook') {
      const webhook = stack.ready.tenants[0]!.webhookUrl;
      await runPool(scenario.events, concurrency, async (event) => {
        const result = await deliver(webhook, stack!.ready.webhookSecret, event);
        if (result.status !== 200) rejected += 1;
      });
    } else messages = await publishAsBackfill(scenario, topicPrefix, concurrency * 4);
    const published = Date.now();
    // Bounded: a QBO "minute" of 500 requests per 100 objects plus slack, never more than 30 real minutes.
    const deadline = started + Math.min(30 * 60_000, 120_000 + objects * 4 * 60_000 * timeScale * (1 / 100));
    let check = await checkQbo(sim, realmId, scenario.expected);
    let doneAt = Date.now();
    let lastMissing = check.missing;
    let lastProgress = Date.now();
    // QBO writes, requests and batches every ~10 s: where the run was limited (ramp-up, steady state, the tail).
    const timeline: Array<[number, number, number, number, number, number]> = [];
    let sampledAt = 0;
    // Each check lists every checked entity from the simulator, which for 10,000 objects is CPU the stack under test
    // does not get on a 2-core machine: past 2,000 objects the checks space out (the end is then seen up to that much
    // later, which only lowers the measured rate).
    const checkEveryMs = Math.max(1000, Math.round(objects / 2));
    while (check.missing > 0 && Date.now() < deadline && Date.now() - lastProgress < 120_000) {
      await sleep(checkEveryMs);
      if (Date.now() - sampledAt >= 10_000) {
        sampledAt = Date.now();
        const now = await sim.stats();
        const db = await stack.request<{ busyMs: number; cpu: { user: number; system: number } }>({ op: 'dbstats' });
        timeline.push([
          round((sampledAt - started) / 1000, 0),
          now.writes - before.writes,
          now.requests - before.requests,
          now.batches - before.batches,
          // The stack process: seconds its DuckDB connection was busy, CPU seconds (all threads).
          round(db.busyMs / 1000, 1),
          round((db.cpu.user + db.cpu.system) / 1e6, 1),
        ]);
      }
      check = await checkQbo(sim, realmId, scenario.expected);
      if (check.missing < lastMissing) {
        lastMissing = check.missing;
        lastProgress = Date.now();
      }
      doneAt = Date.now();
    }
    const after = await sim.stats();
    // Objects QBO wrote (a batch counts each item that wrote), from the first publish to the last object seen in
    // QBO: the same definition as the end-to-end run's, ramp-up and tail included.
    const writes = after.writes - before.writes;
    const qboMinutes = (doneAt - started) / (60_000 * timeScale);
    const writesPerMin = qboMinutes > 0 ? writes / qboMinutes : 0;
    const requestsPerMin = qboMinutes > 0 ? (after.requests - before.requests) / qboMinutes : 0;
    // Let in-flight redeliveries land before the duplicate count is final.
    await sleep(3000);
    const final = await checkQbo(sim, realmId, scenario.expected);
    const found = await whereabouts(stack, final);
    const peakRss = await stack.maxRssMb();
    return {
      objects: scenario.objectCount,
      writesPerMin,
      requestsPerMin,
      check: final,
      whereabouts: found,
      peakRss,
      details: {
        feed,
        messages_in: messages,
        webhook_rejections: rejected,
        publish_s: round((published - started) / 1000, 1),
        time_scale: timeScale,
        wall_s: round((doneAt - started) / 1000, 1),
        qbo_minutes: round(qboMinutes, 3),
        qbo_writes: writes,
        qbo_requests: after.requests - before.requests,
        qbo_batch_requests: after.batches - before.batches,
        qbo_requests_by_kind: Object.fromEntries(
          Object.entries(after.requestsByKind ?? {})
            .map(([kind, n]) => [kind, n - (before.requestsByKind?.[kind] ?? 0)] as const)
            .filter(([, n]) => n > 0)
            .sort((a, b) => b[1] - a[1]),
        ),
        delivery: options.delivery ?? 'push',
        qbo_throttled: after.throttled - before.throttled,
        throttle_bound_per_min: QBO_LIMITS.perMinute,
        missing_from_qbo: final.missing,
        waiting_at_end: found.waiting,
        events_that_waited: found.waited,
        retries_by_reason: found.retries_by_reason,
        timeline_s_writes_requests_batches_dbBusyS_cpuS: timeline,
        parked_reasons: found.parked_reasons,
        examples: [...final.examples.slice(0, 20), ...found.examples],
      },
    };
  } finally {
    await stack?.stop().catch(() => undefined);
    await simulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
