import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../shared/observability/logger';
import { simEntityName } from './entities';
import { SimCompany } from './company';
import type { SeedCompany } from './company';
import { DEMO_COMPANY, DEMO_REALM_ID } from './demo-company';
import { authFault, authorizationFault, invalidGrant, json, systemFault, throttleFault } from './fault-bodies';
import type { HttpReply } from './fault-bodies';
import { SimOAuth } from './oauth-state';
import type { IssuedTokens } from './oauth-state';
import { clone } from './sim-fault';
import { SimThrottle } from './throttle';
import { batchItemEntity, handleV3, type RequestIdMode } from './v3-api';

/**
 * A QuickBooks Online stand-in that tests, the local stack, the demo and the benchmarks talk to over real HTTP.
 *
 * Besides the v3 API (v3-api.ts) and Intuit's OAuth endpoints, it serves a control API for tests that run it in
 * another process (the chaos run kills the process that uses it):
 *   POST   /__sim/seed      {"realmId","company"?}              seed a company (default DEMO_COMPANY) → 204
 *   POST   /__sim/tokens    {"realmId"}                         issue a token pair for the realm → 200 tokens
 *   POST   /__sim/faults    {"kind","count"?,"probability"?,"entity"?,"realmId"?}                     → 204
 *   DELETE /__sim/faults                                        clear injected faults → 204
 *   GET    /__sim/entities?realmId=R&entity=Invoice             → 200 [objects]
 *   GET    /__sim/stats                                         → 200 {"requests","writes","throttled","faultsInjected"}
 *   POST   /__sim/settings  {"requestIdMode"}                   replay | never | cache-failures → 204
 * OAuth (the paths Intuit uses, so intuit-oauth needs only a different host):
 *   GET  /connect/oauth2?redirect_uri&state[&realmId]   approves at once: 302 to redirect_uri?code&state&realmId
 *   POST /oauth2/v1/tokens/bearer   grant_type=authorization_code|refresh_token (form or JSON body)
 *   POST /v2/oauth2/tokens/revoke   {"token"}
 */
export interface QboSimulatorOptions {
  port?: number;
  host?: string;
  /** 1 = QBO's real throttle windows; 0.01 = a hundred times faster (a "minute" lasts 600 ms). */
  timeScale?: number;
  enforceThrottle?: boolean;
  accessTokenTtlMs?: number;
  /** How long a refresh token keeps working after a newer one was issued from it (Intuit: 24 h). */
  refreshTokenGraceMs?: number;
  logger?: Logger;
  /** Injected clock for token expiry and timestamps. */
  now?: () => number;
  /** What a repeated `requestid` gets (RequestIdMode); `never` unless said otherwise. */
  requestIdMode?: RequestIdMode;
  /** Service time added to every admitted API request, so the concurrency limit can bite in tests (default 0). */
  latencyMs?: number;
}

/** What a repeated `requestid` gets: see v3-api.ts. */
export type { RequestIdMode } from './v3-api';
const REQUEST_ID_MODES: ReadonlySet<string> = new Set(['replay', 'never', 'cache-failures']);

/**
 * `auth_expired`: the request's access token runs out now (a refresh fixes it). `auth_revoked`: the grant behind the
 * request's token is revoked, as when someone disconnects the app on QBO's side: that request and every later one
 * made with a token of the grant get 401, and refreshing answers `invalid_grant` until the tenant reconnects.
 */
export type FaultKind = 'throttle' | '5xx' | 'timeout_after_commit' | 'auth_expired' | 'auth_revoked';

export interface InjectedFault {
  kind: FaultKind;
  count?: number;
  probability?: number;
  entity?: string;
  realmId?: string;
}

export interface QboSimulatorStats {
  requests: number;
  writes: number;
  throttled: number;
  faultsInjected: number;
  /** Batch requests answered (each also counts once in `requests`). */
  batches: number;
  /**
   * Requests by what they were (`batch`, `query Customer`, `write Invoice`, `read Payment`…): where a realm's
   * 500 a minute went, which the bench reports.
   */
  requestsByKind: Record<string, number>;
}

export interface QboSimulator {
  url: string;
  close(): Promise<void>;
  seedCompany(realmId: string, company?: SeedCompany): void;
  issueTokens(realmId: string): IssuedTokens;
  injectFault(fault: InjectedFault): void;
  clearFaults(): void;
  entities(realmId: string, entity: string): Array<Record<string, unknown>>;
  stats(): QboSimulatorStats;
  setRequestIdMode(mode: RequestIdMode): void;
}

export type { SeedCompany } from './company';
export type { IssuedTokens } from './oauth-state';
export { DEMO_COMPANY, DEMO_REALM_ID, DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from './demo-company';

const FAULT_KINDS: ReadonlySet<string> = new Set([
  'throttle',
  '5xx',
  'timeout_after_commit',
  'auth_expired',
  'auth_revoked',
]);

interface ArmedFault extends InjectedFault {
  remaining: number;
}

/** The entities a batch's items write, for matching injected faults; none for anything else or a broken body. */
function batchEntities(segment: string | undefined, body: string): string[] {
  if (segment !== 'batch') return [];
  try {
    const items = (JSON.parse(body) as { BatchItemRequest?: unknown }).BatchItemRequest;
    if (!Array.isArray(items)) return [];
    return items.flatMap((item) => {
      const entity =
        typeof item === 'object' && item !== null ? batchItemEntity(item as Record<string, unknown>) : undefined;
      return entity ? [entity] : [];
    });
  } catch {
    return [];
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, reply: HttpReply): void {
  response.writeHead(reply.status, {
    'content-type': reply.contentType,
    intuit_tid: `sim-${Math.random().toString(16).slice(2, 14)}`,
    ...reply.headers,
  });
  response.end(reply.body);
}

function formOrJson(body: string): Record<string, string> {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
  }
  return Object.fromEntries(new URLSearchParams(trimmed));
}

function faultFromJson(body: Record<string, unknown>): InjectedFault {
  const fault: InjectedFault = { kind: String(body.kind) as FaultKind };
  if (typeof body.count === 'number') fault.count = body.count;
  if (typeof body.probability === 'number') fault.probability = body.probability;
  if (typeof body.entity === 'string') fault.entity = body.entity;
  if (typeof body.realmId === 'string') fault.realmId = body.realmId;
  return fault;
}

export async function startQboSimulator(options: QboSimulatorOptions = {}): Promise<QboSimulator> {
  const now = options.now ?? Date.now;
  const logger = options.logger;
  const enforceThrottle = options.enforceThrottle ?? true;
  let requestIdMode: RequestIdMode = options.requestIdMode ?? 'never';
  const latencyMs = options.latencyMs ?? 0;
  const companies = new Map<string, SimCompany>();
  const oauth = new SimOAuth(options.accessTokenTtlMs ?? 3_600_000, options.refreshTokenGraceMs ?? 86_400_000, now);
  const throttle = new SimThrottle(options.timeScale ?? 1, now);
  let armed: ArmedFault[] = [];
  const stats: QboSimulatorStats = {
    requests: 0,
    writes: 0,
    throttled: 0,
    faultsInjected: 0,
    batches: 0,
    requestsByKind: {},
  };

  const seedCompany = (realmId: string, company: SeedCompany = DEMO_COMPANY): void => {
    companies.set(realmId, new SimCompany(realmId, clone(company), now));
  };

  const injectFault = (fault: InjectedFault): void => {
    if (!FAULT_KINDS.has(fault.kind)) throw new Error(`unknown fault kind ${String(fault.kind)}`);
    const remaining = fault.count ?? (fault.probability === undefined ? 1 : Number.POSITIVE_INFINITY);
    armed.push({ ...fault, remaining });
  };

  /**
   * The first armed fault that applies, consumed. `entity` matches the URL entity (`Invoice`), a query's FROM entity,
   * or `batch`; a batch also matches the entity of any of its items, so a fault aimed at invoices meets them however
   * they are sent.
   */
  const takeFault = (realmId: string, entities: string[], isWrite: boolean): FaultKind | undefined => {
    const names = new Set(entities.map((entity) => entity.toLowerCase()));
    for (const fault of armed) {
      if (fault.realmId !== undefined && fault.realmId !== realmId) continue;
      if (fault.entity !== undefined && !names.has(fault.entity.toLowerCase())) continue;
      if (fault.kind === 'timeout_after_commit' && !isWrite) continue;
      if (fault.probability !== undefined && Math.random() >= fault.probability) continue;
      fault.remaining -= 1;
      if (fault.remaining <= 0) armed = armed.filter((f) => f !== fault);
      stats.faultsInjected += 1;
      return fault.kind;
    }
    return undefined;
  };

  async function handleCompanyApi(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const [, , , realmId = '', ...segments] = url.pathname.split('/');
    const body = await readBody(request);
    stats.requests += 1;
    // Faults are matched on the entity a request is about; for a query that is its FROM clause.
    const fromEntity = /\bfrom\s+(\w+)/i.exec(url.searchParams.get('query') ?? body)?.[1];
    const entity = segments[0] === 'query' ? (fromEntity ?? 'query') : (segments[0] ?? '');
    const isWrite = request.method === 'POST' && segments[0] !== 'query';
    const token = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    const reference = `ref${stats.requests}`;
    const kind =
      segments[0] === 'batch'
        ? 'batch'
        : segments[0] === 'query'
          ? `query ${fromEntity ?? ''}`
          : `${isWrite ? (url.searchParams.get('operation') ?? 'write') : 'read'} ${simEntityName(entity) ?? entity}`;
    stats.requestsByKind[kind] = (stats.requestsByKind[kind] ?? 0) + 1;

    const fault = takeFault(realmId, [simEntityName(entity) ?? entity, ...batchEntities(segments[0], body)], isWrite);
    if (fault === 'auth_expired') oauth.expireAccessToken(token);
    if (fault === 'auth_revoked') oauth.revoke(token);
    const grant = oauth.realmOf(token);
    if (!grant) return send(response, authFault(now(), reference));
    if (grant.realmId !== realmId) return send(response, authorizationFault());
    if (fault === 'throttle') {
      stats.throttled += 1;
      return send(response, throttleFault(now()));
    }
    if (fault === '5xx') return send(response, systemFault(now()));
    const company = companies.get(realmId);
    if (!company) return send(response, authFault(now(), reference));
    if (enforceThrottle) {
      if (!throttle.admit(realmId, segments[0] === 'batch')) {
        stats.throttled += 1;
        return send(response, throttleFault(now()));
      }
      // In flight until answered or dropped: QBO's limit is on concurrent requests.
      let released = false;
      const release = () => {
        if (!released) throttle.done(realmId);
        released = true;
      };
      response.once('finish', release);
      response.once('close', release);
    }
    if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));

    // A batch's requestid is applied per item inside it (v3-api.ts), never to the batch as a whole.
    const isBatch = segments[0] === 'batch';
    const requestId = isWrite && !isBatch && requestIdMode !== 'never' ? url.searchParams.get('requestid') : null;
    const remembered = requestId ? company.replayFor(requestId) : undefined;
    let reply: HttpReply;
    if (remembered) {
      reply = remembered;
    } else {
      const outcome = handleV3(
        company,
        { method: request.method ?? 'GET', segments, params: url.searchParams, body },
        now(),
        { requestIdMode, batchRequestId: isBatch ? url.searchParams.get('requestid') : null },
      );
      reply = outcome.reply;
      if (outcome.wrote) stats.writes += outcome.writes ?? 1;
      if (isBatch) stats.batches += 1;
      if (requestId && (outcome.reply.status === 200 || requestIdMode === 'cache-failures'))
        company.remember(requestId, outcome.reply);
    }
    if (fault === 'timeout_after_commit') {
      // The write is kept and the response never arrives: the client sees a dropped connection.
      request.socket.destroy();
      return;
    }
    send(response, reply);
  }

  async function handleOAuth(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/connect/oauth2') {
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      const realmId = url.searchParams.get('realmId') ?? companies.keys().next().value ?? DEMO_REALM_ID;
      if (!companies.has(realmId)) seedCompany(realmId);
      const target = new URL(redirectUri);
      target.searchParams.set('code', oauth.createCode(realmId, redirectUri));
      target.searchParams.set('state', url.searchParams.get('state') ?? '');
      target.searchParams.set('realmId', realmId);
      response.writeHead(302, { location: target.toString() });
      response.end();
      return;
    }
    const body = formOrJson(await readBody(request));
    if (!/^Basic \S+/.test(request.headers.authorization ?? ''))
      return send(response, json(401, { error: 'invalid_client' }));
    if (url.pathname === '/v2/oauth2/tokens/revoke') {
      oauth.revoke(body.token ?? '');
      response.writeHead(200);
      response.end();
      return;
    }
    const issued =
      body.grant_type === 'refresh_token'
        ? oauth.refreshGrant(body.refresh_token ?? '')
        : body.grant_type === 'authorization_code'
          ? oauth.codeGrant(body.code ?? '', body.redirect_uri)
          : undefined;
    send(response, issued ? json(200, issued) : invalidGrant());
  }

  async function handleAdmin(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const route = `${request.method ?? ''} ${url.pathname}`;
    const body =
      request.method === 'POST' ? (JSON.parse((await readBody(request)) || '{}') as Record<string, unknown>) : {};
    if (route === 'POST /__sim/seed') {
      seedCompany(String(body.realmId), body.company as SeedCompany | undefined);
    } else if (route === 'POST /__sim/tokens') {
      return send(response, json(200, simulator.issueTokens(String(body.realmId))));
    } else if (route === 'POST /__sim/faults') {
      if (!FAULT_KINDS.has(String(body.kind))) return send(response, json(400, { error: 'unknown fault kind' }));
      injectFault(faultFromJson(body));
    } else if (route === 'DELETE /__sim/faults') {
      armed = [];
    } else if (route === 'GET /__sim/entities') {
      const entities = simulator.entities(url.searchParams.get('realmId') ?? '', url.searchParams.get('entity') ?? '');
      return send(response, json(200, entities));
    } else if (route === 'POST /__sim/settings') {
      if (body.requestIdMode !== undefined) {
        if (!REQUEST_ID_MODES.has(String(body.requestIdMode)))
          return send(response, json(400, { error: 'unknown requestIdMode' }));
        requestIdMode = body.requestIdMode as RequestIdMode;
      }
    } else if (route === 'GET /__sim/stats') {
      return send(response, json(200, { ...stats, requestsByKind: { ...stats.requestsByKind } }));
    } else {
      return send(response, json(404, { error: 'no such control route' }));
    }
    response.writeHead(204);
    response.end();
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const started = now();
    const route = url.pathname.startsWith('/v3/company/')
      ? handleCompanyApi
      : url.pathname.startsWith('/__sim/')
        ? handleAdmin
        : handleOAuth;
    route(request, response, url)
      .catch((error: unknown) => {
        // A simulator bug must look like a QBO outage to the client, not hang it.
        logger?.error({ err: error, path: url.pathname }, 'qbo simulator request failed');
        if (!response.headersSent) send(response, systemFault(now()));
      })
      .finally(() => {
        // Path only: the query string can carry a query with a customer's name in it.
        logger?.debug(
          { method: request.method, path: url.pathname, status: response.statusCode, ms: now() - started },
          'qbo simulator request',
        );
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;

  const simulator: QboSimulator = {
    url: `http://${options.host ?? '127.0.0.1'}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
    seedCompany,
    issueTokens: (realmId) => {
      if (!companies.has(realmId)) seedCompany(realmId);
      return oauth.issue(realmId);
    },
    injectFault,
    clearFaults: () => {
      armed = [];
    },
    entities: (realmId, entity) => {
      const company = companies.get(realmId);
      const name = simEntityName(entity);
      return company && name ? clone(company.list(name)) : [];
    },
    stats: () => ({ ...stats, requestsByKind: { ...stats.requestsByKind } }),
    setRequestIdMode: (mode) => {
      if (!REQUEST_ID_MODES.has(mode)) throw new Error(`unknown requestIdMode ${String(mode)}`);
      requestIdMode = mode;
    },
  };
  return simulator;
}
