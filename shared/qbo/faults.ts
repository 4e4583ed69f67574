import { AuthError, PermanentError, RetryableError } from '../errors';
import type { SyncError } from '../errors';

/**
 * QBO reports failures in four shapes, all captured in ../shared/fixtures/qbo/:
 *   - `{"Fault":{"Error":[{"Message","Detail","code","element"}],"type":"ValidationFault"},"time"}` (most 4xx);
 *   - `{"fault":{"error":[{"message","detail","code"}],"type":"AUTHENTICATION"},…}` (401, lower-case keys);
 *   - `{"Fault":…,"bId"}` inside a batch response that is itself HTTP 200;
 *   - an `<IntuitResponse><Fault type="…"><Error code="…">` XML body (throttling and system faults), which QBO
 *     sends even when the request asked for JSON.
 * parseQboFault reads all of them into one shape; classifyQboFault maps that onto DESIGN section 7.
 */
export interface QboFaultDetail {
  code: string;
  message: string;
  /** QBO's detail text. May quote names or token fragments: keep it out of logs, put it in the review record only. */
  detail: string;
  element: string | undefined;
}

export interface QboFault {
  type: string;
  errors: QboFaultDetail[];
}

export interface QboFaultContext {
  status: number;
  /** `intuit_tid` response header: the id Intuit support asks for. */
  intuitTid?: string | undefined;
  /** Retry-After in milliseconds when the response carried one. */
  retryAfterMs?: number | undefined;
  /** What we were doing, for the message: `create Invoice`, `query`, `batch[3]`. */
  operation?: string | undefined;
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
}

function readErrors(list: unknown, upper: boolean): QboFaultDetail[] {
  if (!Array.isArray(list)) return [];
  return list.map((raw) => {
    const entry = (raw ?? {}) as Record<string, unknown>;
    const element = entry.element;
    return {
      code: asString(entry.code),
      message: asString(upper ? entry.Message : entry.message),
      detail: asString(upper ? entry.Detail : entry.detail),
      element: typeof element === 'string' && element !== '' ? element : undefined,
    };
  });
}

function decodeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

function parseXmlFault(body: string): QboFault | undefined {
  const fault = /<Fault\b[^>]*?type="([^"]*)"[^>]*>([\s\S]*?)<\/Fault>/.exec(body);
  if (!fault) return undefined;
  const errors: QboFaultDetail[] = [];
  for (const match of (fault[2] ?? '').matchAll(/<Error\b([^>]*)>([\s\S]*?)<\/Error>/g)) {
    const attributes = match[1] ?? '';
    const inner = match[2] ?? '';
    errors.push({
      code: /code="([^"]*)"/.exec(attributes)?.[1] ?? '',
      message: decodeXml(/<Message>([\s\S]*?)<\/Message>/.exec(inner)?.[1] ?? ''),
      detail: decodeXml(/<Detail>([\s\S]*?)<\/Detail>/.exec(inner)?.[1] ?? ''),
      element: /element="([^"]*)"/.exec(attributes)?.[1],
    });
  }
  return { type: fault[1] ?? '', errors };
}

/** Reads a fault from a parsed JSON body (either casing) or from an XML body. Undefined when there is none. */
export function parseQboFault(body: unknown): QboFault | undefined {
  if (typeof body === 'string') {
    const trimmed = body.trimStart();
    if (trimmed.startsWith('<')) return parseXmlFault(trimmed);
    try {
      return parseQboFault(JSON.parse(trimmed) as unknown);
    } catch {
      return undefined;
    }
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const record = body as Record<string, unknown>;
  const upper = record.Fault as Record<string, unknown> | undefined;
  if (upper && typeof upper === 'object') return { type: asString(upper.type), errors: readErrors(upper.Error, true) };
  const lower = record.fault as Record<string, unknown> | undefined;
  if (lower && typeof lower === 'object') return { type: asString(lower.type), errors: readErrors(lower.error, false) };
  return undefined;
}

/** What every QBO error carries besides its class: enough for the audit record, nothing secret. */
export interface QboErrorInfo {
  readonly statusCode: number;
  readonly fault: QboFault | undefined;
  readonly intuitTid: string | undefined;
}

type QboErrorOptions = {
  code: string;
  status: number;
  fault: QboFault | undefined;
  intuitTid: string | undefined;
  retryAfterMs?: number | undefined;
  cause?: unknown;
};

function safeDetail(fault: QboFault | undefined): string | undefined {
  // Codes and elements only: Detail text can quote a customer's name or part of a token.
  if (!fault || fault.errors.length === 0) return undefined;
  return fault.errors.map((e) => (e.element ? `${e.code}@${e.element}` : e.code)).join(',');
}

/** Any QBO failure that trying again can fix. */
export class QboRetryableError extends RetryableError implements QboErrorInfo {
  readonly statusCode: number;
  readonly fault: QboFault | undefined;
  readonly intuitTid: string | undefined;
  constructor(message: string, o: QboErrorOptions) {
    const base = { code: o.code, cause: o.cause, detail: safeDetail(o.fault) };
    super(message, o.retryAfterMs === undefined ? base : { ...base, retryAfterMs: o.retryAfterMs });
    this.statusCode = o.status;
    this.fault = o.fault;
    this.intuitTid = o.intuitTid;
  }
}

/** 429 / 3001 ThrottleExceeded. The limiter slows down when it sees one. */
export class QboThrottleError extends QboRetryableError {}

/** 5xx, SystemFault 10000: the same request may succeed later. */
export class QboServerError extends QboRetryableError {}

/**
 * 5010 Stale Object Error: someone else updated the object. Retrying the same body cannot succeed; re-read to get
 * the current SyncToken, re-apply, then retry. `code` is `qbo_5010` so the caller can tell it from a plain retry.
 */
export class QboStaleObjectError extends QboRetryableError {}

/** A ValidationFault: the payload is wrong and a person must look (review queue). */
export class QboValidationError extends PermanentError implements QboErrorInfo {
  readonly statusCode: number;
  readonly fault: QboFault | undefined;
  readonly intuitTid: string | undefined;
  constructor(message: string, o: QboErrorOptions) {
    super(message, { code: o.code, cause: o.cause, detail: safeDetail(o.fault) });
    this.statusCode = o.status;
    this.fault = o.fault;
    this.intuitTid = o.intuitTid;
  }
}

/**
 * 6240 Duplicate Name / 6140 Duplicate Document Number. Usually an earlier attempt of ours already created the
 * object (QBO's requestid does not reliably prevent duplicates): the caller should look it up by name/DocNumber
 * and link it. A caller that does not recognise `qbo_6240`/`qbo_6140` treats it as rejected.
 */
export class QboDuplicateError extends QboValidationError {
  readonly lookUp = true as const;
}

/** 401 after one refresh, or an OAuth `invalid_grant`: the tenant must reconnect (needs_reauth). */
export class QboAuthError extends AuthError implements QboErrorInfo {
  readonly statusCode: number;
  readonly fault: QboFault | undefined;
  readonly intuitTid: string | undefined;
  constructor(message: string, o: QboErrorOptions) {
    super(message, { code: o.code, cause: o.cause, detail: safeDetail(o.fault) });
    this.statusCode = o.status;
    this.fault = o.fault;
    this.intuitTid = o.intuitTid;
  }
}

export type QboError = QboRetryableError | QboValidationError | QboAuthError;

/** Codes that mean "the same request may work later" even though QBO sent them as a 400 ValidationFault. */
const RETRYABLE_CODES = new Set(['3001', '10000', '3003']);
/**
 * 3100 ApplicationAuthorizationFailed (HTTP 403): the app is no longer authorised for the company (disconnected, or
 * the user lost the rights). Retrying cannot fix it; the tenant must reconnect, like a 401 after refresh.
 */
const AUTHORIZATION_CODES = new Set(['3100']);
const DUPLICATE_CODES = new Set(['6240', '6140']);

/**
 * The one table that sorts QBO failures (DESIGN section 7). Status decides first where it is unambiguous
 * (401, 429, 5xx), then the fault code, then the fault type.
 */
export function classifyQboFault(fault: QboFault | undefined, context: QboFaultContext): SyncError & QboErrorInfo {
  const first = fault?.errors[0];
  const code = first?.code ?? '';
  const what = context.operation ? `${context.operation}: ` : '';
  const message = `${what}QBO ${context.status}${code ? ` ${code}` : ''}${first?.message ? ` ${first.message}` : ''}`;
  const options = {
    status: context.status,
    fault,
    intuitTid: context.intuitTid,
    retryAfterMs: context.retryAfterMs,
  };

  if (context.status === 401 || fault?.type.toUpperCase() === 'AUTHENTICATION')
    return new QboAuthError(message, { ...options, code: 'qbo_401' });
  if (context.status === 429 || code === '3001' || /ThrottleExceeded/.test(first?.message ?? ''))
    return new QboThrottleError(message, { ...options, code: 'qbo_3001' });
  if (AUTHORIZATION_CODES.has(code)) return new QboAuthError(message, { ...options, code: `qbo_${code}` });
  if (code === '5010') return new QboStaleObjectError(message, { ...options, code: 'qbo_5010' });
  if (DUPLICATE_CODES.has(code)) return new QboDuplicateError(message, { ...options, code: `qbo_${code}` });
  if (context.status >= 500 || RETRYABLE_CODES.has(code) || fault?.type === 'SystemFault')
    return new QboServerError(message, { ...options, code: code ? `qbo_${code}` : `qbo_${context.status}` });
  if (context.status === 403) return new QboAuthError(message, { ...options, code: 'qbo_403' });
  // 6000 is a business-rule rejection ("transaction must be balanced") unless QBO said otherwise; 2500, 610,
  // 2010, 2020, 4001 and every other ValidationFault: the payload must change before it can succeed.
  return new QboValidationError(message, { ...options, code: code ? `qbo_${code}` : `qbo_${context.status}` });
}

/** Seconds or an HTTP date, as RFC 9110 allows; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
