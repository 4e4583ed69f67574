import type { Server } from 'node:http';
import type { Runtime } from './runtime';

export interface RunningPublicService {
  server: Server;
  close(): Promise<void>;
}

/** Builds one of the public Cloud Run services (its bounded server and runtime) and listens on `port`. */
export async function listenPublicService(
  build: () => Promise<{ server: Server; runtime: Pick<Runtime, 'close'> }>,
  port: number,
): Promise<RunningPublicService> {
  const { server, runtime } = await build();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, resolve);
  });
  return {
    server,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await runtime.close();
    },
  };
}

/**
 * The process entry of a public service: start it, and on Cloud Run's SIGTERM (it then waits 10 s) finish what is in
 * flight and exit; a start-up failure is one CRITICAL line and exit code 1.
 */
export function runPublicService(name: string, start: () => Promise<RunningPublicService>): void {
  start().then(
    (running) => {
      process.once('SIGTERM', () => void running.close().finally(() => process.exit(0)));
    },
    (error: unknown) => {
      console.error(
        JSON.stringify({ severity: 'CRITICAL', message: `${name} start-up failed: ${(error as Error).message}` }),
      );
      process.exit(1);
    },
  );
}
