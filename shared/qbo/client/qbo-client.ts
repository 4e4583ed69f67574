import { PermanentError, RetryableError } from '../../errors';
import type { SyncError } from '../../errors';
import type { Logger } from '../../observability/logger';
import { VOID_BY_SPARSE_UPDATE } from '../entities';
import type { QboEntity, QboEntityName, QboSavedEntity } from '../entities';
import {
  QboAuthError,
  QboStaleObjectError,
  QboThrottleError,
  classifyQboFault,
  parseQboFault,
  parseRetryAfter,
} from '../faults';
import type { QboErrorInfo } from '../faults';
import type { RealmRateLimiter } from './rate-limiter';

/** Where the client gets bearer tokens; the token provider (auth/) implements it over the secret store. */
export interface QboAccessTokenSource {
  getAccessToken(): Promise<string>;
  /** Called once after a 401 with the token QBO rejected; returns a token to retry with (or throws AuthError). */
  refreshAfterUnauthorized(rejected: string): Promise<string>;
}

export interface QboClientProps {
  baseUrl: string;
  realmId: string;
  tokens: QboAccessTokenSource;
  limiter?: RealmRateLimiter;
  logger: Logger;
  minorVersion?: number;
  /** Total time one call may spend retrying (throttling, 5xx, network) before it throws the last error. */
  retryBudgetMs?: number;
  requestTimeoutMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export interface WriteOptions {
  /** QBO's idempotency key: ≤ 50 characters, unique per company; deterministic per operation (DESIGN section 5). */
  requestId: string;
}

export type QboBatchItem =
  | { bId: string; operation: 'create' | 'update' | 'delete' | 'void'; entity: QboEntityName; body: QboEntity }
  | { bId: string; query: string };

export type QboBatchResult =
  | { bId: string; ok: true; entity?: QboSavedEntity; rows?: QboSavedEntity[] }
  | { bId: string; ok: false; error: SyncError & QboErrorInfo };

export interface QboClient {
  readonly realmId: string;
  create(entity: QboEntityName, body: QboEntity, options: WriteOptions): Promise<QboSavedEntity>;
  read(entity: QboEntityName, id: string): Promise<QboSavedEntity>;
  /** Full update: fields left out are cleared. Prefer sparseUpdate. */
  update(entity: QboEntityName, body: QboEntity, options: WriteOptions): Promise<QboSavedEntity>;
  sparseUpdate(entity: QboEntityName, body: QboEntity, options: WriteOptions): Promise<QboSavedEntity>;
  voidTxn(
    entity: QboEntityName,
    ref: { Id: string; SyncToken: string },
    options: WriteOptions,
  ): Promise<QboSavedEntity>;
  /** Answers `{"domain","status":"Deleted","Id"}` (fixtures/qbo/invoice-delete-response.json). */
  delete(entity: QboEntityName, ref: { Id: string; SyncToken: string }, options: WriteOptions): Promise<QboEntity>;
  query(sql: string): Promise<QboSavedEntity[]>;
  count(sql: string): Promise<number>;
  /** Every row, paging with STARTPOSITION/MAXRESULTS; `sql` must not carry either. */
  queryAll(sql: string, pageSize?: number): Promise<QboSavedEntity[]>;
  batch(items: QboBatchItem[], options?: Partial<WriteOptions>): Promise<QboBatchResult[]>;
}

export const QBO_MINOR_VERSION = 75;
export const MAX_BATCH_ITEMS = 30;
const MAX_PAGE = 1000;

interface Call {
  method: 'GET' | 'POST';
  path: string;
  params: Record<string, string>;
  body?: unknown;
  operation: string;
  kind: 'request' | 'batch';
  /**
   * A create is not re-sent after a lost response (timeout, dropped connection): QBO's requestid replay is
   * unreliable, so a second POST can make a second object. The caller's write protocol probes for the first one.
   */
  unknownOutcomeIsFinal?: boolean;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function escapeRequestId(requestId: string): string {
  if (requestId.length === 0 || requestId.length > 50)
    throw new PermanentError(`QBO requestid must be 1..50 characters, got ${requestId.length}`, {
      code: 'qbo_request_id',
    });
  return requestId;
}

function rowsOf(queryResponse: unknown): QboSavedEntity[] {
  const record = (queryResponse ?? {}) as Record<string, unknown>;
  for (const value of Object.values(record)) if (Array.isArray(value)) return value as QboSavedEntity[];
  return [];
}

export function createQboClient(props: QboClientProps): QboClient {
  const fetchImpl = props.fetch ?? fetch;
  const sleep = props.sleep ?? defaultSleep;
  const now = props.now ?? Date.now;
  const random = props.random ?? Math.random;
  const minorVersion = String(props.minorVersion ?? QBO_MINOR_VERSION);
  const retryBudgetMs = props.retryBudgetMs ?? 10_000;
  const timeoutMs = props.requestTimeoutMs ?? 30_000;
  const backoffBase = props.backoffBaseMs ?? 250;
  const backoffMax = props.backoffMaxMs ?? 5_000;
  const root = `${props.baseUrl.replace(/\/+$/, '')}/v3/company/${encodeURIComponent(props.realmId)}`;
  const log = props.logger.child({ realmId: props.realmId });

  async function once(call: Call, token: string): Promise<{ value?: Record<string, unknown>; error?: SyncError }> {
    const url = new URL(`${root}/${call.path}`);
    for (const [key, value] of Object.entries({ ...call.params, minorversion: minorVersion }))
      url.searchParams.set(key, value);
    let response: Response;
    try {
      response = await fetchImpl(url, {
        method: call.method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      // No response: the write may or may not have landed. The retry carries the same requestid.
      const timedOut = cause instanceof Error && cause.name === 'TimeoutError';
      return {
        error: new RetryableError(`${call.operation}: QBO ${timedOut ? 'timed out' : 'unreachable'}`, {
          code: timedOut ? 'qbo_timeout' : 'qbo_network',
          cause,
        }),
      };
    }
    const text = await response.text().catch(() => '');
    const context = {
      status: response.status,
      intuitTid: response.headers.get('intuit_tid') ?? undefined,
      retryAfterMs: parseRetryAfter(response.headers.get('retry-after'), now()),
      operation: call.operation,
    };
    if (response.status === 200) {
      try {
        const value = JSON.parse(text) as Record<string, unknown>;
        // QBO has been seen to answer 200 with a Fault envelope; treat it as the fault it is.
        const fault = value.Fault === undefined ? undefined : parseQboFault(value);
        return fault ? { error: classifyQboFault(fault, context) } : { value };
      } catch (cause) {
        return {
          error: new RetryableError(`${call.operation}: QBO sent unreadable JSON`, { code: 'qbo_bad_body', cause }),
        };
      }
    }
    return { error: classifyQboFault(parseQboFault(text), context) };
  }

  async function send(call: Call): Promise<Record<string, unknown>> {
    const deadline = now() + retryBudgetMs;
    let token = await props.tokens.getAccessToken();
    let refreshedAfter401 = false;
    for (let attempt = 0; ; attempt++) {
      await props.limiter?.acquire(props.realmId, call.kind);
      const started = now();
      const { value, error } = await once(call, token);
      if (value) {
        log.debug({ op: call.operation, attempt, ms: now() - started }, 'qbo request ok');
        return value;
      }
      const failure = error as SyncError;
      const info = failure as Partial<QboErrorInfo>;
      if (failure instanceof QboAuthError && info.statusCode === 401 && !refreshedAfter401) {
        // A 401 usually means another instance rotated the token: re-read/refresh once, then give up.
        refreshedAfter401 = true;
        token = await props.tokens.refreshAfterUnauthorized(token);
        continue;
      }
      if (failure instanceof QboThrottleError) props.limiter?.onThrottled(props.realmId, failure.retryAfterMs);
      // 5010 needs a re-read with the current SyncToken: retrying the same body cannot succeed.
      const unknownOutcome = failure.code === 'qbo_timeout' || failure.code === 'qbo_network';
      const retry =
        failure instanceof RetryableError &&
        !(failure instanceof QboStaleObjectError) &&
        !(unknownOutcome && call.unknownOutcomeIsFinal === true);
      const exponential = Math.min(backoffMax, backoffBase * 2 ** attempt);
      const delay =
        failure instanceof RetryableError && failure.retryAfterMs !== undefined
          ? failure.retryAfterMs
          : Math.round(exponential / 2 + random() * (exponential / 2));
      const fields = { op: call.operation, status: info.statusCode, code: failure.code, attempt, tid: info.intuitTid };
      if (!retry || now() + delay > deadline) {
        log.warn(fields, 'qbo request failed');
        throw failure;
      }
      log.info({ ...fields, delayMs: delay }, 'qbo request retried');
      await sleep(delay);
    }
  }

  function entityOf(envelope: Record<string, unknown>, entity: QboEntityName): QboSavedEntity {
    const found = envelope[entity];
    if (typeof found !== 'object' || found === null)
      throw new RetryableError(`QBO answered without a ${entity}`, { code: 'qbo_bad_body' });
    return found as QboSavedEntity;
  }

  async function write(
    entity: QboEntityName,
    body: QboEntity,
    options: WriteOptions,
    operation?: 'update' | 'delete' | 'void',
    include?: 'void',
  ): Promise<QboSavedEntity> {
    const params: Record<string, string> = { requestid: escapeRequestId(options.requestId) };
    if (operation) params.operation = operation;
    if (include) params.include = include;
    const envelope = await send({
      method: 'POST',
      path: entity.toLowerCase(),
      params,
      body,
      operation: `${include ?? operation ?? 'create'} ${entity}`,
      kind: 'request',
      unknownOutcomeIsFinal: operation === undefined,
    });
    return entityOf(envelope, entity);
  }

  async function queryEnvelope(sql: string): Promise<Record<string, unknown>> {
    const envelope = await send({
      method: 'GET',
      path: 'query',
      params: { query: sql },
      operation: 'query',
      kind: 'request',
    });
    return (envelope.QueryResponse ?? {}) as Record<string, unknown>;
  }

  return {
    realmId: props.realmId,
    create: (entity, body, options) => write(entity, body, options),
    update: (entity, body, options) => write(entity, body, options, 'update'),
    sparseUpdate: (entity, body, options) => write(entity, { ...body, sparse: true }, options, 'update'),
    voidTxn: (entity, ref, options) =>
      VOID_BY_SPARSE_UPDATE.has(entity)
        ? write(entity, { Id: ref.Id, SyncToken: ref.SyncToken, sparse: true }, options, 'update', 'void')
        : write(entity, { Id: ref.Id, SyncToken: ref.SyncToken }, options, 'void'),
    delete: (entity, ref, options) => write(entity, { Id: ref.Id, SyncToken: ref.SyncToken }, options, 'delete'),
    async read(entity, id) {
      const envelope = await send({
        method: 'GET',
        path: `${entity.toLowerCase()}/${encodeURIComponent(id)}`,
        params: {},
        operation: `read ${entity}`,
        kind: 'request',
      });
      return entityOf(envelope, entity);
    },
    async query(sql) {
      return rowsOf(await queryEnvelope(sql));
    },
    async count(sql) {
      return Number((await queryEnvelope(sql)).totalCount ?? 0);
    },
    async queryAll(sql, pageSize = MAX_PAGE) {
      const size = Math.min(MAX_PAGE, Math.max(1, pageSize));
      const all: QboSavedEntity[] = [];
      for (let start = 1; ; start += size) {
        const page = rowsOf(await queryEnvelope(`${sql} STARTPOSITION ${start} MAXRESULTS ${size}`));
        all.push(...page);
        if (page.length < size) return all;
      }
    },
    async batch(items, options = {}) {
      if (items.length === 0) return [];
      if (items.length > MAX_BATCH_ITEMS)
        throw new PermanentError(`QBO batch takes at most ${MAX_BATCH_ITEMS} items, got ${items.length}`, {
          code: 'qbo_batch_size',
        });
      const request = items.map((item) =>
        'query' in item
          ? { bId: item.bId, Query: item.query }
          : { bId: item.bId, operation: item.operation, [item.entity]: item.body },
      );
      const params: Record<string, string> = {};
      if (options.requestId) params.requestid = escapeRequestId(options.requestId);
      const envelope = await send({
        method: 'POST',
        path: 'batch',
        params,
        body: { BatchItemRequest: request },
        operation: 'batch',
        kind: 'batch',
      });
      const responses = (envelope.BatchItemResponse ?? []) as Array<Record<string, unknown>>;
      const byId = new Map(responses.map((r) => [String(r.bId), r]));
      return items.map((item, index): QboBatchResult => {
        const response = byId.get(item.bId);
        if (!response)
          return {
            bId: item.bId,
            ok: false,
            error: classifyQboFault(undefined, { status: 500, operation: `batch[${index}] missing` }),
          };
        const fault = parseQboFault(response);
        if (fault)
          return {
            bId: item.bId,
            ok: false,
            error: classifyQboFault(fault, { status: 200, operation: `batch[${index}]` }),
          };
        if ('query' in item) return { bId: item.bId, ok: true, rows: rowsOf(response.QueryResponse) };
        return { bId: item.bId, ok: true, entity: entityOf(response, item.entity) };
      });
    },
  };
}
