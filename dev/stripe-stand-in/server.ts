import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createdFilter,
  invalidRequest,
  newestFirst,
  paginate,
  type StripeErrorBody,
  type StripeRecord,
} from './list-semantics';

/**
 * A local stand-in for the read side of the Stripe API, for tests and the demo: the list endpoints replay and
 * backfill walk, GET by id for the objects consumers fetch as dependencies, and the failure modes we must handle
 * (401 with Stripe's body, injected 429s, the real 400 for `payout=` on a manual payout). It is an HTTP server on
 * port 0, so the Stripe client under test goes through stripe-node's real request path.
 */

/** List path → the `object` value of what it lists. */
const LISTS: Record<string, string> = {
  customers: 'customer',
  invoices: 'invoice',
  invoice_payments: 'invoice_payment',
  charges: 'charge',
  refunds: 'refund',
  credit_notes: 'credit_note',
  payouts: 'payout',
  payment_intents: 'payment_intent',
  balance_transactions: 'balance_transaction',
  events: 'event',
};

const RETRIEVABLE = new Set([
  'customers',
  'invoices',
  'charges',
  'credit_notes',
  'refunds',
  'payouts',
  'payment_intents',
  'balance_transactions',
]);

/**
 * `GET /v1/<parent>/:id/<list>`: the lists that hang off one object. Lines keep their document order (Stripe lists
 * them so, and they carry no `created`); a customer's balance transactions are objects of their own, newest first.
 */
const SUB_LISTS: Record<string, { parentKind: string; object: string }> = {
  'invoices/lines': { parentKind: 'invoice', object: 'line_item' },
  'credit_notes/lines': { parentKind: 'credit_note', object: 'credit_note_line_item' },
  'customers/balance_transactions': { parentKind: 'customer', object: 'customer_balance_transaction' },
};

export interface StandInRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  stripeAccount: string | undefined;
}

export interface StripeStandInOptions {
  port?: number;
  /** Objects to serve (any kind in LISTS; `created` is required for ordering). */
  objects?: Array<Record<string, unknown>>;
  events?: Array<Record<string, unknown>>;
  /** The secret keys accepted as `Authorization: Bearer <key>`; default: any `sk_test_`/`sk_live_`/`rk_` key. */
  apiKeys?: string[];
}

export interface StripeStandIn {
  url: string;
  close(): Promise<void>;
  add(object: Record<string, unknown>): void;
  addEvent(event: Record<string, unknown>): void;
  /** The balance transactions Stripe would itemise for an automatic payout (`GET /v1/balance_transactions?payout=`). */
  addPayoutTransactions(payoutId: string, transactions: Array<Record<string, unknown>>): void;
  /**
   * Every line of an invoice or credit note (`GET /v1/invoices/:id/lines`, `/v1/credit_notes/:id/lines`), for a
   * document whose own `lines` is a first page. Without it the document's embedded `lines.data` is served.
   */
  addLines(parent: { invoice: string } | { credit_note: string }, lines: Array<Record<string, unknown>>): void;
  /** The next `count` requests answer 429 (with `Retry-After` when given), as Stripe's rate limiter does. */
  injectRateLimit(count: number, retryAfterSeconds?: number): void;
  requests(): StandInRequest[];
}

function asRecord(object: Record<string, unknown>): StripeRecord {
  if (typeof object.id !== 'string' || typeof object.object !== 'string' || typeof object.created !== 'number')
    throw new Error('stand-in objects need string id, string object and numeric created');
  return object as StripeRecord;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${randomUUID()}`, ...headers });
  res.end(JSON.stringify(body));
}

function maskKey(key: string): string {
  return `${key.slice(0, 8)}${'*'.repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`;
}

function authProblem(req: IncomingMessage, apiKeys: string[] | undefined): StripeErrorBody | undefined {
  const header = req.headers.authorization ?? '';
  const match = /^Bearer (.+)$/.exec(header);
  if (!match?.[1])
    return invalidRequest(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
    );
  const key = match[1];
  const accepted = apiKeys ? apiKeys.includes(key) : /^(sk|rk)_(test|live)_/.test(key);
  return accepted ? undefined : invalidRequest(`Invalid API Key provided: ${maskKey(key)}`);
}

/** `types[]=a&types[]=b` (curl style) and `types[0]=a&types[1]=b` (what stripe-node's encoder sends) both count. */
function eventTypes(params: URLSearchParams): string[] {
  const types: string[] = [];
  for (const [name, value] of params) if (name === 'type' || /^types\[\d*\]$/.test(name)) types.push(value);
  return types;
}

/**
 * `GET /v1/invoice_payments` narrows by `invoice`, `status` and `payment[type]` with its `payment[payment_intent]`
 * or `payment[payment_record]` (how a consumer asks whether a basil charge's intent pays an invoice). Stripe
 * requires `payment[type]` whenever `payment` is given.
 */
function invoicePaymentFilter(
  params: URLSearchParams,
): { ok: true; keep(object: StripeRecord): boolean } | { ok: false; error: StripeErrorBody } {
  const paymentType = params.get('payment[type]');
  const paymentIds = (['payment_intent', 'payment_record'] as const).flatMap((field) => {
    const id = params.get(`payment[${field}]`);
    return id === null ? [] : [{ field, id }];
  });
  if (paymentType === null && paymentIds.length > 0)
    return { ok: false, error: invalidRequest('Missing required param: payment[type].', 'payment[type]') };
  const invoice = params.get('invoice');
  const status = params.get('status');
  return {
    ok: true,
    keep(object) {
      const payment = (object.payment ?? {}) as Record<string, unknown>;
      if (invoice !== null && object.invoice !== invoice) return false;
      if (status !== null && object.status !== status) return false;
      if (paymentType !== null && payment.type !== paymentType) return false;
      return paymentIds.every(({ field, id }) => payment[field] === id);
    },
  };
}

export async function startStripeStandIn(options: StripeStandInOptions = {}): Promise<StripeStandIn> {
  const collections = new Map<string, StripeRecord[]>();
  const payoutTransactions = new Map<string, StripeRecord[]>();
  /** `<kind>/<id>` → the document's full line list. */
  const documentLines = new Map<string, Array<Record<string, unknown>>>();
  const log: StandInRequest[] = [];
  const rateLimit = { remaining: 0, retryAfterSeconds: undefined as number | undefined };

  const add = (object: Record<string, unknown>) => {
    const record = asRecord(object);
    const list = collections.get(record.object) ?? [];
    const existing = list.findIndex((item) => item.id === record.id);
    if (existing >= 0) list[existing] = record;
    else list.push(record);
    collections.set(record.object, list);
  };
  for (const object of options.objects ?? []) add(object);
  for (const event of options.events ?? []) add({ object: 'event', ...event });

  const listFor = (kind: string, params: URLSearchParams): StripeRecord[] | { status: number; body: unknown } => {
    let objects = collections.get(kind) ?? [];
    if (kind === 'event') {
      const types = eventTypes(params);
      if (types.length > 20)
        return { status: 400, body: invalidRequest('You may pass at most 20 values for types.', 'types') };
      if (types.length > 0) objects = objects.filter((event) => types.includes(String(event.type)));
    }
    if (kind === 'balance_transaction' && params.has('payout')) {
      const payoutId = params.get('payout') ?? '';
      const payout = (collections.get('payout') ?? []).find((item) => item.id === payoutId);
      if (!payout)
        return { status: 404, body: invalidRequest(`No such payout: '${payoutId}'`, 'payout', 'resource_missing') };
      // Stripe itemises only the payouts it made itself; a payout created by hand (API or dashboard) is refused.
      if (payout.automatic !== true)
        return {
          status: 400,
          body: invalidRequest(
            'Balance transaction history can only be filtered on automatic transfers, not manual.',
            'payout',
          ),
        };
      objects = payoutTransactions.get(payoutId) ?? [];
    }
    if (kind === 'credit_note') {
      // Stripe narrows credit notes by `invoice` and `customer` (how a refund's credit note is found).
      for (const field of ['invoice', 'customer'] as const) {
        const wanted = params.get(field);
        if (wanted !== null) objects = objects.filter((object) => object[field] === wanted);
      }
    }
    if (kind === 'invoice_payment') {
      const filter = invoicePaymentFilter(params);
      if (!filter.ok) return { status: 400, body: filter.error };
      objects = objects.filter((object) => filter.keep(object));
    }
    const created = createdFilter(params);
    if (!created.ok) return { status: 400, body: created.error };
    return newestFirst(objects.filter((object) => created.keep(object.created)));
  };

  const subListFor = (
    route: { parentKind: string; object: string },
    parentId: string,
    url: URL,
  ): { status: number; body: unknown } => {
    const params = url.searchParams;
    const parent = (collections.get(route.parentKind) ?? []).find((object) => object.id === parentId);
    if (!parent)
      return {
        status: 404,
        body: invalidRequest(`No such ${route.parentKind}: '${parentId}'`, 'id', 'resource_missing'),
      };
    let items: StripeRecord[];
    if (route.object === 'customer_balance_transaction')
      items = newestFirst((collections.get(route.object) ?? []).filter((object) => object.customer === parentId));
    else {
      const embedded = (parent.lines as { data?: unknown } | undefined)?.data;
      // Lines have no `created`; paginate reads only ids, so document order is kept as it is.
      items = (documentLines.get(`${route.parentKind}/${parentId}`) ??
        (Array.isArray(embedded) ? embedded : [])) as StripeRecord[];
    }
    return paginate(
      items,
      {
        limit: params.get('limit'),
        startingAfter: params.get('starting_after'),
        endingBefore: params.get('ending_before'),
      },
      url.pathname,
      route.object,
    );
  };

  const handle = (req: IncomingMessage, res: ServerResponse, url: URL): number => {
    if (rateLimit.remaining > 0) {
      rateLimit.remaining -= 1;
      send(
        res,
        429,
        invalidRequest(
          'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
          undefined,
          'rate_limit',
        ),
        rateLimit.retryAfterSeconds === undefined ? {} : { 'retry-after': String(rateLimit.retryAfterSeconds) },
      );
      return 429;
    }
    const auth = authProblem(req, options.apiKeys);
    if (auth) {
      send(res, 401, auth, { 'www-authenticate': 'Basic realm="Stripe"' });
      return 401;
    }
    const segments = url.pathname.split('/').filter(Boolean);
    const [version, resource, id, extra] = segments;
    const kind = resource ? LISTS[resource] : undefined;
    const subList = extra === undefined ? undefined : SUB_LISTS[`${resource ?? ''}/${extra}`];
    if (req.method === 'GET' && version === 'v1' && subList && id !== undefined && segments.length === 4) {
      const served = subListFor(subList, id, url);
      send(res, served.status, served.body);
      return served.status;
    }
    if (req.method !== 'GET' || version !== 'v1' || !resource || !kind || extra !== undefined) {
      send(res, 404, invalidRequest(`Unrecognized request URL (${req.method ?? ''}: ${url.pathname}).`));
      return 404;
    }
    if (id !== undefined) {
      const found = RETRIEVABLE.has(resource)
        ? (collections.get(kind) ?? []).find((object) => object.id === id)
        : undefined;
      if (!found) {
        send(res, 404, invalidRequest(`No such ${kind}: '${id}'`, 'id', 'resource_missing'));
        return 404;
      }
      send(res, 200, found);
      return 200;
    }
    const listed = listFor(kind, url.searchParams);
    if (!Array.isArray(listed)) {
      send(res, listed.status, listed.body);
      return listed.status;
    }
    const page = paginate(
      listed,
      {
        limit: url.searchParams.get('limit'),
        startingAfter: url.searchParams.get('starting_after'),
        endingBefore: url.searchParams.get('ending_before'),
      },
      `/v1/${resource}`,
      kind,
    );
    send(res, page.status, page.body);
    return page.status;
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    // Drain any body so keep-alive connections stay usable.
    req.resume();
    req.on('end', () => {
      let status: number;
      try {
        status = handle(req, res, url);
      } catch (error) {
        send(res, 500, { error: { type: 'api_error', message: (error as Error).message } });
        status = 500;
      }
      const header = req.headers['stripe-account'];
      log.push({
        method: req.method ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        status,
        stripeAccount: typeof header === 'string' ? header : undefined,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
    add,
    addEvent: (event) => add({ object: 'event', ...event }),
    addPayoutTransactions(payoutId, transactions) {
      payoutTransactions.set(payoutId, transactions.map(asRecord));
    },
    addLines(parent, lines) {
      const key = 'invoice' in parent ? `invoice/${parent.invoice}` : `credit_note/${parent.credit_note}`;
      documentLines.set(key, lines);
    },
    injectRateLimit(count, retryAfterSeconds) {
      rateLimit.remaining = count;
      rateLimit.retryAfterSeconds = retryAfterSeconds;
    },
    requests: () => [...log],
  };
}
