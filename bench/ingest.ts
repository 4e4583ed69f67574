import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { buildDemoTenant } from '../dev/local-stack/demo-tenant';
import { ensureLocalTopology } from '../dev/local-stack/topology';
import { buildScenario } from '../dev/scenario/scenario';
import { buildRuntime } from '../shared/runtime/runtime';
import { secretNames } from '../shared/secrets/secret-store';
import { openDuckDbStores } from '../shared/stores/duckdb';
import { deliver, percentile, round, runPool, startIngestChild, type IngestChild } from './harness';

/**
 * DESIGN section 11, ingest: our webhook against a floor handler that only publishes the raw body, each in a
 * process of its own (one instance each, as deployed), driven from the bench process.
 */

/** Alternating slices (ours, floor, ours, floor…): the median of their p99 ratios is the figure reported. */
export const INGEST_SLICES = 16;

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
export async function benchIngest(eventCount: number, concurrency: number, env: NodeJS.ProcessEnv) {
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
    const sliceSize = Math.ceil(events.length / INGEST_SLICES);
    const slices = Array.from({ length: INGEST_SLICES }, (_, i) => events.slice(i * sliceSize, (i + 1) * sliceSize));
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
    // the median of these hardly at all, so the median is the figure, its spread says how steady the run was, and
    // the pooled ratio beside it says whether a run was disturbed.
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
        ratio_p99_median_of_slices: round(percentile(sliceRatios, 50), 3),
      },
      details: {
        events: eventCount,
        concurrency,
        errors: o.errors,
        floor_errors: f.errors,
        floor_p50_ms: round(percentile(f.latencies, 50)),
        slices: sliceRatios.length,
        ratio_p99_slice_spread: {
          min: round(sliceRatios[0] ?? 0, 3),
          p25: round(percentile(sliceRatios, 25), 3),
          median: round(percentile(sliceRatios, 50), 3),
          p75: round(percentile(sliceRatios, 75), 3),
          max: round(sliceRatios.at(-1) ?? 0, 3),
        },
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
