import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { createLogger } from '../../shared/observability/logger';
import { DEMO_REALM_ID, startQboSimulator } from './server';
import type { RequestIdMode } from './server';

/**
 * Runs the simulator in its own process (the chaos run kills the process under test, not its QBO):
 *   node dist/dev/qbo-simulator/main.js [--port N] [--host H] [--time-scale X] [--no-throttle] [--realm ID]...
 *     [--requestid-mode never|replay|cache-failures]
 * Prints one JSON line `{"url":"http://127.0.0.1:N","realms":[…]}` once listening, then serves until SIGTERM/SIGINT.
 * Each `--realm` is seeded with the demo company (default: DEMO_REALM_ID). Drive it over /__sim/… (server.ts).
 */
export async function runSimulatorMain(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      'time-scale': { type: 'string', default: '1' },
      'no-throttle': { type: 'boolean', default: false },
      realm: { type: 'string', multiple: true },
      'log-level': { type: 'string', default: 'warn' },
      'requestid-mode': { type: 'string', default: 'never' },
    },
  });
  const simulator = await startQboSimulator({
    port: Number(values.port),
    host: values.host,
    timeScale: Number(values['time-scale']),
    enforceThrottle: !values['no-throttle'],
    requestIdMode: values['requestid-mode'] as RequestIdMode,
    logger: createLogger({ functionName: 'qbo-simulator', level: values['log-level'] }),
  });
  const realms = values.realm && values.realm.length > 0 ? values.realm : [DEMO_REALM_ID];
  for (const realmId of realms) simulator.seedCompany(realmId);
  process.stdout.write(`${JSON.stringify({ url: simulator.url, realms })}\n`);
  const stop = () => {
    void simulator.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export interface SimulatorProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Starts main.ts in a child Node process and resolves with its URL. `entry` is this file compiled
 * (dist/dev/qbo-simulator/main.js) or, under ts-node/swc registers, the .ts path with matching execArgv.
 */
export function startQboSimulatorProcess(
  entry: string,
  args: string[] = [],
  execArgv: string[] = [],
): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, [...execArgv, entry, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    child.once('exit', (code) => reject(new Error(`QBO simulator exited with ${String(code)} before listening`)));
    lines.once('line', (line) => {
      const { url } = JSON.parse(line) as { url: string };
      resolve({
        url,
        child,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}

if (require.main === module) {
  runSimulatorMain(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`qbo simulator failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
}
