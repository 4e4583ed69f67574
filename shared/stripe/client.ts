import Stripe from 'stripe';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { AuthError, classifyError, RetryableError } from '../errors';
import type { Logger } from '../observability/logger';
import { secretNames, type SecretStore } from '../secrets/secret-store';
import { STRIPE_API_VERSION } from './api-version';
import {
  listReadPath,
  type ListObjectsOptions,
  type StripeApiClient,
  type StripeListPage,
  type StripeObjectRecord,
} from './ports';
import { LISTING_RETRY_BUDGET, retryDelayFor, type StripeRetryBudget } from './retry-policy';

/**
 * The Stripe adapter's transport: one stripe-node client per tenant key with the pinned API version and the
 * STRIPE_API_BASE override, a limiter that keeps us under Stripe's per-account rate limit, and the retry policy of
 * retry-policy.ts (stripe-node's own retries are off, so there is one policy). Every read is a GET through
 * `rawRequest`, which gives us Stripe's error classes and headers without the typed resources' retry settings.
 */

/** stripe-node options for every client we build: pinned version, no library retries, STRIPE_API_BASE for tests. */
export function stripeClientOptions(apiBase: string | undefined): Stripe.StripeConfig {
  const options: Stripe.StripeConfig = { apiVersion: STRIPE_API_VERSION, maxNetworkRetries: 0, timeout: 20_000 };
  if (apiBase) {
    const url = new URL(apiBase);
    options.host = url.hostname;
    options.port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    options.protocol = url.protocol === 'https:' ? 'https' : 'http';
  }
  return options;
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
  /** How long to keep trying (retry-policy.ts); replay's and backfill's budget by default. */
  retryBudget?: StripeRetryBudget;
}

type QueryValue = string | number | readonly string[] | undefined;

function query(params: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) search.append(`${name}[]`, String(item));
    else search.append(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

const isResourceMissing = (error: unknown): boolean =>
  (error as { statusCode?: unknown } | null)?.statusCode === 404 &&
  (error as { code?: unknown } | null)?.code === 'resource_missing';

export function createStripeApiClient(props: StripeApiClientProps): StripeApiClient {
  const stripe = new Stripe(props.apiKey, stripeClientOptions(props.apiBase));
  const limiter =
    props.limiter ??
    createRateLimiter({
      perSecond: props.livemode ? STRIPE_RATE_LIMIT_PER_SECOND.live : STRIPE_RATE_LIMIT_PER_SECOND.test,
    });
  const sleep = props.sleep ?? defaultSleep;
  const random = props.random ?? Math.random;
  const budget = props.retryBudget ?? LISTING_RETRY_BUDGET;
  const requestOptions = props.stripeAccount ? { stripeAccount: props.stripeAccount } : {};

  /** A GET under the limiter and the retry policy; a failure retrying cannot help is thrown as Stripe raised it. */
  const get = async (path: string): Promise<unknown> => {
    const route = path.split('?')[0] ?? path;
    for (let attempt = 0; ; attempt += 1) {
      await limiter.acquire();
      try {
        return await stripe.rawRequest('GET', path, undefined, requestOptions);
      } catch (error) {
        const delay = retryDelayFor(error, attempt, random);
        if (delay === undefined) throw error;
        const status = (error as { statusCode?: unknown }).statusCode;
        if (attempt >= budget.maxRetries || delay > budget.maxDelayMs)
          throw new RetryableError(`Stripe GET ${route} still failing after ${attempt + 1} tries`, {
            code: `stripe_${String(status ?? 'network')}`,
            retryAfterMs: delay,
            cause: error,
          });
        props.logger.warn(
          { path: route, attempt, delayMs: delay, status },
          'stripe request throttled or failed; backing off',
        );
        await sleep(delay);
      }
    }
  };
  const classified = (path: string): Promise<unknown> =>
    get(path).catch((error: unknown) => {
      throw classifyError(error);
    });

  const page = async (path: string): Promise<StripeListPage> => {
    const body = (await classified(path)) as { data?: unknown; has_more?: unknown };
    if (!Array.isArray(body.data)) throw new RetryableError(`Stripe list ${path} answered without data[]`);
    const data = body.data as StripeObjectRecord[];
    return { data, hasMore: body.has_more === true, lastId: data[data.length - 1]?.id };
  };

  async function* walk(path: string, params: Record<string, QueryValue>): AsyncGenerator<StripeObjectRecord> {
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
    async retrieveObject(path, id) {
      try {
        return (await get(`/v1/${path}/${encodeURIComponent(id)}`)) as StripeObjectRecord;
      } catch (error) {
        // Deleted since it was referenced (a product retired after the invoice sold it): an answer, not a failure.
        if (isResourceMissing(error)) return undefined;
        throw classifyError(error);
      }
    },
    listInvoicePaymentsOfIntent: (paymentIntentId) =>
      walk('/v1/invoice_payments', {
        'payment[type]': 'payment_intent',
        'payment[payment_intent]': paymentIntentId,
        limit: 10,
      }),
    async listAll(read) {
      const { path, params } = listReadPath(read);
      const all: StripeObjectRecord[] = [];
      for await (const object of walk(path, { ...params, limit: 100 })) all.push(object);
      return all;
    },
  };
}

/**
 * Builds (and caches per instance) one client per tenant from the tenant's key in the secret store. A missing key
 * is an AuthError: a person must add it before anything for that tenant can be read.
 */
export function createStripeClientFactory(props: {
  secrets: SecretStore;
  apiBase: string | undefined;
  logger: Logger;
  retryBudget?: StripeRetryBudget;
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
        ...(props.retryBudget ? { retryBudget: props.retryBudget } : {}),
        ...(props.sleep ? { sleep: props.sleep } : {}),
      });
      clients.set(tenant.tenantId, client);
      return client;
    },
  };
}
