import { simEntityName } from './entities';
import { VOID_BY_SPARSE_UPDATE } from '../../shared/qbo/entities';
import type { SimEntityName } from './entities';
import type { SimCompany } from './company';
import { faults, json, qboTime, validationFault, validationFaultObject } from './fault-bodies';
import type { HttpReply } from './fault-bodies';
import { parseQuery, queryResponseBody, runQuery } from './query';
import { runReport } from './reports';
import { SimFault, asRecord } from './sim-fault';

/**
 * The v3 company endpoints, given an authenticated, admitted request:
 *   GET  /v3/company/{realm}/{entity}/{id}                          read
 *   POST /v3/company/{realm}/{entity}                               create, or full/sparse update when Id is sent
 *   POST /v3/company/{realm}/{entity}?operation=update|delete|void  (Payment: ?operation=update&include=void)
 *   GET  /v3/company/{realm}/query?query=…  (or POST, body = the query as application/text)
 *   POST /v3/company/{realm}/batch                                  BatchItemRequest, ≤ 30 items
 *   GET  /v3/company/{realm}/reports/GeneralLedger|TrialBalance     reports.ts
 * Envelopes as in fixtures/qbo: `{"Invoice":{…},"time"}`, `{"QueryResponse":{…},"time"}`,
 * `{"BatchItemResponse":[…],"time"}`.
 */
export const MAX_BATCH_ITEMS = 30;

/**
 * What QBO does with a write whose `requestid` it has seen before. Intuit documents a replay of the first
 * response, but integrators report duplicates despite it, and replays of a cached failure for a corrected retry.
 * - `never` (the default): every request is executed, as if QBO had no dedupe; only our own protocol prevents
 *   duplicates, which is what the tests must prove.
 * - `replay`: the documented behaviour, a success is answered again; a failure is not remembered.
 * - `cache-failures`: the reported behaviour, the first answer is replayed whatever it was, failures included.
 */
export type RequestIdMode = 'replay' | 'never' | 'cache-failures';

/**
 * QBO's own column for a write's request id is 50 characters. A batch's `requestid` is combined with each item's
 * bId into that item's request id (Intuit, "Using RequestId", developer blog 2015-04-06: at most 36 characters for a
 * batch's requestid and 10 for each bId; intuit/QuickBooks-V3-Java-SDK #180: a 32-character batch requestid with
 * 36-character bIds faults every item with 6000 "You cannot enter more than 50 characters in the request_id field
 * … which is 68 characters").
 */
const MAX_REQUEST_ID = 50;

export interface V3Options {
  requestIdMode: RequestIdMode;
  /** The batch's `requestid` query parameter; single writes' are handled by the server around handleV3. */
  batchRequestId: string | null;
}

export interface V3Request {
  method: string;
  /** Path segments after /v3/company/{realm}/. */
  segments: string[];
  params: URLSearchParams;
  body: string;
}

export interface V3Outcome {
  reply: HttpReply;
  /** True when the request changed the company (counts as a write; may be lost by timeout_after_commit). */
  wrote: boolean;
  /** Objects written: 1 for a single write, one per item that wrote for a batch. */
  writes?: number;
}

type Operation = 'create' | 'update' | 'delete' | 'void';

function entityFrom(segment: string | undefined): SimEntityName {
  const entity = segment === undefined ? undefined : simEntityName(segment);
  if (!entity) throw new SimFault(faults.unsupportedOperation(`on ${segment ?? 'nothing'}`));
  return entity;
}

function parseBody(body: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as Record<string, unknown>;
  } catch {
    throw new SimFault(faults.unsupportedProperty('request body is not a JSON object'));
  }
}

function mutate(
  company: SimCompany,
  entity: SimEntityName,
  operation: Operation,
  body: Record<string, unknown>,
): Record<string, unknown> {
  switch (operation) {
    case 'create':
      return company.create(entity, body);
    case 'update':
      return company.update(entity, body);
    case 'delete':
      return company.delete(entity, body);
    case 'void':
      return company.void(entity, body);
  }
}

function operationOf(
  entity: SimEntityName,
  raw: string | null,
  body: Record<string, unknown>,
  include: string | null = null,
): Operation {
  if (raw === null || raw === '') return body.Id === undefined ? 'create' : 'update';
  const op = raw.toLowerCase();
  const bySparseUpdate = (VOID_BY_SPARSE_UPDATE as ReadonlySet<string>).has(entity);
  const sparseVoid = op === 'update' && include?.toLowerCase() === 'void';
  if (op === 'void' && bySparseUpdate) throw new SimFault(faults.unsupportedOperation('Void'));
  if (sparseVoid) {
    if (!bySparseUpdate) throw new SimFault(faults.unsupportedOperation('Void'));
    return 'void';
  }
  if (op === 'create' || op === 'update' || op === 'delete' || op === 'void') return op;
  throw new SimFault(faults.unsupportedOperation(raw));
}

function runQueryText(company: SimCompany, text: string): Record<string, unknown> {
  const parsed = parseQuery(text);
  return queryResponseBody(runQuery(parsed, company.list(parsed.entity)));
}

function requestIdTooLong(requestId: string): SimFault {
  return new SimFault({
    Message: 'A business validation error has occurred while processing your request',
    Detail: `Business Validation Error: You cannot enter more than ${MAX_REQUEST_ID} characters in the request_id field. You tried entering ${requestId.slice(0, 10)}..., which is ${requestId.length} characters.`,
    code: '6000',
  });
}

/** The entity of a batch item's payload (`{"bId","operation","Invoice":{…}}`), undefined for a query item. */
export function batchItemEntity(item: Record<string, unknown>): SimEntityName | undefined {
  const key = Object.keys(item).find((k) => k !== 'bId' && k !== 'operation' && simEntityName(k) !== undefined);
  return key === undefined ? undefined : simEntityName(key);
}

/**
 * POST /batch: items run in order, each on its own (a failed item does not stop or undo the others), faults inside
 * the HTTP 200 (fixtures/qbo/batch-response.json). With a batch `requestid`, each write item's request id is the
 * batch's followed by its bId, remembered and replayed per item as `options.requestIdMode` says.
 */
function batch(company: SimCompany, body: Record<string, unknown>, now: number, options: V3Options): V3Outcome {
  const items = body.BatchItemRequest;
  if (!Array.isArray(items) || items.length === 0) throw new SimFault(faults.requiredParam('BatchItemRequest'));
  if (items.length > MAX_BATCH_ITEMS)
    throw new SimFault({
      Message: 'Request has invalid or unsupported property',
      Detail: `Batch size exceeded: a batch request may carry at most ${MAX_BATCH_ITEMS} items, got ${items.length}`,
      code: '2010',
    });
  let writes = 0;
  const responses = items.map((raw) => {
    const item = asRecord(raw);
    const bId = item.bId;
    const itemRequestId =
      options.batchRequestId !== null && typeof item.Query !== 'string'
        ? `${options.batchRequestId}${String(bId ?? '')}`
        : undefined;
    const remembered =
      itemRequestId !== undefined && options.requestIdMode !== 'never' ? company.replayFor(itemRequestId) : undefined;
    if (remembered) return { ...(JSON.parse(remembered.body) as Record<string, unknown>), bId };
    let response: Record<string, unknown>;
    try {
      if (typeof item.Query === 'string') return { QueryResponse: runQueryText(company, item.Query), bId };
      if (itemRequestId !== undefined && itemRequestId.length > MAX_REQUEST_ID) throw requestIdTooLong(itemRequestId);
      const key = Object.keys(item).find((k) => k !== 'bId' && k !== 'operation' && simEntityName(k) !== undefined);
      const entity = entityFrom(key);
      const payload = asRecord(item[key as string]);
      const operation = operationOf(entity, typeof item.operation === 'string' ? item.operation : null, payload);
      response = { [entity]: mutate(company, entity, operation, payload) };
      writes += 1;
    } catch (error) {
      // Per-item faults travel inside an HTTP 200, exactly as fixtures/qbo/batch-response.json shows.
      if (!(error instanceof SimFault)) throw error;
      response = { Fault: validationFaultObject(error.fault) };
    }
    if (itemRequestId !== undefined && (response.Fault === undefined || options.requestIdMode === 'cache-failures'))
      company.remember(itemRequestId, json(200, response));
    return { ...response, bId };
  });
  return { reply: json(200, { BatchItemResponse: responses, time: qboTime(now) }), wrote: writes > 0, writes };
}

export function handleV3(
  company: SimCompany,
  request: V3Request,
  now: number,
  options: V3Options = { requestIdMode: 'never', batchRequestId: null },
): V3Outcome {
  try {
    const [first, second] = request.segments;
    if (first === 'query') {
      const text = request.method === 'GET' ? (request.params.get('query') ?? '') : request.body;
      return { reply: json(200, { QueryResponse: runQueryText(company, text), time: qboTime(now) }), wrote: false };
    }
    if (first === 'batch' && request.method === 'POST') return batch(company, parseBody(request.body), now, options);
    if (first === 'reports' && request.method === 'GET' && second !== undefined && request.segments.length === 2)
      return { reply: json(200, runReport(company, { name: second, params: request.params, now })), wrote: false };
    if (request.segments.length > 2)
      // qbo_api spec/vcr/error/500.yml: a path QBO has no resource for is a 400 "Unsupported Operation" (code 500).
      throw new SimFault(
        faults.unsupportedOperation(`Could not find resource for relative : ${request.segments.join('/')}`),
      );
    const entity = entityFrom(first);
    // The company's settings objects are singletons: GET /preferences, GET /companyinfo/{realmId}.
    if (request.method === 'GET' && (entity === 'Preferences' || entity === 'CompanyInfo')) {
      const [only] = company.list(entity);
      if (!only) throw new SimFault(faults.objectNotFound());
      return { reply: json(200, { [entity]: only, time: qboTime(now) }), wrote: false };
    }
    if (request.method === 'GET' && second !== undefined) {
      return { reply: json(200, { [entity]: company.read(entity, second), time: qboTime(now) }), wrote: false };
    }
    if (request.method !== 'POST' || second !== undefined)
      throw new SimFault(faults.unsupportedOperation(`${request.method} ${entity}`));
    const body = parseBody(request.body);
    const operation = operationOf(entity, request.params.get('operation'), body, request.params.get('include'));
    const result = mutate(company, entity, operation, body);
    return { reply: json(200, { [entity]: result, time: qboTime(now) }), wrote: true };
  } catch (error) {
    if (error instanceof SimFault) return { reply: validationFault(error.fault, now, error.status), wrote: false };
    throw error;
  }
}
