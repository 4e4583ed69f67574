import type { NormalizedEvent } from '../../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import { buildPlan, type Plan } from '../../../shared/accounting/plan';
import { DEPENDENCY_KINDS, isDependencyKind, type DependencyKind } from '../../../shared/catalogue/dependency-kinds';
import {
  EVENT_CATALOGUE,
  ledgerKeyOf,
  POSTING_EVENT_TYPES,
  type EventCatalogue,
  type EventTypeEntry,
} from '../../../shared/catalogue/event-catalogue';
import { collectRefs } from '../../../shared/consumers/ref-resolver';
import { normalizeDependency, normalizeStripeEvent } from '../../../shared/ingest/normalize';
import { CUSTOMER_OWNER } from '../../../shared/ingest/owning-object';
import { isPosted, replayDecision } from '../../../shared/replay/replay';
import { HANDLED_EVENT_TYPES, type HandledEventType } from '../../../shared/stripe/event-types';
import { fixture } from '../accounting/factories';

type StripeEventFile = { id: string; type: string; created: number; data: { object: Record<string, unknown> } };

interface Case {
  event: StripeEventFile;
  settings: TenantSettings;
  balanceTransactions?: unknown[];
}

const acme = fixture<TenantSettings>('tenant-acme.json');
const brl = fixture<TenantSettings>('tenant-brl.json');
const event = (file: string) => fixture<StripeEventFile>(file);

/** The same real object under another event type, or with a few fields changed to reach the posting path. */
function reshaped(file: string, type: HandledEventType, overrides: Record<string, unknown> = {}): StripeEventFile {
  const base = event(file);
  return { ...base, id: `${base.id}_${type}`, type, data: { object: { ...base.data.object, ...overrides } } };
}

const payoutTransactions = () =>
  fixture<{ data: unknown[] }>('composed-balance-transactions-po_1CdprNLlCJ9CeQRefEuMMLo6.json').data;

/**
 * One real-shaped event per handled type (fixtures in test/fixtures/accounting, see its SOURCES.md). Typed over
 * HandledEventType like the catalogue, so a new type cannot skip this test either. Overrides only steer a fixture
 * onto the path that posts (the legacy invoice.paid fixture paid nothing; the API-reference charge was not captured)
 * or give a type without a recorded fixture the object its sibling event carries.
 */
const CASES: Record<HandledEventType, () => Case> = {
  'customer.created': () => ({ event: event('event-customer.created.json'), settings: acme }),
  'customer.updated': () => ({ event: event('event-customer.updated.json'), settings: acme }),
  // The finalized-event fixture is a zero-total invoice (skipped); the real multi-line invoice posts.
  'invoice.finalized': () => ({
    event: {
      id: 'evt_invoice_finalized',
      type: 'invoice.finalized',
      created: 1744986363,
      data: { object: fixture('object-invoice-multiline-discount-tax.json') },
    },
    settings: acme,
  }),
  'invoice.voided': () => ({ event: event('event-invoice.voided.json'), settings: acme }),
  'invoice.paid': () => ({
    event: reshaped('event-invoice.paid.json', 'invoice.paid', {
      charge: 'ch_3Kl36gJDPojXS6LN0DCM4A8l',
      payment_intent: 'pi_3Kl36gJDPojXS6LN02fQVtKR',
      amount_paid: 2500,
    }),
    settings: acme,
  }),
  'invoice.payment_succeeded': () => ({ event: event('event-invoice.payment_succeeded.json'), settings: acme }),
  'invoice_payment.paid': () => ({ event: event('event-invoice_payment.paid.json'), settings: acme }),
  'charge.succeeded': () => ({
    event: {
      id: 'evt_charge_succeeded',
      type: 'charge.succeeded',
      created: 1234567890,
      data: { object: { ...fixture('object-charge.json'), captured: true, amount_captured: 100 } },
    },
    settings: acme,
  }),
  // The API-reference charge once a manual capture took 100 of it.
  'charge.captured': () => ({
    event: {
      id: 'evt_charge_captured',
      type: 'charge.captured',
      created: 1234567890,
      data: { object: { ...fixture('object-charge.json'), captured: true, amount_captured: 100 } },
    },
    settings: acme,
  }),
  'charge.refunded': () => ({ event: event('event-charge.refunded.json'), settings: acme }),
  // The legacy name of refund.updated, carrying the same refund object.
  'charge.refund.updated': () => ({
    event: reshaped('event-refund.updated.json', 'charge.refund.updated'),
    settings: acme,
  }),
  // The real refund, as Stripe reports it when the card network returns it.
  'refund.failed': () => ({
    event: reshaped('event-refund.updated.json', 'refund.failed', {
      status: 'failed',
      failure_reason: 'expired_or_canceled_card',
      failure_balance_transaction: 'txn_1Nispe2eZvKYlo2CYezqFhEx',
    }),
    settings: acme,
  }),
  'refund.created': () => ({ event: event('event-refund.created.json'), settings: acme }),
  'refund.updated': () => ({ event: event('event-refund.updated.json'), settings: acme }),
  'charge.dispute.created': () => ({ event: event('event-charge.dispute.created.json'), settings: acme }),
  'charge.dispute.closed': () => ({
    event: reshaped('event-charge.dispute.created.json', 'charge.dispute.closed', { status: 'won' }),
    settings: acme,
  }),
  'credit_note.created': () => ({ event: event('event-credit_note.created.json'), settings: acme }),
  'credit_note.voided': () => ({ event: event('event-credit_note.voided.json'), settings: acme }),
  'payout.paid': () => ({
    event: event('event-payout.paid.json'),
    settings: brl,
    balanceTransactions: payoutTransactions(),
  }),
  'payout.failed': () => ({
    event: event('event-payout.failed.json'),
    settings: brl,
    balanceTransactions: fixture<{ data: unknown[] }>('composed-balance-transactions-po_1CgNDoAcSPl6ox0ljXdVYWx3.json')
      .data,
  }),
  // Stripe's API reference payout, canceled: a manual payout (the only kind Stripe lets one cancel) books a Transfer.
  'payout.canceled': () => ({
    event: {
      id: 'evt_payout_canceled',
      type: 'payout.canceled',
      created: 1680000000,
      data: { object: { ...fixture('object-payout.json'), status: 'canceled', automatic: false } },
    },
    settings: acme,
  }),
  'payout.reconciliation_completed': () => ({
    event: reshaped('event-payout.paid.json', 'payout.reconciliation_completed', {
      reconciliation_status: 'completed',
    }),
    settings: brl,
    balanceTransactions: payoutTransactions(),
  }),
};

function normalized(raw: StripeEventFile): NormalizedEvent {
  const result = normalizeStripeEvent(
    { object: 'event', livemode: false, ...raw },
    { tenantId: 'acme', source: 'webhook', receivedAt: '2026-01-15T12:00:00.000Z' },
  );
  if (result.kind !== 'normalized') throw new Error(`${raw.type} did not normalize: ${JSON.stringify(result)}`);
  return result.event;
}

/** The ledger as replay reads it, holding exactly the writes of a plan (optionally all but one). */
function ledgerOf(plan: Plan, without?: { stripeId: string; operation: string }): Map<string, Set<string>> {
  const posted = new Map<string, Set<string>>();
  for (const { stripeId, operation } of plan.operations) {
    if (without && stripeId === without.stripeId && operation === without.operation) continue;
    posted.set(stripeId, (posted.get(stripeId) ?? new Set()).add(operation));
  }
  return posted;
}

/** The dependency kinds a plan asks for: refs to objects no earlier write of the same plan creates. */
function dependenciesOf(plan: Plan): DependencyKind[] {
  const kinds = new Set<DependencyKind>();
  const written = new Set<string>();
  for (const operation of plan.operations) {
    const refs = collectRefs(operation.body);
    if (operation.target) collectRefs(operation.target, refs);
    for (const ref of refs.values())
      if (isDependencyKind(ref.kind) && !written.has(`${ref.kind}:${ref.stripeId}`)) kinds.add(ref.kind);
    written.add(`${operation.entity.toLowerCase()}:${operation.stripeId}`);
  }
  return [...kinds].sort();
}

describe('the event catalogue: one row per handled Stripe event type', () => {
  test('lists every handled type, and only those', () => {
    expect(Object.keys(EVENT_CATALOGUE).sort()).toEqual([...HANDLED_EVENT_TYPES].sort());
  });

  test.each(HANDLED_EVENT_TYPES)(
    "%s: the recipe's write for the owning object is the row's ledger write, and replay expects just that",
    (type) => {
      const { event: raw, settings, balanceTransactions } = CASES[type]();
      const row: EventTypeEntry = EVENT_CATALOGUE[type];
      const normalizedEvent = normalized(raw);
      expect(normalizedEvent).toMatchObject({ type, entity: row.entity });
      expect(normalizedEvent.object.object).toBe(row.objectKind);

      const plan = buildPlan({
        event: normalizedEvent,
        settings,
        ...(balanceTransactions ? { balanceTransactions } : {}),
      });
      expect(plan.parked).toBeUndefined();
      const key = ledgerKeyOf({ type, objectId: normalizedEvent.objectId });
      if (row.ledgerWrite === 'none') {
        expect(key).toBeUndefined();
        expect(plan.operations).toEqual([]);
        expect(plan.skipped).toBeDefined();
        expect(replayDecision(normalizedEvent, new Map())).toBe('nothing_to_post');
        return;
      }
      expect(key).toBeDefined();
      if (key === undefined) return;
      expect(plan.operations.map((operation) => [operation.stripeId, operation.operation])).toContainEqual([
        key.stripeId,
        key.operation,
      ]);
      expect(replayDecision(normalizedEvent, new Map())).toBe('republish');
      expect(isPosted(normalizedEvent, ledgerOf(plan))).toBe(true);
      expect(isPosted(normalizedEvent, ledgerOf(plan, key))).toBe(false);
      for (const kind of dependenciesOf(plan)) expect(row.dependencies).toContain(kind);
    },
  );

  test('replay lists only the types whose recipe can post, within the 20 types Stripe takes per list', () => {
    expect(POSTING_EVENT_TYPES.length).toBeLessThanOrEqual(20);
    expect([...POSTING_EVENT_TYPES].sort()).toEqual(
      HANDLED_EVENT_TYPES.filter((type) => EVENT_CATALOGUE[type].ledgerWrite !== 'none').sort(),
    );
  });

  test('a handled type without a row, or a row without a recipe, does not compile', () => {
    // @ts-expect-error -- 'invoice.created' has no row, so this is not a catalogue of it
    const widened: EventCatalogue<HandledEventType | 'invoice.created'> = EVENT_CATALOGUE;
    // @ts-expect-error -- every row names its recipe
    const rowWithoutRecipe: EventTypeEntry = {
      entity: 'customer',
      objectKind: 'customer',
      owner: CUSTOMER_OWNER,
      ledgerWrite: 'none',
      dependencies: [],
    };
    expect(widened).toBe(EVENT_CATALOGUE);
    expect(rowWithoutRecipe.entity).toBe('customer');
  });
});

describe('dependency kinds: what a consumer may ask another consumer for', () => {
  const objects: Record<DependencyKind, Record<string, unknown>> = {
    customer: fixture('object-customer.json'),
    invoice: fixture('object-invoice-openapi-latest.json'),
  };

  test.each(Object.keys(DEPENDENCY_KINDS) as DependencyKind[])(
    'a fetched %s becomes the event its kind stands for, on the topic of the consumer that owns it',
    (kind) => {
      const object = objects[kind];
      const stripeId = String(object.id);
      const { eventType, path } = DEPENDENCY_KINDS[kind];
      expect(path).toBe(`${String(object.object)}s`);
      const dependency = normalizeDependency({ kind, stripeId }, object, {
        tenantId: 'acme',
        stripeAccount: 'acct_1Connected',
        now: new Date('2026-01-15T12:00:00Z'),
      });
      expect(dependency).toMatchObject({
        eventId: `dep_${kind}_${stripeId}`,
        source: 'dependency',
        type: eventType,
        entity: EVENT_CATALOGUE[eventType].entity,
        objectId: stripeId,
        stripeAccount: 'acct_1Connected',
      });
    },
  );

  test('an object of another kind than asked for is no dependency event', () => {
    expect(
      normalizeDependency({ kind: 'invoice', stripeId: 'cus_1' }, objects.customer, {
        tenantId: 'acme',
        now: new Date('2026-01-15T12:00:00Z'),
      }),
    ).toBeUndefined();
  });

  test('every kind a row names is a kind the consumers can fetch', () => {
    for (const type of HANDLED_EVENT_TYPES)
      for (const kind of EVENT_CATALOGUE[type].dependencies) expect(isDependencyKind(kind)).toBe(true);
  });
});
