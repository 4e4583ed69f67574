import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PubSub } from '@google-cloud/pubsub';
import type { Validators } from '../../schemas/validators';
import type { MessagePublisher } from '../messaging/publisher';
import type { SecretStore } from '../secrets/secret-store';
import type { Stores } from '../stores/ports';
import { buildRuntime } from '../runtime/runtime';
import type { Logger } from '../observability/logger';

/** What operator commands act on: the same stores and topics the functions use. */
export interface OpsContext {
  stores: Stores;
  publisher: MessagePublisher;
  pubsub: PubSub;
  secrets: SecretStore;
  validators: Validators;
  topicPrefix: string;
  logger: Logger;
  now: () => Date;
  env: NodeJS.ProcessEnv;
}

export type OpsCommand = (
  argv: string[],
  context: OpsContext,
  out: { stdout: (s: string) => void; stderr: (s: string) => void },
) => Promise<number>;

export interface StackFile {
  ops?: string;
  pid?: number;
  pubsubEmulator?: string;
}

export async function readStackFile(cwd: string): Promise<StackFile | undefined> {
  try {
    return JSON.parse(await readFile(join(cwd, '.local', 'stack.json'), 'utf8')) as StackFile;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The embedded DuckDB file has one writer: the running local stack. While it runs, operator commands are sent to
 * its ops endpoint; otherwise (no stack, or STORE=firestore in production) the command opens the stores itself.
 */
export async function runOps(
  name: string,
  command: OpsCommand,
  argv: string[],
  io: { stdout: (s: string) => void; stderr: (s: string) => void; env: NodeJS.ProcessEnv; cwd: string },
): Promise<number> {
  const store = io.env.STORE ?? 'duckdb';
  const stack = store === 'duckdb' ? await readStackFile(io.cwd) : undefined;
  if (stack?.ops && processAlive(stack.pid)) {
    const response = await fetch(stack.ops, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ command: name, argv }),
    });
    const result = (await response.json()) as { exitCode: number; stdout: string; stderr: string };
    if (result.stdout) io.stdout(result.stdout);
    if (result.stderr) io.stderr(result.stderr);
    return result.exitCode;
  }
  const env = { ...io.env };
  // A stopped local stack's emulator may still run: its topics are where the dead letters are. The runtime builds
  // its Pub/Sub client from this env (config), so nothing here needs to reach the process's own environment.
  if (!env.PUBSUB_EMULATOR_HOST && stack?.pubsubEmulator && store === 'duckdb')
    env.PUBSUB_EMULATOR_HOST = stack.pubsubEmulator;
  if (env.PUBSUB_EMULATOR_HOST) env.GOOGLE_CLOUD_PROJECT ??= 'stripe-qbo-local';
  env.DUCKDB_PATH ??= join(io.cwd, '.local', 'stripe-qbo.duckdb');
  env.SECRETS_DIR ??= join(io.cwd, '.local', 'secrets');
  env.LOG_LEVEL ??= 'warn';
  const runtime = await buildRuntime(`cli-${name}`, env);
  try {
    return await command(argv, { ...runtime, topicPrefix: runtime.config.topicPrefix, env }, io);
  } finally {
    await runtime.close();
  }
}
