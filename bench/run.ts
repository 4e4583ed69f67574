import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { buildDemoTenant, DEMO_TENANT_COMPANY } from '../dev/local-stack/demo-tenant';
import { startPubSubEmulator, type RunningEmulator } from '../dev/local-stack/emulators';
import { ensureLocalTopology } from '../dev/local-stack/topology';
import { QBO_LIMITS } from '../dev/qbo-simulator/throttle';
import { buildRuntime } from '../shared/runtime/runtime';
import { secretNames } from '../shared/secrets/secret-store';
import { openDuckDbStores } from '../shared/stores/duckdb';
import {
  argValue,
  checkQbo,
  deliver,
  machine,
  percentile,
  round,
  runPool,
  SimulatorControl,
  sleep,
  startIngestChild,
  startSimulatorChild,
  startStackChild,
  type IngestChild,
} from './harness';
import { buildScenario } from '../dev/scenario/scenario';

/**
 * `npm run bench [-- --json] [--objects N] [--events M] [--time-scale S] [--concurrency C] [--skip-e2e]`
 * DESIGN section 11: ingest against a floor handler, end to end into the throttled simulator, peak memory.
 * Writes bench/results/latest.json (the keys others read) and latest-run.json (everything else measured).
 */

const ROOT = process.cwd();

interface LatencyRun {
  latencies: number[];
  wallMs: number;
  errors: number;
}

async function load(url: string, secret: string, events: readonly object[], concurrency: number): Promise<LatencyRun> {
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  await runPool(
    events,
    concurrency,
    async (event) => {
      const result = await deliver(url, secret, event);
      if (result.status === 200) latencies.push(result.ms);
      else errors += 1;
    },
    Date.now() + 300_000,
  );
  return { latencies, wallMs: performance.now() - started, errors };
}

/**
 * Our webhook and a publish-only floor, each in a process of its own (one instance each, as deployed), driven from
 * this process. Topics and the webhook secret are set up here; the children only serve.
 */
async function benchIngest(eventCount: number, concurrency: number, env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'stripe-qbo-bench-ingest-'));
  const stores = await openDuckDbStores(':memory:');
  const runtime = await buildRuntime(
    'bench-ingest',
    { ...env, SECRETS_DIR: join(dir, 'secrets'), LOG_LEVEL: 'warn' },
    { stores, logDestination: pino.destination({ dest: '/dev/null', sync: false }) },
  );
  const children: IngestChild[] = [];
  try {
    const prefix = `bi${randomUUID().slice(0, 8)}-`;
    await ensureLocalTopology(runtime.pubsub, prefix, []);
    const floorTopic = `${prefix}bench-floor`;
    await runtime.pubsub.createTopic(floorTopic);
    const tenant = buildDemoTenant();
    const secret = `whsec_bench_${randomUUID().replace(/-/g, '')}`;
    await runtime.secrets.write(secretNames.stripeWebhookSecret(tenant.tenantId), secret);
    const child = (kind: 'ours' | 'floor') =>
      startIngestChild({ kind, topicPrefix: prefix, floorTopic, secretsDir: join(dir, 'secrets'), tenant }, env);
    const oursChild = await child('ours');
    children.push(oursChild);
    const floorChild = await child('floor');
    children.push(floorChild);
    const ours = oursChild.url;
    const floor = floorChild.url;

    const scenario = buildScenario({ seed: 11, objects: Math.min(eventCount, 2000) });
    const events = Array.from({ length: eventCount }, (_, i) => {
      const event = scenario.events[i % scenario.events.length]!;
      return { ...event, id: `${event.id}_${i}` };
    });
    const warmup = events.slice(0, Math.min(1000, events.length));
    await load(ours, secret, warmup, concurrency);
    await load(floor, secret, warmup, concurrency);
    // Alternate slices so drift (GC, the emulator warming up, a noisy neighbour) hits both sides alike.
    const sliceCount = 8;
    const sliceSize = Math.ceil(events.length / sliceCount);
    const slices = Array.from({ length: sliceCount }, (_, i) => events.slice(i * sliceSize, (i + 1) * sliceSize));
    const runs = { ours: [] as LatencyRun[], floor: [] as LatencyRun[] };
    for (const slice of slices.filter((part) => part.length > 0)) {
      runs.ours.push(await load(ours, secret, slice, concurrency));
      runs.floor.push(await load(floor, secret, slice, concurrency));
    }
    const merge = (list: LatencyRun[]) => ({
      latencies: list.flatMap((run) => run.latencies).sort((a, b) => a - b),
      wallMs: list.reduce((sum, run) => sum + run.wallMs, 0),
      errors: list.reduce((sum, run) => sum + run.errors, 0),
    });
    // Each slice's own p99 ratio: a GC pause or an emulator hiccup in one slice moves the pooled p99 a lot and
    // the median of these hardly at all, so the two side by side say whether a run was disturbed.
    const sliceRatios = runs.ours
      .map((run, i) => {
        const floorRun = runs.floor[i];
        const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
        const floorP99 = floorRun ? percentile(sorted(floorRun.latencies), 99) : 0;
        return floorP99 > 0 ? percentile(sorted(run.latencies), 99) / floorP99 : 0;
      })
      .sort((a, b) => a - b);
    const o = merge(runs.ours);
    const f = merge(runs.floor);
    const p99 = percentile(o.latencies, 99);
    const floorP99 = percentile(f.latencies, 99);
    return {
      keys: {
        p50_ms: round(percentile(o.latencies, 50)),
        p99_ms: round(p99),
        events_per_s: round((o.latencies.length / o.wallMs) * 1000, 1),
        floor_p99_ms: round(floorP99),
        ratio_p99: round(floorP99 > 0 ? p99 / floorP99 : 0, 3),
      },
      details: {
        events: eventCount,
        concurrency,
        errors: o.errors,
        floor_errors: f.errors,
        floor_p50_ms: round(percentile(f.latencies, 50)),
        ratio_p99_median_of_slices: round(percentile(sliceRatios, 50), 3),
        ratio_p99_per_slice: sliceRatios.map((ratio) => round(ratio, 2)),
        floor_events_per_s: round((f.latencies.length / f.wallMs) * 1000, 1),
        webhook_peak_rss_mb: round(await oursChild.maxRssMb(), 1),
        floor_peak_rss_mb: round(await floorChild.maxRssMb(), 1),
        note: 'each handler in its own process (one instance each), the load generator in a third',
      },
    };
  } finally {
    await Promise.all(children.map((started) => started.stop()));
    await runtime.close();
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchEndToEnd(objects: number, timeScale: number, concurrency: number, env: NodeJS.ProcessEnv) {
  const dir = mkdtempSync(join(tmpdir(), 'stripe-qbo-bench-e2e-'));
  const simulator = await startSimulatorChild({ timeScale, enforceThrottle: true }, env);
  const sim = new SimulatorControl(simulator.url);
  const realmId = buildDemoTenant().qbo.realmId;
  let stack: Awaited<ReturnType<typeof startStackChild>> | undefined;
  try {
    await sim.seed(realmId, DEMO_TENANT_COMPANY);
    const seed = 2000 + objects;
    stack = await startStackChild(
      {
        seed,
        objects,
        rootDir: ROOT,
        duckdbPath: join(dir, 'stack.duckdb'),
        secretsDir: join(dir, 'secrets'),
        topicPrefix: `be${randomUUID().slice(0, 8)}-`,
        logLevel: 'warn',
        qboBaseUrl: simulator.url,
        // The stack's per-realm limiter runs on the simulator's clock, or it would hold QBO to real minutes.
        qboTimeScale: timeScale,
        qboTokens: await sim.tokens(realmId),
        realmId,
      },
      env,
    );
    const scenario = buildScenario({ seed, objects });
    const webhook = stack.ready.tenants[0]!.webhookUrl;
    const before = await sim.stats();
    const started = Date.now();
    let rejected = 0;
    await runPool(scenario.events, concurrency, async (event) => {
      const result = await deliver(webhook, stack!.ready.webhookSecret, event);
      if (result.status !== 200) rejected += 1;
    });
    // Bounded: a QBO "minute" of 500 requests per 100 objects plus slack, never more than 30 real minutes.
    const deadline = started + Math.min(30 * 60_000, 120_000 + objects * 4 * 60_000 * timeScale * (1 / 100));
    let check = await checkQbo(sim, realmId, scenario.expected);
    let doneAt = Date.now();
    let lastMissing = check.missing;
    let lastProgress = Date.now();
    while (check.missing > 0 && Date.now() < deadline && Date.now() - lastProgress < 120_000) {
      await sleep(1000);
      check = await checkQbo(sim, realmId, scenario.expected);
      if (check.missing < lastMissing) {
        lastMissing = check.missing;
        lastProgress = Date.now();
      }
      doneAt = Date.now();
    }
    const after = await sim.stats();
    const writes = after.writes - before.writes;
    const qboMinutes = (doneAt - started) / (60_000 * timeScale);
    const writesPerMin = qboMinutes > 0 ? writes / qboMinutes : 0;
    const requestsPerMin = qboMinutes > 0 ? (after.requests - before.requests) / qboMinutes : 0;
    // Let in-flight redeliveries land before the duplicate count is final.
    await sleep(3000);
    const final = await checkQbo(sim, realmId, scenario.expected);
    const peakRss = await stack.maxRssMb();
    return {
      keys: {
        objects: scenario.objectCount,
        qbo_writes_per_min: round(writesPerMin, 1),
        throttle_bound_per_min: QBO_LIMITS.perMinute,
        fraction_of_bound: round(writesPerMin / QBO_LIMITS.perMinute, 3),
        // QBO's bound counts every request, reads and queries too: this is how close the limiter runs to it.
        qbo_requests_per_min: round(requestsPerMin, 1),
        request_fraction_of_bound: round(requestsPerMin / QBO_LIMITS.perMinute, 3),
        duplicates: final.duplicates,
        lost: final.missing,
        penny_mismatches: final.pennyMismatches,
      },
      peakRss,
      details: {
        events_sent: scenario.events.length,
        webhook_rejections: rejected,
        time_scale: timeScale,
        wall_s: round((doneAt - started) / 1000, 1),
        qbo_minutes: round(qboMinutes, 3),
        qbo_writes: writes,
        qbo_requests: after.requests - before.requests,
        qbo_throttled: after.throttled - before.throttled,
        examples: final.examples.slice(0, 20),
      },
    };
  } finally {
    await stack?.stop().catch(() => undefined);
    await simulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const objects = Number(argValue(argv, '--objects') ?? 2000);
  // 12,000: at 5,000 the first slices (JIT, the emulator warming up) still swing the p99 ratio by ±0.3.
  const eventCount = Number(argValue(argv, '--events') ?? 12_000);
  const timeScale = Number(argValue(argv, '--time-scale') ?? 1);
  const concurrency = Number(argValue(argv, '--concurrency') ?? 16);
  const say = (text: string) => {
    if (!json) process.stderr.write(`${text}\n`);
  };

  let emulator: RunningEmulator | undefined;
  const env: NodeJS.ProcessEnv = { ...process.env, METADATA_SERVER_DETECTION: 'none' };
  env.GOOGLE_CLOUD_PROJECT ??= 'stripe-qbo-bench';
  if (!env.PUBSUB_EMULATOR_HOST) {
    say('starting the Pub/Sub emulator…');
    emulator = await startPubSubEmulator();
    env.PUBSUB_EMULATOR_HOST = emulator.host;
  }
  process.env.PUBSUB_EMULATOR_HOST = env.PUBSUB_EMULATOR_HOST;
  process.env.GOOGLE_CLOUD_PROJECT = env.GOOGLE_CLOUD_PROJECT;
  process.env.METADATA_SERVER_DETECTION = 'none';
  try {
    say(`ingest: ${eventCount} signed events, concurrency ${concurrency}…`);
    const ingest = await benchIngest(eventCount, concurrency, env);
    let e2e: Awaited<ReturnType<typeof benchEndToEnd>> | undefined;
    let e2eError: string | undefined;
    if (!argv.includes('--skip-e2e')) {
      say(`end to end: ${objects} Stripe objects, QBO time scale ${timeScale}…`);
      try {
        e2e = await benchEndToEnd(objects, timeScale, concurrency, env);
      } catch (error) {
        e2eError = (error as Error).message;
        say(`end to end failed: ${e2eError}`);
      }
    }
    const results = {
      ingest: ingest.keys,
      e2e: e2e?.keys ?? {
        objects: 0,
        qbo_writes_per_min: null,
        throttle_bound_per_min: QBO_LIMITS.perMinute,
        fraction_of_bound: null,
        qbo_requests_per_min: null,
        request_fraction_of_bound: null,
        duplicates: null,
        lost: null,
        penny_mismatches: null,
      },
      memory: {
        // The largest of the function processes measured (others read this key); each one's figure below it.
        peak_rss_mb: round(Math.max(ingest.details.webhook_peak_rss_mb, e2e ? e2e.peakRss : 0), 1),
        per_process_mb: {
          'stripe-webhook': ingest.details.webhook_peak_rss_mb,
          'local stack (every function, DuckDB)': e2e ? round(e2e.peakRss, 1) : null,
        },
      },
      measuredAt: new Date().toISOString(),
      machine: machine(),
    };
    const details = {
      measuredAt: results.measuredAt,
      ingest: ingest.details,
      e2e: e2e?.details ?? { error: e2eError ?? 'skipped' },
      memory: {
        stack_process_peak_rss_mb: e2e ? round(e2e.peakRss, 1) : null,
        webhook_process_peak_rss_mb: ingest.details.webhook_peak_rss_mb,
        floor_process_peak_rss_mb: ingest.details.floor_peak_rss_mb,
        note: 'the webhook alone in its own process under the ingest load; the consumers run together in the local stack process (DESIGN section 9), so theirs is one figure for all of them',
      },
    };
    const outDir = resolve(ROOT, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(outDir, 'latest-run.json'), `${JSON.stringify(details, null, 2)}\n`);
    if (json) {
      process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    } else {
      const rows: Array<[string, unknown]> = [
        ['ingest p50 / p99 (ms)', `${results.ingest.p50_ms} / ${results.ingest.p99_ms}`],
        ['ingest events/s', results.ingest.events_per_s],
        ['floor p50 / p99 (ms)', `${ingest.details.floor_p50_ms} / ${results.ingest.floor_p99_ms}`],
        ['ratio p99 (target ≤ 1.3)', results.ingest.ratio_p99],
        ['ratio p99, median of 8 slices', ingest.details.ratio_p99_median_of_slices],
        ['e2e objects', results.e2e.objects],
        ['e2e QBO writes/min (bound)', `${results.e2e.qbo_writes_per_min} (${results.e2e.throttle_bound_per_min})`],
        ['e2e fraction of bound (≥ 0.9)', results.e2e.fraction_of_bound],
        [
          'e2e QBO requests/min, fraction',
          `${results.e2e.qbo_requests_per_min}, ${results.e2e.request_fraction_of_bound}`,
        ],
        [
          'e2e duplicates / lost / penny',
          `${results.e2e.duplicates} / ${results.e2e.lost} / ${results.e2e.penny_mismatches}`,
        ],
        ['e2e time scale / wall s', e2e ? `${timeScale} / ${e2e.details.wall_s}` : (e2eError ?? 'skipped')],
        [
          'peak RSS: webhook / local stack (MB)',
          `${ingest.details.webhook_peak_rss_mb} / ${results.memory.per_process_mb['local stack (every function, DuckDB)']}`,
        ],
        ['machine', `${results.machine.cpus} cpus, node ${results.machine.node}`],
      ];
      const width = Math.max(...rows.map(([label]) => label.length));
      process.stdout.write(`${rows.map(([label, value]) => `${label.padEnd(width)}  ${String(value)}`).join('\n')}\n`);
    }
  } finally {
    await emulator?.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
