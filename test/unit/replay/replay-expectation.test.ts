import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizedEvent } from '../../../schemas/normalized-event.schema';
import { normalizeStripeEvent } from '../../../shared/ingest/normalize';
import { isPosted, replayDecision } from '../../../shared/replay/replay';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'stripe');

function normalizedFixture(file: string): NormalizedEvent {
  const raw = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as unknown;
  const result = normalizeStripeEvent(raw, { tenantId: 'acme', source: 'replay', receivedAt: '2026-01-15T12:00:00Z' });
  if (result.kind !== 'normalized') throw new Error(`${file} did not normalize: ${JSON.stringify(result)}`);
  return result.event;
}

/** The ledger as replay reads it: Stripe id → the operations posted for it. */
const ledgerWith = (...entries: Array<[string, string]>) => {
  const posted = new Map<string, Set<string>>();
  for (const [stripeId, operation] of entries) posted.set(stripeId, (posted.get(stripeId) ?? new Set()).add(operation));
  return posted;
};

describe("replay's idea of 'already posted' is what the recipe writes", () => {
  test('a customer.updated whose customer is posted is not republished (its recipe plans a create, never an update)', () => {
    const event = normalizedFixture('event-customer.updated.json');
    expect(isPosted(event, ledgerWith([event.objectId, 'create']))).toBe(true);
  });

  test('a payout.failed is not "posted" because the deposit of the paid payout is: its reversal is a write of its own', () => {
    const event = normalizedFixture('event-payout.failed.json');
    expect(isPosted(event, ledgerWith([event.objectId, 'create']))).toBe(false);
    expect(isPosted(event, ledgerWith([event.objectId, 'create'], [`${event.objectId}/failed`, 'create']))).toBe(true);
  });

  test('an invoice.voided waits for the void, not for the invoice it voids', () => {
    const event = normalizedFixture('event-invoice.voided.json');
    expect(isPosted(event, ledgerWith([event.objectId, 'create']))).toBe(false);
    expect(isPosted(event, ledgerWith([event.objectId, 'create'], [event.objectId, 'void']))).toBe(true);
  });

  test('an invoice.paid waits for its payment, not for the invoice it pays', () => {
    const raw = JSON.parse(readFileSync(join(FIXTURES, 'event-invoice.paid.json'), 'utf8')) as {
      data: { object: Record<string, unknown> };
    };
    Object.assign(raw.data.object, { charge: 'ch_1', payment_intent: 'pi_1', amount_paid: 2500 });
    const result = normalizeStripeEvent(raw, {
      tenantId: 'acme',
      source: 'replay',
      receivedAt: '2026-01-15T12:00:00Z',
    });
    if (result.kind !== 'normalized') throw new Error('did not normalize');
    const invoiceId = String(result.event.object.id);
    expect(replayDecision(result.event, ledgerWith([invoiceId, 'create']))).toBe('republish');
    expect(replayDecision(result.event, ledgerWith([invoiceId, 'create'], ['pi_1', 'create']))).toBe('already_posted');
  });

  test('a type whose recipe never posts (a dispute) is never republished', () => {
    expect(replayDecision(normalizedFixture('event-charge.dispute.created.json'), ledgerWith())).toBe(
      'nothing_to_post',
    );
  });
});
