import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startPubSubEmulator, type RunningEmulator } from '../dev/local-stack/emulators';
import { QBO_LIMITS } from '../dev/qbo-simulator/throttle';
import { benchBatchTransport } from './batch-transport';
import { benchThroughStack, type Whereabouts } from './end-to-end';
import { benchFleet, type FleetBenchResult } from './fleet';
import { argValue, machine, round } from './harness';
import { benchIngest, INGEST_SLICES } from './ingest';

/**
 * `npm run bench [-- --json] [--objects N] [--events M] [--time-scale S] [--concurrency C] [--skip-ingest]
  [--skip-e2e] [--backfill] [--delivery push|relay] [--relay-outstanding K] [--transport [--transport-objects N]
 *   [--transport-concurrency C]]`, or `npm run bench -- --fleet N [--seconds S]` (bench/fleet.ts: N consumer
 *   processes sharing one realm's QBO budget; only that, its figures replace latest.json's `fleet` and the rest stays).
 * DESIGN section 11: ingest against a floor handler, end to end into the throttled simulator, peak memory; with
 * `--backfill`, the same objects published as a backfill would (all entities at once) and measured the same way.
 * Writes bench/results/latest.json (the keys others read) and latest-run.json (everything else measured). Exits 1
 * when anything is lost, dead-lettered, duplicated, off by a penny or still waiting at the end.
 */

const ROOT = process.cwd();

type Measured = Awaited<ReturnType<typeof benchThroughStack>>;

/** The keys of one run through the stack that others read (latest.json). */
function stackKeys(run: Measured) {
  return {
    objects: run.objects,
    qbo_writes_per_min: round(run.writesPerMin, 1),
    throttle_bound_per_min: QBO_LIMITS.perMinute,
    fraction_of_bound: round(run.writesPerMin / QBO_LIMITS.perMinute, 3),
    // QBO's bound counts every request, reads and queries too: this is how close the limiter runs to it.
    qbo_requests_per_min: round(run.requestsPerMin, 1),
    request_fraction_of_bound: round(run.requestsPerMin / QBO_LIMITS.perMinute, 3),
    duplicates: run.check.duplicates,
    lost: run.whereabouts.lost,
    penny_mismatches: run.check.pennyMismatches,
    dead_lettered: run.whereabouts.dead_lettered,
    parked: run.whereabouts.parked,
  };
}

function backfillKeys(run: Measured) {
  return {
    objects: run.objects,
    qbo_writes_per_min: round(run.writesPerMin, 1),
    duplicates: run.check.duplicates,
    lost: run.whereabouts.lost,
    dead_lettered: run.whereabouts.dead_lettered,
    penny_mismatches: run.check.pennyMismatches,
    parked: run.whereabouts.parked,
    qbo_requests_per_min: round(run.requestsPerMin, 1),
    qbo_batch_requests: run.details.qbo_batch_requests,
    delivery: run.details.delivery,
    note: 'writes = objects QBO wrote (each batch item counted), from the first publish to the last object seen in QBO; creates coalesced into batch requests (≤ 30 items, 40/min) besides singles (500 requests/min in all)',
    measuredAt: new Date().toISOString(),
  };
}

/** What makes the run fail: anything lost, dead-lettered, doubled, off by a penny, or not finished waiting. */
function broken(run: Measured | undefined): string[] {
  if (!run) return [];
  const feed = run.details.feed;
  const problems: Array<[number, string]> = [
    [run.whereabouts.lost, 'lost'],
    [run.whereabouts.dead_lettered, 'dead-lettered'],
    [run.check.duplicates, 'duplicates'],
    [run.check.pennyMismatches, 'penny mismatches'],
    [run.whereabouts.waiting, 'still waiting at the end'],
  ];
  return problems.filter(([count]) => count > 0).map(([count, what]) => `${feed}: ${count} ${what}`);
}

/**
 * A section an earlier run measured (with its date) is kept when this run does not measure it: `--skip-e2e
 * --backfill` replaces the backfill figures and leaves the end-to-end and ingest ones as they were.
 */
function previous(file: string, key: 'ingest' | 'e2e' | 'backfill' | 'memory'): unknown {
  return previousResults(file)[key] ?? null;
}

function previousResults(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * `--fleet N`: only the fleet bench. Its keys replace latest.json's `fleet` (every other key stays as the last full
 * run wrote it) and the details go to latest-run.json's `fleet`. Exits 1 when QBO throttled anyone.
 */
async function runFleetMode(argv: string[], json: boolean): Promise<never> {
  const processes = Number(argValue(argv, '--fleet'));
  const seconds = Number(argValue(argv, '--seconds') ?? 90);
  if (!Number.isInteger(processes) || processes < 1 || !(seconds > 0)) {
    process.stderr.write('usage: npm run bench -- --fleet N [--seconds S]\n');
    process.exit(2);
  }
  if (!json) process.stderr.write(`fleet: ${processes} consumer processes, one realm, ${seconds} s on QBO's clock…\n`);
  const result: FleetBenchResult = await benchFleet({ processes, seconds }, process.env);
  const { details, ...keys } = result;
  const outDir = resolve(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const latestFile = join(outDir, 'latest.json');
  const measuredAt = new Date().toISOString();
  writeFileSync(
    latestFile,
    `${JSON.stringify({ ...previousResults(latestFile), fleet: { ...keys, measuredAt, machine: machine() } }, null, 2)}\n`,
  );
  const runFile = join(outDir, 'latest-run.json');
  writeFileSync(
    runFile,
    `${JSON.stringify({ ...previousResults(runFile), fleet: { measuredAt, ...details } }, null, 2)}\n`,
  );
  if (json) process.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
  else
    process.stdout.write(
      [
        `fleet processes / seconds     ${keys.processes} / ${keys.seconds}`,
        `QBO requests/min (bound)      ${keys.requests_per_min} (${QBO_LIMITS.perMinute})`,
        `ratio of bound (≥ 0.9)        ${keys.ratio_of_bound}`,
        `throttled (0)                 ${keys.throttled}`,
        `max in flight seen (≤ 10)     ${keys.max_in_flight_seen}`,
        `calls ok / failed             ${details.calls_ok} / ${details.calls_failed} ${JSON.stringify(details.failures)}`,
      ].join('\n') + '\n',
    );
  if (keys.throttled > 0) process.stdout.write(`FAILED: fleet: ${keys.throttled} requests throttled\n`);
  process.exit(keys.throttled > 0 ? 1 : 0);
}

const where = (found: Whereabouts) =>
  `${found.lost} / ${found.parked}${found.parked > 0 ? ` ${JSON.stringify(found.parked_reasons)}` : ''} / ${found.dead_lettered}`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  if (argv.includes('--fleet')) await runFleetMode(argv, json);
  const objects = Number(argValue(argv, '--objects') ?? 2000);
  // 12,000: at 5,000 the first slices (JIT, the emulator warming up) still swing the p99 ratio by ±0.3.
  const eventCount = Number(argValue(argv, '--events') ?? 12_000);
  const timeScale = Number(argValue(argv, '--time-scale') ?? 1);
  const concurrency = Number(argValue(argv, '--concurrency') ?? 16);
  // Both feeds run behind the dev push relay by default: production push delivers many messages at once, the
  // emulator two per endpoint, and behind it the local 5 s lease leaves a create only 2.5 s to get QBO capacity
  // (write-protocol.ts), so `--delivery push` measures the emulator more than the product.
  const deliveryArg = argValue(argv, '--delivery');
  if (deliveryArg !== undefined && deliveryArg !== 'push' && deliveryArg !== 'relay')
    throw new Error('--delivery is push or relay');
  const relayOutstanding = argValue(argv, '--relay-outstanding');
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
  const errors: Record<string, string> = {};
  const throughStack = async (feed: 'webhook' | 'backfill'): Promise<Measured | undefined> => {
    say(`${feed === 'webhook' ? 'end to end' : 'backfill'}: ${objects} Stripe objects, QBO time scale ${timeScale}…`);
    try {
      const delivery = deliveryArg ?? 'relay';
      return await benchThroughStack(
        feed,
        {
          objects,
          timeScale,
          concurrency,
          rootDir: ROOT,
          delivery,
          ...(relayOutstanding !== undefined ? { relayMaxOutstanding: Number(relayOutstanding) } : {}),
        },
        env,
      );
    } catch (error) {
      errors[feed] = (error as Error).message;
      say(`${feed} failed: ${errors[feed]}`);
      return undefined;
    }
  };
  let problems: string[] = [];
  try {
    let ingest: Awaited<ReturnType<typeof benchIngest>> | undefined;
    if (!argv.includes('--skip-ingest')) {
      say(`ingest: ${eventCount} signed events in ${INGEST_SLICES} alternating slices, concurrency ${concurrency}…`);
      ingest = await benchIngest(eventCount, concurrency, env);
    }
    const e2e = argv.includes('--skip-e2e') ? undefined : await throughStack('webhook');
    const backfill = argv.includes('--backfill') ? await throughStack('backfill') : undefined;
    let transport: Awaited<ReturnType<typeof benchBatchTransport>> | undefined;
    if (argv.includes('--transport')) {
      const transportObjects = Number(argValue(argv, '--transport-objects') ?? 3000);
      say(
        `transport: ${transportObjects} creates through the write protocol and batching writer, time scale ${timeScale}…`,
      );
      transport = await benchBatchTransport(
        { objects: transportObjects, concurrency: Number(argValue(argv, '--transport-concurrency') ?? 90), timeScale },
        env,
      );
    }
    const outDir = resolve(ROOT, 'bench', 'results');
    const latestFile = join(outDir, 'latest.json');
    const results = {
      ingest: ingest?.keys ??
        previous(latestFile, 'ingest') ?? {
          p50_ms: null,
          p99_ms: null,
          events_per_s: null,
          floor_p99_ms: null,
          ratio_p99: null,
          ratio_p99_median_of_slices: null,
        },
      e2e: e2e
        ? stackKeys(e2e)
        : (previous(latestFile, 'e2e') ?? {
            objects: 0,
            qbo_writes_per_min: null,
            throttle_bound_per_min: QBO_LIMITS.perMinute,
            fraction_of_bound: null,
            qbo_requests_per_min: null,
            request_fraction_of_bound: null,
            duplicates: null,
            lost: null,
            penny_mismatches: null,
            dead_lettered: null,
            parked: null,
          }),
      backfill: backfill ? backfillKeys(backfill) : previous(latestFile, 'backfill'),
      // Measured only by `--fleet N`: kept from the last such run.
      fleet: previousResults(latestFile).fleet ?? null,
      memory:
        !ingest && !e2e && previous(latestFile, 'memory')
          ? previous(latestFile, 'memory')
          : {
              // The largest of the function processes measured (others read this key); each one's figure below it.
              peak_rss_mb: round(Math.max(ingest?.details.webhook_peak_rss_mb ?? 0, e2e?.peakRss ?? 0), 1),
              per_process_mb: {
                'stripe-webhook': ingest?.details.webhook_peak_rss_mb ?? null,
                'local stack (every function, DuckDB)': e2e ? round(e2e.peakRss, 1) : null,
              },
            },
      measuredAt: new Date().toISOString(),
      machine: machine(),
    };
    // As in latest.json, a section this run did not measure keeps what an earlier run wrote (its own measuredAt
    // says when); a run that failed says so instead.
    const earlierRun = previousResults(join(outDir, 'latest-run.json'));
    const earlier = (key: string, fallback: object) => {
      const kept = earlierRun[key];
      return kept && typeof kept === 'object' && !('error' in kept) && !('skipped' in kept)
        ? { measuredAt: earlierRun.measuredAt, ...kept }
        : fallback;
    };
    const details = {
      measuredAt: results.measuredAt,
      ingest: ingest?.details ?? earlier('ingest', { skipped: true }),
      e2e: e2e?.details ?? (errors.webhook ? { error: errors.webhook } : earlier('e2e', { error: 'skipped' })),
      backfill:
        backfill?.details ??
        (errors.backfill
          ? { error: errors.backfill }
          : earlier('backfill', { error: 'not run (npm run bench -- --backfill)' })),
      backfill_transport:
        transport ??
        earlier('backfill_transport', { error: 'not run (npm run bench -- --skip-e2e --skip-ingest --transport)' }),
      memory: {
        stack_process_peak_rss_mb: e2e ? round(e2e.peakRss, 1) : null,
        backfill_stack_process_peak_rss_mb: backfill
          ? round(backfill.peakRss, 1)
          : ((earlierRun.memory as Record<string, unknown> | undefined)?.backfill_stack_process_peak_rss_mb ?? null),
        webhook_process_peak_rss_mb: ingest?.details.webhook_peak_rss_mb ?? null,
        floor_process_peak_rss_mb: ingest?.details.floor_peak_rss_mb ?? null,
        note: 'the webhook alone in its own process under the ingest load; the consumers run together in the local stack process (DESIGN section 9), so theirs is one figure for all of them',
      },
    };
    mkdirSync(outDir, { recursive: true });
    writeFileSync(latestFile, `${JSON.stringify(results, null, 2)}\n`);
    writeFileSync(join(outDir, 'latest-run.json'), `${JSON.stringify(details, null, 2)}\n`);
    problems = [...broken(e2e), ...broken(backfill), ...Object.entries(errors).map(([feed, e]) => `${feed}: ${e}`)];
    if (transport && (transport.duplicates > 0 || transport.written !== transport.objects))
      problems.push(
        `transport: ${transport.written} of ${transport.objects} written, ${transport.duplicates} duplicates`,
      );
    if (json) {
      process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    } else {
      const rows: Array<[string, unknown]> = [];
      if (ingest)
        rows.push(
          ['ingest p50 / p99 (ms)', `${ingest.keys.p50_ms} / ${ingest.keys.p99_ms}`],
          ['ingest events/s', ingest.keys.events_per_s],
          ['floor p50 / p99 (ms)', `${ingest.details.floor_p50_ms} / ${ingest.keys.floor_p99_ms}`],
          [
            `ratio p99, median of ${ingest.details.slices} slices (≤ 1.3)`,
            `${ingest.keys.ratio_p99_median_of_slices} (p25–p75 ${ingest.details.ratio_p99_slice_spread.p25}–${ingest.details.ratio_p99_slice_spread.p75}, min–max ${ingest.details.ratio_p99_slice_spread.min}–${ingest.details.ratio_p99_slice_spread.max})`,
          ],
          ['ratio p99, pooled', ingest.keys.ratio_p99],
        );
      for (const [label, run] of [
        ['e2e', e2e],
        ['backfill', backfill],
      ] as const) {
        if (!run) continue;
        const keys = stackKeys(run);
        rows.push(
          [`${label} objects`, keys.objects],
          [`${label} QBO writes/min (bound)`, `${keys.qbo_writes_per_min} (${keys.throttle_bound_per_min})`],
          [`${label} fraction of bound (≥ 0.9)`, keys.fraction_of_bound],
          [`${label} QBO requests/min, fraction`, `${keys.qbo_requests_per_min}, ${keys.request_fraction_of_bound}`],
          [`${label} duplicates / penny`, `${keys.duplicates} / ${keys.penny_mismatches}`],
          [`${label} lost / parked / dead-lettered`, where(run.whereabouts)],
          [`${label} time scale / wall s`, `${timeScale} / ${run.details.wall_s}`],
        );
      }
      if (transport)
        rows.push(
          ['transport objects / concurrency', `${transport.objects} / ${transport.concurrency}`],
          ['transport QBO writes/min', transport.qbo_writes_per_min],
          ['transport QBO requests/min, batches', `${transport.qbo_requests_per_min}, ${transport.qbo_batch_requests}`],
          [
            'transport written / duplicates / throttled',
            `${transport.written} / ${transport.duplicates} / ${transport.qbo_throttled}`,
          ],
        );
      rows.push(
        [
          'peak RSS: webhook / local stack (MB)',
          `${ingest?.details.webhook_peak_rss_mb ?? '-'} / ${e2e ? round(e2e.peakRss, 1) : '-'}`,
        ],
        ['machine', `${results.machine.cpus} cpus, node ${results.machine.node}`],
      );
      const width = Math.max(...rows.map(([label]) => label.length));
      process.stdout.write(`${rows.map(([label, value]) => `${label.padEnd(width)}  ${String(value)}`).join('\n')}\n`);
      for (const problem of problems) process.stdout.write(`FAILED: ${problem}\n`);
    }
  } finally {
    await emulator?.stop();
  }
  process.exit(problems.length > 0 ? 1 : 0);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
