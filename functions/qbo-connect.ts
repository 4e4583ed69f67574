import type { Server } from 'node:http';
import { deployedFunctions } from '../shared/runtime/compose';

/**
 * The QBO OAuth callback for production connects (`GET /callback`): Intuit requires an https redirect URI, which
 * the CLI's localhost server cannot be. `stripe-qbo connect-qbo` opens the flow and waits; this service completes
 * it (shared/qbo/auth/connect-flow.ts). Deployed as the Cloud Run service `qbo-connect` from the same image as the
 * webhook (infra/public-services.tf), on the same bounded server. Wiring only.
 */
export async function startQboConnect(
  env: NodeJS.ProcessEnv = process.env,
  port = Number(env.PORT ?? 8080),
): Promise<{ server: Server; close(): Promise<void> }> {
  const { server, runtime } = await deployedFunctions.qboConnect(env);
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

if (require.main === module) {
  startQboConnect().then(
    (running) => {
      process.once('SIGTERM', () => void running.close().finally(() => process.exit(0)));
    },
    (error: unknown) => {
      console.error(
        JSON.stringify({ severity: 'CRITICAL', message: `qbo-connect start-up failed: ${(error as Error).message}` }),
      );
      process.exit(1);
    },
  );
}
