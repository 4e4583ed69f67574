import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoTenant, DEMO_TENANT_COMPANY } from '../dev/local-stack/demo-tenant';
import { startPubSubEmulator, type RunningEmulator } from '../dev/local-stack/emulators';
import type { StackProcessConfig } from './stack-process';
import {
  argValue,
  checkQbo,
  deliver,
  machine,
  runPool,
  SimulatorControl,
  sleep,
  startSimulatorChild,
  startStackChild,
  type StackChild,
} from './harness';
import { buildScenario, seededRandom, shuffle, type ScenarioEvent } from '../dev/scenario/scenario';

/**
 * `npm run chaos [-- --json] [--small] [--objects N] [--seed S]`: a Stripe history delivered 1–3 times per event in
 * shuffled order while the simulator throttles (10%), fails (5xx 5%), drops responses after committing (5%) and
 * expires the access token once, consumers crash between the QBO write and the ledger commit (5%,
 * `--crash-rate`), and the stack process is SIGKILLed and restarted halfway. Then the invariants:
 * every Stripe object in QBO exactly once and to the cent, every event accounted for in the audit trail or the
 * dead-letter archive. Exits 1 when one breaks, 2 when the run itself could not be carried out.
 */

/** The invariant counts of issue #9: all zero but the first three on a good run. */
interface ChaosResult {
  events_sent: number;
  deliveries: number;
  faults_injected: number;
  duplicates: number;
  missing: number;
  penny_mismatches: number;
  unaccounted: number;
}

/** What `--json` prints (the CI test reads it). */
export interface ChaosReport extends ChaosResult {
  ok: boolean;
  objects: number;
  stack_killed_and_restarted: number;
  qbo_faults: number;
  consumer_crashes_before_commit: number;
  undelivered_after_retries: number;
  wall_s: number;
  time_scale: number;
  machine: ReturnType<typeof machine>;
  examples: string[];
}

async function unaccountedEvents(stack: StackChild, events: readonly ScenarioEvent[]): Promise<string[]> {
  const settled = await stack.all<{ eventId: string }>(
    `SELECT DISTINCT "eventId" FROM audit_records WHERE "outcome" IN ('posted', 'skipped', 'parked') AND "reason" IS NOT NULL`,
  );
  // The archiver always creates dead_letters now: a failing query is a broken run, not an empty table.
  const deadLettered = await stack.all<{ eventId: string }>(`SELECT DISTINCT "eventId" FROM dead_letters`);
  const seen = new Set([...settled, ...deadLettered].map((row) => row.eventId));
  return events.filter((event) => !seen.has(event.id)).map((event) => event.id);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const json = argv.includes('--json');
  const small = argv.includes('--small');
  // Leaves the DuckDB file and the local secrets behind for a post-mortem.
  const keep = argv.includes('--keep');
  const objects = Number(argValue(argv, '--objects') ?? (small ? 40 : 400));
  const seed = Number(argValue(argv, '--seed') ?? 42);
  // QBO's throttle windows, a hundred times faster: the limits are real, the waiting is not.
  const timeScale = Number(argValue(argv, '--time-scale') ?? 0.01);
  // Consumers crash between the QBO write and the ledger commit this often (on top of the whole-process kill).
  const crashBeforeCommit = Number(argValue(argv, '--crash-rate') ?? 0.05);
  const budgetMs = Number(argValue(argv, '--budget-s') ?? (small ? 100 : 900)) * 1000;
  const say = (text: string) => {
    if (!json) process.stderr.write(`${text}\n`);
  };
  const startedAt = Date.now();
  const deadline = startedAt + budgetMs;

  const env: NodeJS.ProcessEnv = { ...process.env, METADATA_SERVER_DETECTION: 'none' };
  env.GOOGLE_CLOUD_PROJECT ??= 'stripe-qbo-chaos';
  let emulator: RunningEmulator | undefined;
  if (!env.PUBSUB_EMULATOR_HOST) {
    say('starting the Pub/Sub emulator…');
    emulator = await startPubSubEmulator();
    env.PUBSUB_EMULATOR_HOST = emulator.host;
  }
  const dir = mkdtempSync(join(tmpdir(), 'stripe-qbo-chaos-'));
  if (keep) env.STRIPE_QBO_BENCH_LOG = join(dir, 'stack.log');
  const simulator = await startSimulatorChild({ timeScale, enforceThrottle: true }, env);
  let stack: StackChild | undefined;
  let exitCode = 0;
  try {
    const sim = new SimulatorControl(simulator.url);
    const realmId = buildDemoTenant().qbo.realmId;
    await sim.seed(realmId, DEMO_TENANT_COMPANY);
    const config: StackProcessConfig = {
      seed,
      objects,
      rootDir: process.cwd(),
      duckdbPath: join(dir, 'chaos.duckdb'),
      secretsDir: join(dir, 'secrets'),
      topicPrefix: `ch${randomUUID().slice(0, 8)}-`,
      logLevel: keep ? 'info' : 'error',
      qboBaseUrl: simulator.url,
      // The stack's per-realm limiter runs on the simulator's clock, or it would hold QBO to real minutes.
      qboTimeScale: timeScale,
      qboTokens: await sim.tokens(realmId),
      realmId,
      // The emulator redelivers about once a second (no backoff: see dev/local-stack/topology.ts), so ten
      // attempts span ten seconds where production's 10–600 s backoff spans most of an hour. Thirty attempts
      // stand in for that span; the lease (5 s) runs out well inside it, as production's 120 s lease does.
      maxDeliveryAttempts: 30,
      crashBeforeCommit,
    };
    say(`chaos: ${objects} Stripe objects, seed ${seed}, QBO time scale ${timeScale}`);
    stack = await startStackChild(config, env);

    const scenario = buildScenario({ seed, objects });
    const random = seededRandom(seed * 7919);
    const deliveries = shuffle(
      scenario.events.flatMap((event) => Array.from({ length: 1 + Math.floor(random() * 3) }, () => event)),
      random,
    );
    for (const fault of [
      { kind: 'throttle', probability: 0.1 },
      { kind: '5xx', probability: 0.05 },
      { kind: 'timeout_after_commit', probability: 0.05 },
    ] as const)
      await sim.fault({ ...fault, realmId });

    // Stripe retries whatever did not get a 2xx (here: what hit the dead process), so the driver does too.
    const retry: ScenarioEvent[] = [];
    let attempts = 0;
    const send = async (event: ScenarioEvent) => {
      attempts += 1;
      const current = stack!;
      const result = await deliver(current.ready.tenants[0]!.webhookUrl, current.ready.webhookSecret, event);
      if (result.status !== 200) retry.push(event);
    };
    const killAt = Math.floor(deliveries.length / 2);
    const tokenExpiryAt = Math.floor(deliveries.length / 4);
    await runPool(deliveries.slice(0, tokenExpiryAt), 8, send, deadline);
    await sim.fault({ kind: 'auth_expired', count: 1, realmId });
    await runPool(deliveries.slice(tokenExpiryAt, killAt), 8, send, deadline);
    // Let consumers get mid-write (QBO posted, ledger not yet committed) before the kill.
    await sleep(1500);
    let crashes = (await stack.request<{ crashes: number }>({ op: 'crashes' })).crashes;
    say('SIGKILL the stack process…');
    await stack.kill();
    stack = await startStackChild(config, env);
    say('stack restarted');
    await runPool(deliveries.slice(killAt), 8, send, deadline);
    for (let round = 0; round < 5 && retry.length > 0 && Date.now() < deadline; round += 1) {
      const again = retry.splice(0);
      await runPool(again, 8, send, deadline);
    }

    // Drain: bounded by the budget; done once nothing is missing or unaccounted.
    let check = await checkQbo(sim, realmId, scenario.expected);
    let unaccounted = await unaccountedEvents(stack, scenario.events);
    while ((check.missing > 0 || unaccounted.length > 0) && Date.now() < deadline) {
      await sleep(2000);
      check = await checkQbo(sim, realmId, scenario.expected);
      unaccounted = await unaccountedEvents(stack, scenario.events);
    }
    await sleep(2000); // late redeliveries would show up as duplicates now
    check = await checkQbo(sim, realmId, scenario.expected);
    unaccounted = await unaccountedEvents(stack, scenario.events);
    crashes += (await stack.request<{ crashes: number }>({ op: 'crashes' })).crashes;
    const stats = await sim.stats();
    const result: ChaosResult = {
      events_sent: scenario.events.length,
      deliveries: attempts,
      // QBO's (throttles, 5xx, lost responses, the token expiry), the consumer crashes, and the process kill.
      faults_injected: stats.faultsInjected + crashes + 1,
      duplicates: check.duplicates,
      missing: check.missing,
      penny_mismatches: check.pennyMismatches,
      unaccounted: unaccounted.length,
    };
    const broken = result.duplicates + result.missing + result.penny_mismatches + result.unaccounted > 0;
    exitCode = broken ? 1 : 0;
    const report: ChaosReport = {
      ...result,
      ok: !broken,
      objects: scenario.objectCount,
      stack_killed_and_restarted: 1,
      qbo_faults: stats.faultsInjected,
      consumer_crashes_before_commit: crashes,
      undelivered_after_retries: retry.length,
      wall_s: Math.round((Date.now() - startedAt) / 100) / 10,
      time_scale: timeScale,
      machine: machine(),
      examples: [...check.examples, ...unaccounted.slice(0, 20).map((id) => `unaccounted ${id}`)].slice(0, 40),
    };
    if (json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      for (const [key, value] of Object.entries(result)) process.stdout.write(`${key.padEnd(18)} ${value}\n`);
      process.stdout.write(`${broken ? 'INVARIANT BROKEN' : 'all invariants hold'} (${report.wall_s} s)\n`);
      for (const line of report.examples) process.stdout.write(`  ${line}\n`);
    }
  } catch (error) {
    exitCode = 2;
    process.stderr.write(`chaos run failed: ${(error as Error).stack ?? String(error)}\n`);
    if (stack) process.stderr.write(`stack stderr: ${stack.stderr().slice(-3000)}\n`);
  } finally {
    await stack?.stop().catch(() => undefined);
    await simulator.stop();
    await emulator?.stop();
    if (keep) {
      process.stderr.write(`kept ${dir}\n`);
    } else rmSync(dir, { recursive: true, force: true });
  }
  process.exit(exitCode);
}

void main();
