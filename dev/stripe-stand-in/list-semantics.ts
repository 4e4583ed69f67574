/**
 * Stripe's list endpoint semantics, as a pure function over an in-memory collection (docs.stripe.com/api/pagination):
 * newest first by `created`, `limit` 1..100 (default 10), `starting_after` / `ending_before` as mutually exclusive
 * object-id cursors, `has_more`, and the `url` of the list. Filters such as `created[gte]` apply before paging, so
 * a cursor walks only the filtered set, as it does against the real API.
 */

export type StripeRecord = Record<string, unknown> & { id: string; object: string; created: number };

export interface ListQuery {
  limit?: string | null;
  startingAfter?: string | null;
  endingBefore?: string | null;
}

export interface StripeErrorBody {
  error: { type: 'invalid_request_error'; message: string; param?: string; code?: string };
}

export type ListOutcome =
  | { status: 200; body: { object: 'list'; url: string; has_more: boolean; data: StripeRecord[] } }
  | { status: 400 | 404; body: StripeErrorBody };

export function invalidRequest(message: string, param?: string, code?: string): StripeErrorBody {
  return {
    error: {
      type: 'invalid_request_error',
      message,
      ...(param ? { param } : {}),
      ...(code ? { code } : {}),
    },
  };
}

/** Newest first; equal `created` values keep the newest-inserted first, as Stripe's own ordering is stable. */
export function newestFirst(objects: readonly StripeRecord[]): StripeRecord[] {
  return objects
    .map((object, index) => ({ object, index }))
    .sort((a, b) => b.object.created - a.object.created || b.index - a.index)
    .map(({ object }) => object);
}

/** `created[gte]`, `created[gt]`, `created[lte]`, `created[lt]` and `created=<ts>` as Stripe reads them. */
export function createdFilter(params: URLSearchParams):
  | { ok: true; keep: (created: number) => boolean }
  | {
      ok: false;
      error: StripeErrorBody;
    } {
  const bounds: Array<[string, (created: number, bound: number) => boolean]> = [
    ['created[gte]', (c, b) => c >= b],
    ['created[gt]', (c, b) => c > b],
    ['created[lte]', (c, b) => c <= b],
    ['created[lt]', (c, b) => c < b],
    ['created', (c, b) => c === b],
  ];
  const checks: Array<(created: number) => boolean> = [];
  for (const [name, compare] of bounds) {
    const raw = params.get(name);
    if (raw === null) continue;
    if (!/^\d+$/.test(raw)) return { ok: false, error: invalidRequest(`Invalid integer: ${raw}`, name) };
    const bound = Number(raw);
    checks.push((created) => compare(created, bound));
  }
  return { ok: true, keep: (created) => checks.every((check) => check(created)) };
}

export function paginate(
  sorted: readonly StripeRecord[],
  query: ListQuery,
  url: string,
  objectName: string,
): ListOutcome {
  const limit = query.limit === null || query.limit === undefined ? 10 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    return {
      status: 400,
      body: invalidRequest(
        `Invalid limit: must be an integer between 1 and 100 (was ${String(query.limit)}).`,
        'limit',
      ),
    };
  if (query.startingAfter && query.endingBefore)
    return {
      status: 400,
      body: invalidRequest('You may only specify one of these parameters: starting_after, ending_before.'),
    };
  const cursor = query.startingAfter ?? query.endingBefore;
  let start = 0;
  let end = sorted.length;
  if (cursor) {
    const at = sorted.findIndex((object) => object.id === cursor);
    if (at < 0)
      return {
        status: 404,
        body: invalidRequest(
          `No such ${objectName}: '${cursor}'`,
          query.startingAfter ? 'starting_after' : 'ending_before',
          'resource_missing',
        ),
      };
    if (query.startingAfter) start = at + 1;
    else end = at;
  }
  // ending_before pages toward newer objects: the page is the `limit` objects just before the cursor.
  const data = query.endingBefore
    ? sorted.slice(Math.max(start, end - limit), end)
    : sorted.slice(start, start + limit);
  const hasMore = query.endingBefore ? end - limit > start : start + limit < end;
  return { status: 200, body: { object: 'list', url, has_more: hasMore, data } };
}
