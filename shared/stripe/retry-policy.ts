/**
 * The one retry policy for Stripe requests, after stripe-node's own rules with two changes: a plain 429 is retried
 * (stripe-node retries 429 only with `stripe-should-retry: true`), and the server's `Retry-After` is honoured (stripe-node
 * ignores it). A backfill walking thousands of pages must slow down when told, not fail. stripe-node's
 * `maxNetworkRetries` is 0 on every client we build (client.ts), so this is the only place that decides.
 *
 * What differs between callers is only the budget: how many tries and how long one wait may be before the caller
 * is better off giving up (a consumer inside a push request hands the wait to Pub/Sub's redelivery backoff).
 */

export interface StripeRetryBudget {
  /** Retries after the first try. */
  maxRetries: number;
  /** A wait longer than this ends the tries at once with a RetryableError carrying the wait as `retryAfterMs`. */
  maxDelayMs: number;
}

/** Replay and backfill: long lists, a function time limit of minutes, so wait out what Stripe asks. */
export const LISTING_RETRY_BUDGET: StripeRetryBudget = { maxRetries: 5, maxDelayMs: 60_000 };

/** A consumer's reads: a few seconds in-process (DESIGN section 7), then Pub/Sub redelivers with its backoff. */
export const CONSUMER_RETRY_BUDGET: StripeRetryBudget = { maxRetries: 2, maxDelayMs: 5_000 };

const MAX_RETRY_AFTER_MS = 60_000;

function headerOf(error: unknown, name: string): string | undefined {
  const headers = (error as { headers?: Record<string, unknown> } | null)?.headers;
  const value = headers?.[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Whether Stripe says a failed request may be sent again, and after how long: the server's hint first
 * (`stripe-should-retry`, `Retry-After`), then 409/429/5xx and network failures with jittered exponential backoff.
 * Undefined: retrying cannot help.
 */
export function retryDelayFor(error: unknown, attempt: number, random: () => number): number | undefined {
  const shouldRetry = headerOf(error, 'stripe-should-retry');
  if (shouldRetry === 'false') return undefined;
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  const type = (error as { type?: unknown } | null)?.type;
  const retryable =
    shouldRetry === 'true' ||
    type === 'StripeConnectionError' ||
    status === 429 ||
    status === 409 ||
    (typeof status === 'number' && status >= 500);
  if (!retryable) return undefined;
  const retryAfter = Number(headerOf(error, 'retry-after'));
  if (Number.isFinite(retryAfter) && retryAfter >= 0) return Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS);
  const base = Math.min(500 * 2 ** attempt, 8_000);
  return Math.round(base * (0.5 + random() / 2));
}
