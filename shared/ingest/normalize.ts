import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import { DEPENDENCY_KINDS, type DependencyKind } from '../catalogue/dependency-kinds';
import { EVENT_CATALOGUE } from '../catalogue/event-catalogue';
import { isHandledEventType } from '../stripe/event-types';
import type { StripeObject } from './owning-object';

export type NormalizeSource = 'webhook' | 'replay' | 'backfill' | 'dependency';

export interface NormalizeContext {
  tenantId: string;
  source: NormalizeSource;
  /** ISO 8601; passed in (no clock here) so normalizing is a pure function. */
  receivedAt: string;
}

export type NormalizeResult =
  | { kind: 'normalized'; event: NormalizedEvent }
  | { kind: 'unhandled'; type: string }
  | { kind: 'invalid'; problems: string[] };

/** The fields of a Stripe event envelope we rely on, once checked. */
export interface StripeEventEnvelope {
  id: string;
  type: string;
  created: number;
  livemode: boolean;
  account: string | undefined;
  apiVersion: string | undefined;
  object: StripeObject;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the parts of a Stripe event envelope every version has had (`id`, `type`, `created`, `livemode`,
 * `data.object` with `id` and `object`), naming every problem at once. Used by the webhook (before it trusts
 * `account` to find a Connect tenant) and by the normalizer.
 */
export function readStripeEventEnvelope(
  raw: unknown,
): { ok: true; envelope: StripeEventEnvelope } | { ok: false; problems: string[] } {
  if (!isRecord(raw)) return { ok: false, problems: ['/ event is not a JSON object'] };
  const problems: string[] = [];
  if (typeof raw.id !== 'string' || raw.id === '') problems.push('/id must be a non-empty string');
  if (typeof raw.type !== 'string' || raw.type === '') problems.push('/type must be a non-empty string');
  if (raw.object !== undefined && raw.object !== 'event') problems.push('/object must be "event"');
  if (typeof raw.created !== 'number' || !Number.isSafeInteger(raw.created) || raw.created < 0)
    problems.push('/created must be a unix timestamp');
  if (typeof raw.livemode !== 'boolean') problems.push('/livemode must be a boolean');
  if (
    raw.account !== undefined &&
    raw.account !== null &&
    (typeof raw.account !== 'string' || !/^acct_/.test(raw.account))
  )
    problems.push('/account must be an acct_ id');
  const data = raw.data;
  const object = isRecord(data) ? data.object : undefined;
  if (!isRecord(object)) problems.push('/data/object must be an object');
  else {
    if (typeof object.id !== 'string' || object.id === '') problems.push('/data/object/id must be a non-empty string');
    if (typeof object.object !== 'string') problems.push('/data/object/object must be a string');
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    envelope: {
      id: raw.id as string,
      type: raw.type as string,
      created: raw.created as number,
      livemode: raw.livemode as boolean,
      account: typeof raw.account === 'string' ? raw.account : undefined,
      apiVersion: typeof raw.api_version === 'string' ? raw.api_version : undefined,
      object: object as StripeObject,
    },
  };
}

/**
 * Turns a Stripe event (webhook body, or an event fetched by replay/backfill) into the one `normalized-event`
 * every entity topic carries (DESIGN section 3). Pure: no I/O, no clock.
 *
 * - `objectId` (the ordering key) is the Stripe id that owns the QBO write; the rule per type is the event
 *   catalogue's `owner` (rules in `owning-object.ts`).
 * - `object` stays the raw Stripe snapshot: recipes read legacy or basil+ fields from it through their own
 *   readers; only the ids and the amount are lifted out here.
 * - An event type we do not handle is `unhandled` (acknowledged and audited, never an error Stripe retries).
 */
export function normalizeStripeEvent(raw: unknown, context: NormalizeContext): NormalizeResult {
  const read = readStripeEventEnvelope(raw);
  if (!read.ok) return { kind: 'invalid', problems: read.problems };
  const { envelope } = read;
  if (!isHandledEventType(envelope.type)) return { kind: 'unhandled', type: envelope.type };

  const entry = EVENT_CATALOGUE[envelope.type];
  if (envelope.object.object !== entry.objectKind)
    return {
      kind: 'invalid',
      problems: [`/data/object/object is "${envelope.object.object}", ${envelope.type} carries "${entry.objectKind}"`],
    };

  const event: NormalizedEvent = {
    schemaVersion: 1,
    eventId: envelope.id,
    source: context.source,
    tenantId: context.tenantId,
    livemode: envelope.livemode,
    type: envelope.type,
    entity: entry.entity,
    objectId: entry.owner.ownerId(envelope.object),
    occurredAt: new Date(envelope.created * 1000).toISOString(),
    receivedAt: context.receivedAt,
    object: envelope.object,
  };
  if (envelope.account !== undefined) event.stripeAccount = envelope.account;
  const amount = entry.owner.amount(envelope.object);
  const currency = envelope.object.currency;
  if (amount !== undefined && typeof currency === 'string' && /^[a-zA-Z]{3}$/.test(currency)) {
    event.amount = amount;
    event.currency = currency.toUpperCase();
  }
  return { kind: 'normalized', event };
}

/**
 * The event a consumer publishes for an object it fetched as a dependency (DESIGN section 2): the object wrapped in
 * the event type its kind stands for (dependency-kinds.ts), with source `dependency`, so the owning consumer plans it
 * as it would that event. The event id is stable per object, so a repeated request is recognisably the same one.
 * Undefined when the object does not normalize (Stripe answered with another kind of object).
 */
export function normalizeDependency(
  ref: { kind: DependencyKind; stripeId: string },
  object: Record<string, unknown>,
  context: { tenantId: string; stripeAccount?: string | null | undefined; now: Date },
): NormalizedEvent | undefined {
  const created = typeof object.created === 'number' ? object.created : Math.floor(context.now.getTime() / 1000);
  const result = normalizeStripeEvent(
    {
      id: `dep_${ref.kind}_${ref.stripeId}`,
      object: 'event',
      type: DEPENDENCY_KINDS[ref.kind].eventType,
      created,
      livemode: object.livemode === true,
      ...(context.stripeAccount ? { account: context.stripeAccount } : {}),
      data: { object },
    },
    { tenantId: context.tenantId, source: 'dependency', receivedAt: context.now.toISOString() },
  );
  return result.kind === 'normalized' ? result.event : undefined;
}
