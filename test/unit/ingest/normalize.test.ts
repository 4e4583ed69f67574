import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createValidators } from '../../../schemas/validators';
import { normalizeStripeEvent, type NormalizeResult } from '../../../shared/ingest/normalize';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'stripe');
const fixture = (file: string) => JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Record<string, unknown>;
const context = { tenantId: 'acme', source: 'webhook', receivedAt: '2026-01-15T12:00:00.000Z' } as const;
const validators = createValidators();

/** A Stripe event envelope around `object`; the shape every API version shares. */
function buildEvent(type: string, object: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  return {
    id: 'evt_test_1',
    object: 'event',
    api_version: '2026-10-28.endive',
    created: 1767225600,
    livemode: false,
    type,
    data: { object },
    ...overrides,
  };
}

function normalized(result: NormalizeResult) {
  if (result.kind !== 'normalized') throw new Error(`expected normalized, got ${JSON.stringify(result)}`);
  expect(validators.normalizedEvent.is(result.event)).toBe(true);
  return result.event;
}

describe('normalizeStripeEvent', () => {
  test('a customer event keeps the raw object and keys on the customer id', () => {
    const raw = fixture('event-customer.created.json');
    const event = normalized(normalizeStripeEvent(raw, context));
    expect(event).toMatchObject({
      schemaVersion: 1,
      eventId: 'evt_00000000000000',
      entity: 'customer',
      objectId: 'cus_00000000000000',
      occurredAt: '2012-01-18T02:24:38.000Z',
      receivedAt: context.receivedAt,
      tenantId: 'acme',
    });
    expect(event.object).toEqual((raw.data as { object: unknown }).object);
    expect(event.amount).toBeUndefined();
  });

  test('a legacy invoice.paid and the basil invoice_payment.paid of one payment share the payment intent as key', () => {
    const legacy = buildEvent('invoice.paid', {
      id: 'in_1',
      object: 'invoice',
      charge: 'ch_1',
      payment_intent: 'pi_1',
      amount_paid: 2000,
      currency: 'usd',
    });
    const basil = buildEvent('invoice_payment.paid', {
      id: 'inpay_1',
      object: 'invoice_payment',
      invoice: 'in_1',
      amount_paid: 2000,
      currency: 'usd',
      payment: { type: 'payment_intent', payment_intent: 'pi_1' },
    });
    const a = normalized(normalizeStripeEvent(legacy, context));
    const b = normalized(normalizeStripeEvent(basil, context));
    expect(a.objectId).toBe('pi_1');
    expect(b.objectId).toBe('pi_1');
    expect([a.entity, b.entity]).toEqual(['payment', 'payment']);
    expect([a.amount, a.currency]).toEqual([2000, 'USD']);
  });

  test('a pre-PaymentIntent payment keys on the charge in both shapes, expanded or not', () => {
    const legacy = buildEvent('invoice.paid', {
      id: 'in_2',
      object: 'invoice',
      charge: { id: 'ch_2' },
      payment_intent: null,
    });
    const basil = buildEvent('invoice_payment.paid', {
      id: 'inpay_2',
      object: 'invoice_payment',
      payment: { type: 'charge', charge: 'ch_2' },
    });
    expect(normalized(normalizeStripeEvent(legacy, context)).objectId).toBe('ch_2');
    expect(normalized(normalizeStripeEvent(basil, context)).objectId).toBe('ch_2');
  });

  test('an invoice paid with no Stripe payment (zero total, out of band, or basil invoice.paid) keys on the invoice', () => {
    expect(normalized(normalizeStripeEvent(fixture('event-invoice.paid.json'), context)).objectId).toBe(
      'in_1KJqKBJDPojXS6LNJbvLUgEy',
    );
    const outOfBand = buildEvent('invoice_payment.paid', {
      id: 'inpay_3',
      object: 'invoice_payment',
      payment: { type: 'out_of_band_payment' },
    });
    expect(normalized(normalizeStripeEvent(outOfBand, context)).objectId).toBe('inpay_3');
  });

  test('charge.refunded keys on its newest refund, or on the charge when the API no longer embeds refunds', () => {
    const raw = fixture('event-charge.refunded.json');
    expect(normalized(normalizeStripeEvent(raw, context))).toMatchObject({
      entity: 'refund',
      objectId: 're_3Kl36gJDPojXS6LN0eP4yPDz',
    });
    const modern = buildEvent('charge.refunded', {
      id: 'ch_9',
      object: 'charge',
      amount_refunded: 700,
      currency: 'eur',
    });
    expect(normalized(normalizeStripeEvent(modern, context))).toMatchObject({
      objectId: 'ch_9',
      amount: 700,
      currency: 'EUR',
    });
  });

  test.each([
    ['invoice.finalized', 'invoice', 'in_5', 'invoice'],
    ['invoice.voided', 'invoice', 'in_5', 'invoice'],
    ['charge.succeeded', 'charge', 'ch_5', 'payment'],
    ['refund.created', 'refund', 're_5', 'refund'],
    ['charge.dispute.closed', 'dispute', 'dp_5', 'refund'],
    ['credit_note.created', 'credit_note', 'cn_5', 'credit_note'],
    ['payout.reconciliation_completed', 'payout', 'po_5', 'payout'],
  ])('%s keys on its own %s id', (type, kind, id, entity) => {
    const event = normalized(
      normalizeStripeEvent(buildEvent(type, { id, object: kind, amount: 100, total: 100, currency: 'jpy' }), context),
    );
    expect(event).toMatchObject({ objectId: id, entity, amount: 100, currency: 'JPY' });
  });

  test('a Connect event carries its account', () => {
    const event = normalized(normalizeStripeEvent(fixture('event-payout.paid.json'), context));
    expect(event).toMatchObject({
      stripeAccount: 'acct_1CZ5vkLlCJ9CeQRe',
      livemode: true,
      amount: 7311,
      currency: 'BRL',
    });
  });

  test('an event type we do not handle is unhandled, not invalid', () => {
    expect(normalizeStripeEvent(fixture('event-invoice.updated.json'), context)).toEqual({
      kind: 'unhandled',
      type: 'invoice.updated',
    });
  });

  test('a handled type carrying another object kind is invalid', () => {
    const result = normalizeStripeEvent(buildEvent('payout.paid', { id: 'in_1', object: 'invoice' }), context);
    expect(result.kind).toBe('invalid');
  });

  test('an envelope missing its parts names every problem', () => {
    const result = normalizeStripeEvent({ type: 7, data: {} }, context);
    expect(result).toEqual({
      kind: 'invalid',
      problems: expect.arrayContaining([
        '/id must be a non-empty string',
        '/type must be a non-empty string',
        '/created must be a unix timestamp',
        '/livemode must be a boolean',
        '/data/object must be an object',
      ]),
    });
    expect(normalizeStripeEvent('nope', context).kind).toBe('invalid');
  });
});
