/**
 * The failure classes of DESIGN section 7, and the one classifier that maps any error (ours, Stripe's, QBO's,
 * GCP's, the network's) onto them. Consumers act on the class alone:
 *   retryable → throw (Pub/Sub redelivers with backoff, dead-letters after 10 attempts)
 *   auth      → mark the tenant needs_reauth, audit failed/auth, ack
 *   settings  → park with what is missing, ack
 *   rejected  → park in the review queue with the proposed payload and the upstream message, ack
 *   ignored   → audit skipped/<reason>, ack
 */
export type FailureClass = 'retryable' | 'auth' | 'settings' | 'rejected' | 'ignored';

export interface SyncErrorOptions {
  /** Machine-readable reason, e.g. `qbo_6240`, `settings_incomplete`, `invalid_message`. */
  code?: string | undefined;
  /** Safe, id-only detail for the audit log and review queue (never names, emails or tokens). */
  detail?: string | undefined;
  cause?: unknown;
}

export abstract class SyncError extends Error {
  abstract readonly failureClass: FailureClass;
  readonly code: string;
  readonly detail: string | undefined;

  constructor(message: string, options: SyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'error';
    this.detail = options.detail;
  }

  get retryable(): boolean {
    return this.failureClass === 'retryable';
  }
}

/** Trying again later can help: network, throttling, 5xx, a lease held by another attempt. */
export class RetryableError extends SyncError {
  readonly failureClass = 'retryable' as const;
  readonly retryAfterMs: number | undefined;
  constructor(message: string, options: SyncErrorOptions & { retryAfterMs?: number | undefined } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** Trying again cannot help until a person changes something: bad input, a QBO validation fault. */
export class PermanentError extends SyncError {
  readonly failureClass: FailureClass = 'rejected';
}

/** A mapping the tenant settings lack (an account, an item). Parked with the missing keys named. */
export class SettingsIncompleteError extends PermanentError {
  override readonly failureClass = 'settings' as const;
  readonly missing: readonly string[];
  constructor(missing: readonly string[], options: SyncErrorOptions = {}) {
    super(`tenant settings incomplete: missing ${missing.join(', ')}`, {
      code: 'settings_incomplete',
      detail: missing.join(','),
      ...options,
    });
    this.missing = missing;
  }
}

/** Credentials are gone for good (revoked refresh token, 401 after a refresh): the tenant needs a reconnect. */
export class AuthError extends PermanentError {
  override readonly failureClass = 'auth' as const;
}

/** Nothing to do, on purpose: unhandled type, before go-live, test-mode event for a live tenant. */
export class IgnoredError extends PermanentError {
  override readonly failureClass = 'ignored' as const;
}

const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** gRPC status codes GCP clients surface: UNKNOWN, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, INTERNAL, UNAVAILABLE. */
const RETRYABLE_GRPC_CODES = new Set([2, 4, 8, 10, 13, 14]);

/** gRPC PERMISSION_DENIED and UNAUTHENTICATED, by the reason code the log-based alert matches (infra/monitoring.tf). */
const GCP_AUTH_CODES: Record<number, string> = { 7: 'gcp_permission_denied', 16: 'gcp_unauthenticated' };

function readProperty(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Maps any thrown value to a SyncError. Our own errors pass through; Stripe's, GCP's and the network's are
 * recognised by their documented shapes; anything unrecognised is retryable, because dropping an event we could
 * not understand would lose money movements, while a retry ends, at worst, in the dead-letter archive.
 */
export function classifyError(error: unknown): SyncError {
  if (error instanceof SyncError) return error;

  const code = readProperty(error, 'code');
  const causeCode = readProperty(readProperty(error, 'cause'), 'code');
  const message = error instanceof Error ? error.message : String(error);

  // Stripe's library: StripeRateLimitError / StripeAPIError / StripeConnectionError carry `type` and `statusCode`.
  const stripeType = readProperty(error, 'type');
  const statusCode = readProperty(error, 'statusCode');
  if (typeof stripeType === 'string' && stripeType.startsWith('Stripe')) {
    if (
      stripeType === 'StripeConnectionError' ||
      stripeType === 'StripeRateLimitError' ||
      stripeType === 'StripeAPIError'
    )
      return new RetryableError(message, { code: `stripe_${String(statusCode ?? 'network')}`, cause: error });
    if (stripeType === 'StripeAuthenticationError' || stripeType === 'StripePermissionError')
      return new AuthError(message, { code: 'stripe_auth', cause: error });
    if (typeof statusCode === 'number' && (statusCode === 429 || statusCode >= 500))
      return new RetryableError(message, { code: `stripe_${statusCode}`, cause: error });
    return new PermanentError(message, { code: 'stripe_invalid_request', cause: error });
  }

  if (typeof code === 'number' && RETRYABLE_GRPC_CODES.has(code))
    return new RetryableError(message, { code: `grpc_${code}`, cause: error });
  // PERMISSION_DENIED / UNAUTHENTICATED from Firestore, Pub/Sub or Secret Manager: our own IAM grant or
  // credentials failing, not the tenant's QBO connection. Marking the tenant needs_reauth would stop a healthy
  // tenant until a person reconnected QBO for nothing; retrying (and the alert on these codes) is what helps.
  // QBO/Intuit auth failures are QboAuthError (a SyncError) and never reach this line.
  if (typeof code === 'number' && GCP_AUTH_CODES[code] !== undefined)
    return new RetryableError(message, { code: GCP_AUTH_CODES[code], cause: error });
  if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.has(code))
    return new RetryableError(message, { code: code.toLowerCase(), cause: error });
  if (typeof causeCode === 'string' && RETRYABLE_NETWORK_CODES.has(causeCode))
    return new RetryableError(message, { code: causeCode.toLowerCase(), cause: error });
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
    return new RetryableError(message, { code: 'timeout', cause: error });

  return new RetryableError(message, { code: 'unclassified', cause: error });
}
