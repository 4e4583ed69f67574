import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { startFirestoreEmulator, type RunningEmulator } from '../dev/local-stack/emulators';
import { buildDemoTenant } from '../dev/local-stack/demo-tenant';
import { DEMO_COMPANY } from '../dev/qbo-simulator/server';
import { QBO_LIMITS } from '../dev/qbo-simulator/throttle';
import { storedTokensFrom, writeStoredTokens } from '../shared/qbo/auth/token-provider';
import { LocalFileSecretStore, secretNames } from '../shared/secrets/secret-store';
import type { FleetProcessConfig, FleetProcessResult } from './fleet-process';
import { round, SimulatorControl, sleep, startSimulatorChild } from './harness';

/**
 * `npm run bench -- --fleet N [--seconds S]`: N consumer instances, each its own process with the product's QBO
 * access over ONE Firestore store, drive creates and queries against one realm of the throttled simulator on QBO's
 * real clock (timeScale 1) for S seconds. The fleet budget (shared/qbo/budget) must keep them all, together, under
 * the realm's limits: 0 throttled, and as close to 500 requests/min as the budget's 492 allows.
 */
export interface FleetBenchOptions {
  processes: number;
  seconds: number;
  /** Concurrent loops per process: more than its share of seats, so every seat always has a request waiting. */
  workersPerProcess?: number;
}

export interface FleetBenchResult {
  processes: number;
  seconds: number;
  requests_per_min: number;
  ratio_of_bound: number;
  throttled: number;
  /** The most QBO requests the fleet had out at once, as the instances saw them (sent → answer read). */
  max_in_flight_seen: number;
  details: {
    measured_s: number;
    warm_up_s: number;
    requests_total: number;
    calls_ok: number;
    calls_failed: number;
    failures: Record<string, number>;
    firestore: string;
  };
}

const ownExtension = extname(__filename);
const REALM_ID = '9341450000000001';

interface FleetChild {
  child: ChildProcess;
  ready: Promise<void>;
  done: Promise<FleetProcessResult>;
}

function startFleetChild(config: FleetProcessConfig, env: NodeJS.ProcessEnv): FleetChild {
  const child = fork(join(__dirname, `fleet-process${ownExtension}`), [JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`fleet process ${config.instance} exited (${code}): ${stderr}`))),
  );
  const ready = Promise.race([
    new Promise<void>((resolve) => {
      let buffered = '';
      const onData = (chunk: Buffer) => {
        buffered += chunk.toString();
        if (!buffered.split('\n').some((line) => line.startsWith('{"ready":true'))) return;
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      };
      child.stdout?.on('data', onData);
    }),
    exited,
  ]);
  const done = Promise.race([
    new Promise<FleetProcessResult>((resolve) =>
      child.on('message', (message: FleetProcessResult) => {
        if (message.op === 'done') resolve(message);
      }),
    ),
    exited,
  ]);
  ready.catch(() => undefined);
  done.catch(() => undefined);
  return { child, ready, done };
}

/** The most intervals open at one instant; one that ends when another starts does not overlap it. */
function maxConcurrent(intervals: Array<[number, number]>): number {
  const edges = intervals.flatMap(([sent, answered]): Array<[number, number]> => [
    [sent, 1],
    [answered, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, step] of edges) {
    open += step;
    most = Math.max(most, open);
  }
  return most;
}

export async function benchFleet(options: FleetBenchOptions, baseEnv: NodeJS.ProcessEnv): Promise<FleetBenchResult> {
  const workers = options.workersPerProcess ?? 6;
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    let firestoreHost = baseEnv.FIRESTORE_EMULATOR_HOST;
    if (!firestoreHost) {
      const emulator: RunningEmulator = await startFirestoreEmulator();
      cleanups.push(() => emulator.stop());
      firestoreHost = emulator.host;
    }
    const simulator = await startSimulatorChild({ timeScale: 1, enforceThrottle: true }, baseEnv);
    cleanups.push(() => simulator.stop());
    const control = new SimulatorControl(simulator.url);
    await control.seed(REALM_ID, DEMO_COMPANY);

    const secretsDir = mkdtempSync(join(tmpdir(), 'fleet-bench-'));
    cleanups.push(() => rmSync(secretsDir, { recursive: true, force: true }));
    const tenant = buildDemoTenant({ tenantId: 'fleet', qbo: { ...buildDemoTenant().qbo, realmId: REALM_ID } });
    const secrets = new LocalFileSecretStore(secretsDir);
    await secrets.write(secretNames.qboOAuthClient(), JSON.stringify({ clientId: 'bench', clientSecret: 'bench' }));
    await writeStoredTokens(
      secrets,
      tenant.tenantId,
      storedTokensFrom(await control.tokens(REALM_ID), REALM_ID, Date.now()),
    );

    const env: NodeJS.ProcessEnv = {
      ...baseEnv,
      STORE: 'firestore',
      FIRESTORE_EMULATOR_HOST: firestoreHost,
      // A project of its own: no seat left over from an earlier run.
      GOOGLE_CLOUD_PROJECT: `fleet-bench-${randomUUID().slice(0, 8)}`,
      SECRETS: 'local',
      SECRETS_DIR: secretsDir,
      QBO_BASE_URL: simulator.url,
      // The runtime builds a Pub/Sub client it never uses here; an emulator address keeps it from looking for
      // credentials.
      PUBSUB_EMULATOR_HOST: baseEnv.PUBSUB_EMULATOR_HOST ?? '127.0.0.1:9',
      METADATA_SERVER_DETECTION: 'none',
      LOG_LEVEL: 'warn',
    };
    const children = Array.from({ length: options.processes }, (_, instance) =>
      startFleetChild({ instance, tenant, workers }, env),
    );
    cleanups.push(() => {
      for (const { child } of children) if (child.exitCode === null) child.kill('SIGKILL');
    });
    await Promise.all(children.map(({ ready }) => ready));

    const startedAt = Date.now();
    const until = startedAt + options.seconds * 1000;
    for (const { child } of children) child.send({ op: 'go', until });
    // The first claims, their one-interval wait and the shares settling: left out of the rate.
    const warmUpS = Math.min(10, options.seconds / 6);
    await sleep(warmUpS * 1000);
    const atWarmUp = await control.stats();
    const measuredFrom = Date.now();
    await sleep(Math.max(0, until - Date.now()));
    const atEnd = await control.stats();
    const measuredS = (Date.now() - measuredFrom) / 1000;
    const results = await Promise.all(children.map(({ done }) => done));

    const requestsPerMin = ((atEnd.requests - atWarmUp.requests) / measuredS) * 60;
    const failures: Record<string, number> = {};
    for (const result of results)
      for (const [code, count] of Object.entries(result.failures)) failures[code] = (failures[code] ?? 0) + count;
    return {
      processes: options.processes,
      seconds: options.seconds,
      requests_per_min: round(requestsPerMin, 1),
      ratio_of_bound: round(requestsPerMin / QBO_LIMITS.perMinute, 3),
      throttled: atEnd.throttled,
      max_in_flight_seen: maxConcurrent(results.flatMap((result) => result.requests)),
      details: {
        measured_s: round(measuredS, 1),
        warm_up_s: round(warmUpS, 1),
        requests_total: atEnd.requests,
        calls_ok: results.reduce((sum, result) => sum + result.ok, 0),
        calls_failed: results.reduce((sum, result) => sum + result.failed, 0),
        failures,
        firestore: baseEnv.FIRESTORE_EMULATOR_HOST ? 'emulator (FIRESTORE_EMULATOR_HOST)' : 'emulator (started)',
      },
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
  }
}
