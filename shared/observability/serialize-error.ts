import { SyncError } from '../errors';

/**
 * What a log line says about an error: its class and codes, never its free text. Messages and upstream bodies
 * quote whatever the failing call was about (QBO's `Detail` echoes the customer's name, an intuit-oauth error
 * carries the request's token, a Stripe message can hold an email), so they stay out; the codes are what an
 * on-call engineer searches and alerts on. The stack's frames are kept (code locations, no data), its first line
 * (the message) is not.
 */
export interface SerializedError {
  type: string;
  code?: string | number;
  failureClass?: string;
  retryable?: boolean;
  /** A SyncError's detail, which its contract keeps to ids and codes (shared/errors.ts). */
  detail?: string;
  statusCode?: number;
  intuitTid?: string;
  retryAfterMs?: number;
  frames?: string[];
  cause?: SerializedError;
}

const MAX_FRAMES = 12;
const MAX_CAUSE_DEPTH = 3;

function read(value: object, key: string): unknown {
  return (value as Record<string, unknown>)[key];
}

function typeName(error: object): string {
  if (error instanceof Error) return error.constructor?.name || error.name || 'Error';
  return 'NonError';
}

export function serializeError(error: unknown, depth = 0): SerializedError {
  if (typeof error !== 'object' || error === null) return { type: typeof error };
  const out: SerializedError = { type: typeName(error) };
  const code = read(error, 'code');
  if (typeof code === 'string' || typeof code === 'number')
    out.code = typeof code === 'string' ? code.slice(0, 100) : code;
  if (error instanceof SyncError) {
    out.failureClass = error.failureClass;
    out.retryable = error.retryable;
    if (error.detail !== undefined) out.detail = error.detail.slice(0, 500);
  }
  const status = read(error, 'statusCode') ?? read(error, 'status');
  if (typeof status === 'number') out.statusCode = status;
  const tid = read(error, 'intuitTid');
  if (typeof tid === 'string') out.intuitTid = tid.slice(0, 100);
  const retryAfter = read(error, 'retryAfterMs');
  if (typeof retryAfter === 'number') out.retryAfterMs = retryAfter;
  const stack = read(error, 'stack');
  if (typeof stack === 'string') {
    const frames = stack
      .split('\n')
      .filter((line) => /^\s+at\s/.test(line))
      .slice(0, MAX_FRAMES)
      .map((line) => line.trim());
    if (frames.length > 0) out.frames = frames;
  }
  const cause = read(error, 'cause');
  if (cause !== undefined && depth < MAX_CAUSE_DEPTH) out.cause = serializeError(cause, depth + 1);
  return out;
}
