import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { UserFacingError } from '../../shared/cli/io';

/** A locally started Google Cloud emulator (Pub/Sub or Firestore), stopped with its whole process group. */
export interface RunningEmulator {
  host: string;
  stop(): Promise<void>;
}

export class EmulatorMissingError extends UserFacingError {
  constructor(which: string, detail: string) {
    super(
      `The ${which} emulator is not installed or failed to start (${detail}). Install the Google Cloud CLI with the ` +
        `"${which === 'Pub/Sub' ? 'pubsub-emulator' : 'cloud-firestore-emulator'}" component ` +
        `(Debian: apt-get install google-cloud-cli-${which === 'Pub/Sub' ? 'pubsub-emulator' : 'firestore-emulator'}) ` +
        `and a Java runtime, or set ${which === 'Pub/Sub' ? 'PUBSUB_EMULATOR_HOST' : 'FIRESTORE_EMULATOR_HOST'} to a running one.`,
    );
    this.name = 'EmulatorMissingError';
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function gcloudAvailable(): boolean {
  try {
    execFileSync('gcloud', ['--version'], { stdio: 'ignore', timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function waitUntilReachable(url: string, child: ChildProcess, deadlineMs: number, output: () => string) {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${output().slice(-500)}`);
    try {
      const response = await fetch(url);
      if (response.status < 500) return;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`not reachable at ${url} after ${deadlineMs} ms: ${output().slice(-500)}`);
}

async function startEmulator(
  which: 'Pub/Sub' | 'Firestore',
  args: (port: number) => string[],
): Promise<RunningEmulator> {
  if (!gcloudAvailable()) throw new EmulatorMissingError(which, 'gcloud not found on PATH');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const child = spawn('gcloud', args(port), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  const stop = async () => {
    if (child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilReachable(`http://${host}/`, child, 60_000, () => output);
  } catch (error) {
    await stop();
    throw new EmulatorMissingError(which, (error as Error).message);
  }
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  return { host, stop };
}

export function startPubSubEmulator(): Promise<RunningEmulator> {
  return startEmulator('Pub/Sub', (port) => [
    'beta',
    'emulators',
    'pubsub',
    'start',
    `--host-port=127.0.0.1:${port}`,
    '--quiet',
  ]);
}

export function startFirestoreEmulator(): Promise<RunningEmulator> {
  return startEmulator('Firestore', (port) => [
    'emulators',
    'firestore',
    'start',
    `--host-port=127.0.0.1:${port}`,
    '--quiet',
  ]);
}
