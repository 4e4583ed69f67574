import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { syntheticEventsFor } from '../../../shared/backfill/synthetic-events';
import { normalizeStripeEvent } from '../../../shared/ingest/normalize';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', 'stripe-api', `${name}.json`), 'utf8')) as Record<
    string,
    unknown
  > & { id: string };

describe('backfill wraps listed objects in the events their state stands for', () => {
  test.each([
    ['customers', 'object-customer', {}, ['customer.created']],
    ['invoices', 'object-invoice-openapi-latest', { status: 'draft' }, []],
    ['invoices', 'object-invoice-openapi-latest', { status: 'open' }, ['invoice.finalized']],
    ['invoices', 'object-invoice-openapi-latest', { status: 'paid' }, ['invoice.finalized', 'invoice.paid']],
    ['invoices', 'object-invoice-openapi-latest', { status: 'void' }, ['invoice.voided']],
    ['invoice_payments', 'object-invoice_payment', { status: 'paid' }, ['invoice_payment.paid']],
    ['charges', 'object-charge', { status: 'succeeded' }, ['charge.succeeded']],
    ['charges', 'object-charge', { status: 'succeeded', invoice: 'in_1' }, []],
    ['refunds', 'object-refund', { status: 'failed' }, []],
    ['credit_notes', 'object-credit_note', { status: 'void' }, ['credit_note.created', 'credit_note.voided']],
    [
      'payouts',
      'object-payout',
      { status: 'paid', reconciliation_status: 'completed' },
      ['payout.paid', 'payout.reconciliation_completed'],
    ],
    ['payouts', 'object-payout', { status: 'in_transit' }, []],
  ] as const)('%s from %s with %j → %j', (entity, file, overrides, types) => {
    const object = { ...fixture(file), ...overrides };
    const events = syntheticEventsFor(entity, object, {});
    expect(events.map((e) => e.type)).toEqual(types);
    for (const event of events) {
      const result = normalizeStripeEvent(event, {
        tenantId: 'acme',
        source: 'backfill',
        receivedAt: '2026-01-01T00:00:00Z',
      });
      expect(result.kind).toBe('normalized');
    }
  });

  test('event ids are stable and distinct per object, and a Connect account is carried', () => {
    const invoice = { ...fixture('object-invoice-openapi-latest'), id: 'in_x', status: 'paid' };
    const events = syntheticEventsFor('invoices', invoice, { stripeAccount: 'acct_1' });
    expect(events.map((e) => e.id)).toEqual(['bf_in_x', 'bf_in_x.invoice.paid']);
    expect(events.every((e) => e.account === 'acct_1')).toBe(true);
  });
});
