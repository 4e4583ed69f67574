import { deployedFunctions } from '../shared/runtime/compose';
import { listenPublicService, runPublicService, type RunningPublicService } from '../shared/runtime/public-service';

/**
 * The QBO OAuth callback for production connects (`GET /callback`): Intuit requires an https redirect URI, which
 * the CLI's localhost server cannot be. `stripe-qbo connect-qbo` opens the flow and waits; this service completes
 * it (shared/qbo/auth/connect-flow.ts). Deployed as the Cloud Run service `qbo-connect` from the same image as the
 * webhook (infra/public-services.tf), on the same bounded server. Wiring only.
 */
export function startQboConnect(
  env: NodeJS.ProcessEnv = process.env,
  port = Number(env.PORT ?? 8080),
): Promise<RunningPublicService> {
  return listenPublicService(() => deployedFunctions.qboConnect(env), port);
}

if (require.main === module) runPublicService('qbo-connect', () => startQboConnect());
