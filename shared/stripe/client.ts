import Stripe from 'stripe';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { BackfillEntity } from '../../schemas/backfill-command.schema';
import { AuthError, classifyError, RetryableError } from '../errors';
import type { Logger } from '../observability/logger';
import { stripeClientOptions } from '../runtime/stripe-reader';
import { secretNames, type SecretStore } from '../secrets/secret-store';

/**
 * The Stripe read client replay and backfill use: one per tenant key, the pinned API version and the
 * STRIPE_API_BASE override (via stripeClientOptions), a limiter that keeps us under Stripe's per-account rate limit,
 * and our own retry loop. stripe-node's built-in retries are off here because they do not retry a plain 429 (only
 * 409/5xx or `stripe-should-retry: true`) and ignore `Retry-After`; a backfill that walks thousands of pages must
 * slow down when told to, not fail.
 */

export type StripeObjectRecord = Record<string, unknown> & { id: string; object: string };

export interface StripeListPage {
  data: StripeObjectRecord[];
  hasMore: boolean;
  /** The id to pass as `startingAfter` for the next page (undefined on an empty page). */
  lastId: string | undefined;
}

export interface ListObjectsOptions {
  /** Unix seconds, inclusive. */
  createdGte?: number;
  /** Unix seconds, exclusive. */
  createdLt?: number;
  startingAfter?: string;
  /** 1..100; default 100 (Stripe's default of 10 would cost ten times the requests). */
  limit?: number;
}

export interface StripeApiClient {
  /** One page of a list, newest first, for callers that checkpoint between pages (backfill). */
  listObjects(entity: BackfillEntity, options?: ListObjectsOptions): Promise<StripeListPage>;
  /** Every object of a list in the range, page after page. */
  iterateObjects(
    entity: BackfillEntity,
    options?: Omit<ListObjectsOptions, 'startingAfter'>,
  ): AsyncIterable<StripeObjectRecord>;
  /** Events created at or after `createdGte` (Stripe keeps 30 days), optionally only the given types (≤ 20). */
  listEvents(options: { createdGte: number; types?: readonly string[] }): AsyncIterable<StripeObjectRecord>;
  /** What an automatic payout paid out. A manual payout fails with Stripe's 400 (PermanentError). */
  listPayoutBalanceTransactions(payoutId: string): Promise<StripeObjectRecord[]>;
}

/** Spaces requests evenly at `perSecond`; one per tenant client, because Stripe limits each account separately. */
export interface RateLimiter {
  acquire(): Promise<void>;
}

export function createRateLimiter(props: {
  perSecond: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): RateLimiter {
  const now = props.now ?? Date.now;
  const sleep = props.sleep ?? defaultSleep;
  const interval = 1000 / props.perSecond;
  let nextFree = 0;
  return {
    async acquire() {
      const at = now();
      const slot = Math.max(at, nextFree);
      nextFree = slot + interval;
      if (slot > at) await sleep(slot - at);
    },
  };
}

/** Stripe's basic rate limiter: 100 read operations per second in live mode, 25 in test mode (sandboxes). */
export const STRIPE_RATE_LIMIT_PER_SECOND = { live: 100, test: 25 } as const;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface StripeApiClientProps {
  apiKey: string;
  /** STRIPE_API_BASE (tests, the local stand-in); unset means api.stripe.com. */
  apiBase?: string | undefined;
  livemode: boolean;
  /** A Connect platform reads a connected account's objects with the Stripe-Account header. */
  stripeAccount?: string | null | undefined;
  logger: Logger;
  limiter?: RateLimiter;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Retries after a 429/409/5xx/network failure before giving up with a RetryableError. */
  maxRetries?: number;
}

const MAX_RETRY_AFTER_MS = 60_000;

function headerOf(error: unknown, name: string): string | undefined {
  const headers = (error as { headers?: Record<string, unknown> } | null)?.headers;
  const value = headers?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** Whether Stripe says a failed request may be sent again, and after how long (the server's hint first). */
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

function query(params: Record<string, string | number | readonly string[] | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) search.append(`${name}[]`, String(item));
    else search.append(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

export function createStripeApiClient(props: StripeApiClientProps): StripeApiClient {
  const stripe = new Stripe(props.apiKey, { ...stripeClientOptions(props.apiBase), maxNetworkRetries: 0 });
  const limiter =
    props.limiter ??
    createRateLimiter({
      perSecond: props.livemode ? STRIPE_RATE_LIMIT_PER_SECOND.live : STRIPE_RATE_LIMIT_PER_SECOND.test,
    });
  const sleep = props.sleep ?? defaultSleep;
  const random = props.random ?? Math.random;
  const maxRetries = props.maxRetries ?? 5;
  const requestOptions = props.stripeAccount ? { stripeAccount: props.stripeAccount } : {};

  const get = async (path: string): Promise<unknown> => {
    for (let attempt = 0; ; attempt += 1) {
      await limiter.acquire();
      try {
        return await stripe.rawRequest('GET', path, undefined, requestOptions);
      } catch (error) {
        const delay = retryDelayFor(error, attempt, random);
        if (delay === undefined) throw classifyError(error);
        if (attempt >= maxRetries)
          throw new RetryableError(
            `Stripe GET ${path.split('?')[0] ?? path} still failing after ${attempt + 1} tries`,
            {
              code: `stripe_${String((error as { statusCode?: unknown }).statusCode ?? 'network')}`,
              retryAfterMs: delay,
              cause: error,
            },
          );
        props.logger.warn(
          { path: path.split('?')[0], attempt, delayMs: delay, status: (error as { statusCode?: unknown }).statusCode },
          'stripe request throttled or failed; backing off',
        );
        await sleep(delay);
      }
    }
  };

  const page = async (path: string): Promise<StripeListPage> => {
    const body = (await get(path)) as { data?: unknown; has_more?: unknown };
    if (!Array.isArray(body.data)) throw new RetryableError(`Stripe list ${path} answered without data[]`);
    const data = body.data as StripeObjectRecord[];
    return { data, hasMore: body.has_more === true, lastId: data[data.length - 1]?.id };
  };

  async function* walk(path: string, params: Record<string, string | number | readonly string[] | undefined>) {
    let startingAfter: string | undefined;
    for (;;) {
      const result = await page(`${path}${query({ ...params, starting_after: startingAfter })}`);
      yield* result.data;
      if (!result.hasMore || !result.lastId) return;
      startingAfter = result.lastId;
    }
  }

  const listParams = (options: ListObjectsOptions) => ({
    limit: options.limit ?? 100,
    'created[gte]': options.createdGte,
    'created[lt]': options.createdLt,
  });

  return {
    listObjects: (entity, options = {}) =>
      page(`/v1/${entity}${query({ ...listParams(options), starting_after: options.startingAfter })}`),
    iterateObjects: (entity, options = {}) => walk(`/v1/${entity}`, listParams(options)),
    listEvents: ({ createdGte, types }) =>
      walk('/v1/events', {
        limit: 100,
        'created[gte]': createdGte,
        types: types && types.length > 0 ? types : undefined,
      }),
    async listPayoutBalanceTransactions(payoutId) {
      const all: StripeObjectRecord[] = [];
      for await (const transaction of walk('/v1/balance_transactions', { limit: 100, payout: payoutId }))
        all.push(transaction);
      return all;
    },
  };
}

/**
 * Builds (and caches per instance) one client per tenant from the tenant's key in the secret store. A missing key
 * is an AuthError: a person must add it before anything for that tenant can be listed.
 */
export function createStripeClientFactory(props: {
  secrets: SecretStore;
  apiBase: string | undefined;
  logger: Logger;
  sleep?: (ms: number) => Promise<void>;
}): { clientFor(tenant: TenantSettings): Promise<StripeApiClient> } {
  const clients = new Map<string, StripeApiClient>();
  return {
    async clientFor(tenant) {
      const cached = clients.get(tenant.tenantId);
      if (cached) return cached;
      const apiKey = await props.secrets.read(secretNames.stripeApiKey(tenant.tenantId));
      if (!apiKey)
        throw new AuthError(`no Stripe API key for tenant ${tenant.tenantId}`, { code: 'stripe_key_missing' });
      const client = createStripeApiClient({
        apiKey,
        apiBase: props.apiBase,
        livemode: tenant.stripe.livemode,
        stripeAccount: tenant.stripe.accountId,
        logger: props.logger,
        ...(props.sleep ? { sleep: props.sleep } : {}),
      });
      clients.set(tenant.tenantId, client);
      return client;
    },
  };
}
