import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { extname, join } from 'node:path';
import type { SeedCompany } from '../dev/qbo-simulator/company';
import type { InjectedFault, IssuedTokens, QboSimulatorStats } from '../dev/qbo-simulator/server';
import { signStripeEvent } from '../shared/ingest/stripe-signature';
import { secretNames } from '../shared/secrets/secret-store';
import type { IngestProcessConfig } from './ingest-process';
import type { StackProcessConfig, StackProcessReady, StackReply, StackRequest } from './stack-process';

export { checkQbo, CHECKED_QBO_ENTITIES, type QboCheck } from '../dev/scenario/check-qbo';

/** Shared by `bench/run.ts` and `bench/chaos.ts`: child processes, the simulator's control API, delivery, checks. */

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function machine() {
  return { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', node: process.version };
}

export function argValue(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(name);
  return index >= 0 ? argv[index + 1] : undefined;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** `.js` when built; `.ts` when the tests run the sources (a `--require` hook in NODE_OPTIONS compiles them). */
const ownExtension = extname(__filename);

/** A child started with fork(): resolves with the first JSON line it prints, rejects when it dies first. */
function forkJson<T>(script: string, config: unknown, env: NodeJS.ProcessEnv, timeoutMs: number) {
  const child = fork(script, [JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8000);
  });
  // A post-mortem copy of everything the child prints (its pino logs go to stdout).
  const logFile = env.STRIPE_QBO_BENCH_LOG;
  if (logFile) {
    const append = (chunk: Buffer) => appendFileSync(logFile, chunk);
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
  }
  const ready = new Promise<T>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} not ready after ${timeoutMs} ms: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString();
      // The child's own log lines are JSON too: the ready line is the one that says so.
      const line = buffered.split('\n').find((candidate) => /^\{"ready":true/.test(candidate.trim()));
      if (!line) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stdout?.resume();
      resolve(JSON.parse(line) as T);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before it was ready: ${stderr.slice(-2000)}`));
    });
  });
  return { child, ready, stderr: () => stderr };
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

export interface StackChild {
  ready: StackProcessReady & { webhookSecret: string };
  child: ChildProcess;
  request<T>(request: WithoutId<StackRequest>, timeoutMs?: number): Promise<T>;
  all<T = Record<string, unknown>>(sql: string): Promise<T[]>;
  maxRssMb(): Promise<number>;
  /** SIGKILL: no cleanup, no flush, exactly like a crashed instance. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  stderr(): string;
}

/** Request/reply over a forked child's IPC channel: each request carries an id its reply echoes. */
function ipcRequester(child: ChildProcess, name: string) {
  let nextId = 0;
  const pending = new Map<number, (reply: StackReply) => void>();
  child.on('message', (reply: StackReply) => pending.get(reply.id)?.(reply));
  return <T>(body: WithoutId<StackRequest>, timeoutMs = 60_000) =>
    new Promise<T>((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name} request ${body.op} timed out`));
      }, timeoutMs);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        pending.delete(id);
        if (reply.ok) resolve(reply.value as T);
        else reject(new Error(reply.error ?? `${name} request failed`));
      });
      child.send({ ...body, id } as StackRequest);
    });
}

export async function startStackChild(config: StackProcessConfig, env: NodeJS.ProcessEnv): Promise<StackChild> {
  const started = forkJson<StackProcessReady>(join(__dirname, `stack-process${ownExtension}`), config, env, 180_000);
  // The webhook secret from the secrets directory the driver handed the child, not from its stdout (a log stream).
  const secretFile = join(config.secretsDir, secretNames.stripeWebhookSecret('demo'));
  const ready = { ...(await started.ready), webhookSecret: (await readFile(secretFile, 'utf8')).trim() };
  const { child } = started;
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const request = ipcRequester(child, 'stack');
  return {
    ready,
    child,
    request,
    all: <T>(sql: string) => request<T[]>({ op: 'all', sql }),
    maxRssMb: async () => (await request<{ maxRssMb: number }>({ op: 'rss' })).maxRssMb,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      await request({ op: 'stop' }, 30_000).catch(() => child.kill('SIGKILL'));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
    stderr: started.stderr,
  };
}

export interface IngestChild {
  url: string;
  maxRssMb(): Promise<number>;
  stop(): Promise<void>;
}

/** One ingest handler (ours or the floor) in its own process: see ingest-process.ts. */
export async function startIngestChild(config: IngestProcessConfig, env: NodeJS.ProcessEnv): Promise<IngestChild> {
  const started = forkJson<{ ready: true; url: string }>(
    join(__dirname, `ingest-process${ownExtension}`),
    config,
    env,
    60_000,
  );
  const { url } = await started.ready;
  const { child } = started;
  const request = ipcRequester(child, 'ingest');
  return {
    url,
    maxRssMb: async () => (await request<{ maxRssMb: number }>({ op: 'rss' }, 10_000)).maxRssMb,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export interface SimulatorChild {
  url: string;
  stop(): Promise<void>;
}

export async function startSimulatorChild(
  options: { timeScale: number; enforceThrottle: boolean },
  env: NodeJS.ProcessEnv,
): Promise<SimulatorChild> {
  const started = forkJson<{ ready: true; url: string }>(
    join(__dirname, `simulator-process${ownExtension}`),
    options,
    env,
    60_000,
  );
  const { url } = await started.ready;
  return {
    url,
    stop: async () => {
      if (started.child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => started.child.once('exit', () => resolve()));
      started.child.kill('SIGTERM');
      const timer = setTimeout(() => started.child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The simulator's control API (`/__sim/...`, see dev/qbo-simulator/server.ts). */
export class SimulatorControl {
  constructor(readonly url: string) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response;
  }

  async seed(realmId: string, company: SeedCompany): Promise<void> {
    await this.call('POST', '/__sim/seed', { realmId, company });
  }
  async tokens(realmId: string): Promise<IssuedTokens> {
    return (await (await this.call('POST', '/__sim/tokens', { realmId })).json()) as IssuedTokens;
  }
  async fault(fault: InjectedFault): Promise<void> {
    await this.call('POST', '/__sim/faults', fault);
  }
  async clearFaults(): Promise<void> {
    await this.call('DELETE', '/__sim/faults');
  }
  async entities(realmId: string, entity: string): Promise<Array<Record<string, unknown>>> {
    const query = new URLSearchParams({ realmId, entity });
    return (await (await this.call('GET', `/__sim/entities?${query}`)).json()) as Array<Record<string, unknown>>;
  }
  async stats(): Promise<QboSimulatorStats> {
    return (await (await this.call('GET', '/__sim/stats')).json()) as QboSimulatorStats;
  }
}

/** POSTs one event as Stripe would (raw bytes, a fresh v1 signature); never throws, status 0 = no answer. */
export async function deliver(
  webhookUrl: string,
  secret: string,
  event: object,
): Promise<{ status: number; ms: number }> {
  const signed = signStripeEvent(event, secret);
  const started = performance.now();
  try {
    const response = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': signed.signature },
      body: signed.body,
      signal: AbortSignal.timeout(30_000),
    });
    await response.arrayBuffer();
    return { status: response.status, ms: performance.now() - started };
  } catch {
    return { status: 0, ms: performance.now() - started };
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight, stopping early once `deadline` (epoch ms) passes. */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T, index: number) => Promise<void>,
  deadline = Number.POSITIVE_INFINITY,
): Promise<number> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length && Date.now() < deadline) {
      const index = next++;
      await work(items[index]!, index);
      done += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return done;
}
