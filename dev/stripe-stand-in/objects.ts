/**
 * Small, shape-correct Stripe objects (API 2026-10-28.endive field names) for seeding the stand-in with many
 * objects in tests and the demo. Real payloads for shape checks live in test/fixtures/stripe-api; these carry only
 * what listing, normalizing and the recipes read, plus ids that link them to each other.
 */
export type StandInObjectKind =
  'customer' | 'invoice' | 'invoice_payment' | 'charge' | 'refund' | 'credit_note' | 'payout' | 'balance_transaction';

type Fields = Record<string, unknown>;

const TEMPLATES: Record<StandInObjectKind, (id: string) => Fields> = {
  customer: () => ({ name: null, email: null, currency: 'usd', metadata: {} }),
  invoice: (id) => ({
    status: 'open',
    currency: 'usd',
    customer: 'cus_standin',
    number: `SI-${id.slice(-8)}`,
    total: 1000,
    subtotal: 1000,
    amount_due: 1000,
    amount_paid: 0,
    total_taxes: [],
    lines: { object: 'list', data: [], has_more: false, url: `/v1/invoices/${id}/lines` },
    status_transitions: { finalized_at: null, paid_at: null, voided_at: null },
  }),
  invoice_payment: () => ({
    status: 'paid',
    currency: 'usd',
    invoice: 'in_standin',
    amount_paid: 1000,
    amount_requested: 1000,
    is_default: true,
    payment: { type: 'payment_intent', payment_intent: 'pi_standin' },
    status_transitions: { paid_at: null, canceled_at: null },
  }),
  charge: () => ({
    status: 'succeeded',
    paid: true,
    currency: 'usd',
    amount: 1000,
    amount_refunded: 0,
    customer: 'cus_standin',
    payment_intent: null,
    balance_transaction: null,
  }),
  refund: () => ({ status: 'succeeded', currency: 'usd', amount: 500, charge: 'ch_standin', payment_intent: null }),
  credit_note: (id) => ({
    status: 'issued',
    currency: 'usd',
    invoice: 'in_standin',
    customer: 'cus_standin',
    number: `CN-${id.slice(-8)}`,
    total: 500,
    amount: 500,
    type: 'pre_payment',
    lines: { object: 'list', data: [], has_more: false, url: `/v1/credit_notes/${id}/lines` },
  }),
  payout: () => ({
    status: 'paid',
    currency: 'usd',
    amount: 10000,
    automatic: true,
    method: 'standard',
    type: 'bank_account',
    arrival_date: null,
    reconciliation_status: 'completed',
  }),
  balance_transaction: () => ({
    type: 'charge',
    currency: 'usd',
    amount: 1000,
    fee: 59,
    net: 941,
    status: 'available',
    source: 'ch_standin',
    fee_details: [],
    reporting_category: 'charge',
  }),
};

export function buildStripeObject(
  kind: StandInObjectKind,
  base: { id: string; created: number; livemode?: boolean },
  overrides: Fields = {},
): Fields & { id: string; object: string; created: number } {
  return {
    id: base.id,
    object: kind,
    created: base.created,
    livemode: base.livemode ?? false,
    ...TEMPLATES[kind](base.id),
    ...overrides,
  };
}
