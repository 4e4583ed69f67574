import { Writable } from 'node:stream';
import { createLogger } from '../../../shared/observability/logger';
import type { Logger } from '../../../shared/observability/logger';
import { createQboClient } from '../../../shared/qbo/client/qbo-client';
import type { QboAccessTokenSource, QboClient, QboClientProps } from '../../../shared/qbo/client/qbo-client';
import type { RealmRateLimiter } from '../../../shared/qbo/client/rate-limiter';
import { startQboSimulator } from '../../../dev/qbo-simulator/server';
import type { QboSimulator, QboSimulatorOptions } from '../../../dev/qbo-simulator/server';

/** No client-side limit: for tests of how the client meets QBO's (the simulator's) throttling itself. */
export const UNLIMITED_FOR_CLIENT_TESTS: RealmRateLimiter = {
  acquire: async () => ({ release: () => undefined }),
  onThrottled: () => undefined,
};

/** Every log line written during a test, as text and parsed, so tests can assert on fields and on absence. */
export interface CapturedLogs {
  logger: Logger;
  lines: () => string[];
  text: () => string;
}

export function captureLogs(level = 'debug'): CapturedLogs {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ functionName: 'qbo-test', level, destination });
  return { logger, lines: () => lines, text: () => lines.join('\n') };
}

/** A token source over tokens the simulator issued directly; refreshing asks the simulator for a new pair. */
export function simulatorTokens(
  simulator: QboSimulator,
  realmId: string,
): QboAccessTokenSource & { refreshes: number } {
  let current = simulator.issueTokens(realmId).access_token;
  const source = {
    refreshes: 0,
    getAccessToken: () => Promise.resolve(current),
    refreshAfterUnauthorized: () => {
      source.refreshes += 1;
      current = simulator.issueTokens(realmId).access_token;
      return Promise.resolve(current);
    },
  };
  return source;
}

export interface Harness {
  simulator: QboSimulator;
  client: QboClient;
  tokens: ReturnType<typeof simulatorTokens>;
  logs: CapturedLogs;
  realmId: string;
}

let realmCounter = 0;

export async function startHarness(
  simulatorOptions: QboSimulatorOptions = {},
  clientOptions: Partial<QboClientProps> = {},
): Promise<Harness> {
  const logs = captureLogs();
  const simulator = await startQboSimulator({ timeScale: 0.01, logger: logs.logger, ...simulatorOptions });
  const realmId = `4620816365${String(++realmCounter).padStart(6, '0')}`;
  simulator.seedCompany(realmId);
  const tokens = simulatorTokens(simulator, realmId);
  const client = createQboClient({
    baseUrl: simulator.url,
    realmId,
    tokens,
    // These tests are about the client meeting the simulator's own throttling and faults head on.
    limiter: UNLIMITED_FOR_CLIENT_TESTS,
    logger: logs.logger,
    backoffBaseMs: 5,
    backoffMaxMs: 50,
    retryBudgetMs: 2_000,
    ...clientOptions,
  });
  return { simulator, client, tokens, logs, realmId };
}

/**
 * A sparse update straight to the simulator over HTTP (`?operation=update`, `sparse: true`), as any QBO client
 * would send it. The product's client has no update (no recipe updates a QBO object); tests that need one, to
 * deactivate a name or an item say, speak QBO's API directly.
 */
export async function sparseUpdate(
  h: Pick<Harness, 'simulator' | 'realmId' | 'tokens'>,
  entity: string,
  body: Record<string, unknown>,
  options: { requestId: string },
): Promise<Record<string, unknown>> {
  const token = await h.tokens.getAccessToken();
  const url = `${h.simulator.url}/v3/company/${h.realmId}/${entity.toLowerCase()}?operation=update&requestid=${encodeURIComponent(options.requestId)}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ ...body, sparse: true }),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200)
    throw new Error(`sparse update of ${entity} answered ${response.status}: ${JSON.stringify(answer)}`);
  return answer[entity] as Record<string, unknown>;
}
