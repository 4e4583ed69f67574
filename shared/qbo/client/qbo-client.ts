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
import { QBO_REQUEST_TIMEOUT_MS } from '../budget/realm-budget-rules';
import type { QboRequestKind, QboRequestPermit, RealmRateLimiter } from './rate-limiter';

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
  /**
   * The realm's limiter (DESIGN section 7), awaited before every attempt. Required: a client without one would
   * send past QBO's 10/s and 500/min per realm and throttle every other client of that company.
   */
  limiter: RealmRateLimiter;
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
  /** Not sent (nor re-sent) later than this from the call: the caller's lease would not outlive it. */
  sendWithinMs?: number;
}

/** The request never left: its sender's deadline (`sendWithinMs`) passed while it waited for the realm's budget. */
export function notSentError(operation: string): RetryableError {
  return new RetryableError(`${operation}: not sent, its deadline passed while it waited for QBO capacity`, {
    code: 'qbo_not_sent',
  });
}

/**
 * What the product asks of QBO: create, read, void or delete one object, and query. It never edits what it posted
 * (every QBO write of ours is its own ledger entry, DESIGN section 5). The write protocol's QboWriter port is this
 * shape, so a client is a QboWriter without a cast. Creates may travel in batches (batch-writer.ts over
 * QboBatchTransport); to its caller each is still one create.
 */
export interface QboClient {
  create(entity: QboEntityName, body: QboEntity, options: WriteOptions): Promise<QboSavedEntity>;
  read(entity: QboEntityName, id: string): Promise<QboSavedEntity>;
  voidTxn(
    entity: QboEntityName,
    ref: { Id: string; SyncToken: string },
    options: WriteOptions,
  ): Promise<QboSavedEntity>;
  /** Answers `{"domain","status":"Deleted","Id"}` (fixtures/qbo/invoice-delete-response.json). */
  delete(entity: QboEntityName, ref: { Id: string; SyncToken: string }, options: WriteOptions): Promise<QboEntity>;
  /** One page, as the query asks for it (STARTPOSITION/MAXRESULTS in the text; QBO caps a page at 1000). */
  query(sql: string): Promise<QboSavedEntity[]>;
}

/** One create inside a batch request. */
export interface BatchCreate {
  /** Unique within the batch, ≤ 10 characters: QBO makes each item's request id from the batch's and this. */
  bId: string;
  entity: QboEntityName;
  body: QboEntity;
}

/** One item's answer: what a single create would have returned, or the error it would have thrown. */
export type BatchCreateResult = { bId: string; saved: QboSavedEntity } | { bId: string; error: SyncError };

/** The raw batch call (POST /batch) a batching writer sends creates through. */
export interface QboBatchTransport {
  /**
   * ≤ 30 creates in one request, under the limiter as kind `batch`. A batch-level 429, 5xx or 401 is retried like a
   * single request's; a lost response (timeout, dropped connection) is never re-sent and throws the unknown-outcome
   * error a single create throws, for every item. `requestId` (≤ 36 characters) is the batch's: QBO derives each
   * item's request id from it and the item's bId.
   */
  createBatch(items: BatchCreate[], options: BatchWriteOptions): Promise<BatchCreateResult[]>;
  /**
   * Waits for the realm's leave to send one batch request. A batching writer takes its permit first and only then
   * chooses the batch's items, so the creates that queued while it waited (a batch permit comes every 1.5 s at 40 a
   * minute) travel in it.
   */
  batchPermit(): Promise<QboRequestPermit>;
}

export interface BatchWriteOptions extends WriteOptions {
  /** A permit from `batchPermit`, spent on the first attempt (later attempts acquire their own). */
  permit?: QboRequestPermit;
}

export const QBO_MINOR_VERSION = 75;
/** QBO's limit on operations in one batch request (and the simulator's: dev/qbo-simulator/v3-api.ts). */
export const QBO_MAX_BATCH_ITEMS = 30;
/** Intuit: a batch's requestid may have at most 36 characters, each bId at most 10 (developer blog, 2015-04-06). */
const MAX_BATCH_REQUEST_ID = 36;
const MAX_BID = 10;

interface Call {
  method: 'GET' | 'POST';
  path: string;
  params: Record<string, string>;
  body?: unknown;
  operation: string;
  /**
   * A create is not re-sent after a lost response (timeout, dropped connection): QBO's requestid replay is
   * unreliable, so a second POST can make a second object. The caller's write protocol probes for the first one.
   */
  unknownOutcomeIsFinal?: boolean;
  kind?: QboRequestKind;
  notAfter?: number;
  /** Already acquired for the first attempt (a batch whose items were chosen once it had its permit). */
  permit?: QboRequestPermit;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function escapeRequestId(requestId: string, max = 50): string {
  if (requestId.length === 0 || requestId.length > max)
    throw new PermanentError(`QBO requestid must be 1..${max} characters, got ${requestId.length}`, {
      code: 'qbo_request_id',
    });
  return requestId;
}

function rowsOf(queryResponse: unknown): QboSavedEntity[] {
  const record = (queryResponse ?? {}) as Record<string, unknown>;
  for (const value of Object.values(record)) if (Array.isArray(value)) return value as QboSavedEntity[];
  return [];
}

/** A batch item's Fault is what a single create of it would have got: classified by the same table. */
function batchItemResult(item: Record<string, unknown>, request: BatchCreate): BatchCreateResult {
  const { bId, entity } = request;
  const operation = `batch ${bId}: create ${entity}`;
  if (item.Fault !== undefined) {
    // The item's own status is not sent; a single create would have had 400 (a SystemFault type still reads as one).
    return { bId, error: classifyQboFault(parseQboFault(item), { status: 400, operation }) };
  }
  const saved = item[entity];
  if (typeof saved === 'object' && saved !== null) return { bId, saved: saved as QboSavedEntity };
  return {
    bId,
    // Answered, but not about this item: whether it was written is unknown, so the protocol's next attempt probes.
    error: new RetryableError(`${operation}: QBO's batch answer has no result for it`, {
      code: 'qbo_batch_item_missing',
    }),
  };
}

export function createQboClient(props: QboClientProps): QboClient & QboBatchTransport {
  // Types require it; this catches a caller that got around them (a cast, plain JavaScript).
  if (!props.limiter) throw new Error('a QBO client needs its realm limiter');
  const fetchImpl = props.fetch ?? fetch;
  const sleep = props.sleep ?? defaultSleep;
  const now = props.now ?? Date.now;
  const random = props.random ?? Math.random;
  const minorVersion = String(props.minorVersion ?? QBO_MINOR_VERSION);
  const retryBudgetMs = props.retryBudgetMs ?? 10_000;
  // The realm budget's own figure: it lets another instance take a lapsed seat only once a request this long is over.
  const timeoutMs = props.requestTimeoutMs ?? QBO_REQUEST_TIMEOUT_MS;
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
    let token = await props.tokens.getAccessToken().catch((error: unknown) => {
      call.permit?.release();
      throw error;
    });
    let refreshedAfter401 = false;
    for (let attempt = 0; ; attempt++) {
      const permit =
        attempt === 0 && call.permit ? call.permit : await props.limiter.acquire(props.realmId, call.kind ?? 'single');
      if (call.notAfter !== undefined && now() > call.notAfter) {
        permit.release();
        throw notSentError(call.operation);
      }
      const started = now();
      const { value, error } = await once(call, token).finally(() => permit.release());
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
      if (failure instanceof QboThrottleError) props.limiter.onThrottled(props.realmId, failure.retryAfterMs);
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
      unknownOutcomeIsFinal: operation === undefined,
      ...(options.sendWithinMs !== undefined ? { notAfter: now() + options.sendWithinMs } : {}),
    });
    return entityOf(envelope, entity);
  }

  async function createBatch(items: BatchCreate[], options: BatchWriteOptions): Promise<BatchCreateResult[]> {
    // A permit handed in is released whatever happens, as `send` releases its own.
    const unspent = options.permit;
    let requestId: string;
    try {
      if (items.length === 0 || items.length > QBO_MAX_BATCH_ITEMS)
        throw new PermanentError(`a QBO batch carries 1..${QBO_MAX_BATCH_ITEMS} operations, got ${items.length}`, {
          code: 'qbo_batch_size',
        });
      const bIds = new Set(items.map((item) => item.bId));
      if (bIds.size !== items.length || items.some((item) => item.bId.length === 0 || item.bId.length > MAX_BID))
        throw new PermanentError(`batch bIds must be unique and 1..${MAX_BID} characters`, { code: 'qbo_batch_bid' });
      requestId = escapeRequestId(options.requestId, MAX_BATCH_REQUEST_ID);
    } catch (error) {
      unspent?.release();
      throw error;
    }
    const envelope = await send({
      method: 'POST',
      path: 'batch',
      params: { requestid: requestId },
      body: {
        BatchItemRequest: items.map((item) => ({ bId: item.bId, operation: 'create', [item.entity]: item.body })),
      },
      operation: `batch of ${items.length} creates`,
      unknownOutcomeIsFinal: true,
      kind: 'batch',
      ...(options.sendWithinMs !== undefined ? { notAfter: now() + options.sendWithinMs } : {}),
      ...(unspent ? { permit: unspent } : {}),
    });
    const answers = new Map<string, Record<string, unknown>>();
    for (const raw of Array.isArray(envelope.BatchItemResponse) ? (envelope.BatchItemResponse as unknown[]) : []) {
      const answer = (raw ?? {}) as Record<string, unknown>;
      if (typeof answer.bId === 'string') answers.set(answer.bId, answer);
    }
    return items.map((item) => batchItemResult(answers.get(item.bId) ?? {}, item));
  }

  return {
    createBatch,
    batchPermit: () => props.limiter.acquire(props.realmId, 'batch'),
    create: (entity, body, options) => write(entity, body, options),
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
      });
      return entityOf(envelope, entity);
    },
    async query(sql) {
      const envelope = await send({ method: 'GET', path: 'query', params: { query: sql }, operation: 'query' });
      return rowsOf(envelope.QueryResponse);
    },
  };
}
