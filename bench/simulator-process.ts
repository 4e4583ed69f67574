import { startQboSimulator } from '../dev/qbo-simulator/server';

/**
 * The QBO simulator in its own process, so its state (the company, the tokens, the injected faults) survives the
 * chaos run killing the stack. Options are the JSON in argv[2]; prints `{"ready":true,"url":…}` on stdout once listening.
 */
async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as { timeScale?: number; enforceThrottle?: boolean };
  const simulator = await startQboSimulator({
    port: 0,
    host: '127.0.0.1',
    timeScale: options.timeScale ?? 1,
    enforceThrottle: options.enforceThrottle ?? true,
  });
  process.stdout.write(`${JSON.stringify({ ready: true, url: simulator.url, pid: process.pid })}\n`);
  const close = () => void simulator.close().finally(() => process.exit(0));
  process.on('SIGTERM', close);
  process.on('disconnect', close);
}

main().catch((error: unknown) => {
  process.stderr.write(`simulator process failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
