import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NormalizedEvent } from '../../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import { EVENT_CATALOGUE } from '../../../shared/catalogue/event-catalogue';
import { isHandledEventType, type HandledEventType } from '../../../shared/stripe/event-types';
import { buildTenantSettings } from '../../support/tenants';

export const FIXTURES = join(__dirname, '../../fixtures/accounting');

export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
}

/** Every account of DESIGN section 6 mapped to its own id, so each line's account says where it went. */
export const EVERY_ACCOUNT = {
  stripeClearing: '35',
  bank: '36',
  stripeFees: '70',
  disputes: '71',
  adjustments: '72',
  discountAccount: '86',
  income: '79',
  refunds: '80',
  stripeReserve: '90',
  failedPayments: '91',
  platformIncome: '92',
  connectTransfers: '93',
  contributions: '94',
  financing: '95',
  issuing: '96',
  fxGainLoss: '97',
  outOfBandRefunds: '98',
} as const;

/**
 * The shared test tenant with what the recipes' tests lean on: an income account, a mapped product (`prod_X` → 5)
 * and a go-live date before every fixture.
 */
export function buildSettings(overrides: Partial<TenantSettings> = {}): TenantSettings {
  const base = buildTenantSettings({ goLiveAt: '2000-01-01T00:00:00Z' });
  return buildTenantSettings({
    goLiveAt: base.goLiveAt,
    accounts: { ...base.accounts, income: '79' },
    items: { ...base.items, byStripeProduct: { prod_X: '5' } },
    ...overrides,
  });
}

/** A NormalizedEvent around a raw Stripe object, as the normalizer would publish it. */
export function buildEvent(
  type: HandledEventType | string,
  object: Record<string, unknown>,
  occurredAt = '2025-06-01T12:00:00.000Z',
): NormalizedEvent {
  return {
    schemaVersion: 1,
    eventId: `evt_${String(object.id)}`,
    source: 'webhook',
    tenantId: 'acme',
    livemode: false,
    type,
    entity: isHandledEventType(type) ? EVENT_CATALOGUE[type].entity : 'invoice',
    objectId: String(object.id),
    occurredAt,
    receivedAt: occurredAt,
    object: object as NormalizedEvent['object'],
  };
}

export interface LineSpec {
  amount: number;
  quantity?: number;
  product?: string;
  description?: string;
  periodStart?: number;
  taxes?: { amount: number; inclusive?: boolean }[];
}

/** A basil+ (2025-03-31) invoice line: `pricing.price_details.product`, `taxes[]`. */
export function buildLine(spec: LineSpec): Record<string, unknown> {
  return {
    object: 'line_item',
    amount: spec.amount,
    quantity: spec.quantity ?? 1,
    description: spec.description ?? 'Widget',
    period: { start: spec.periodStart ?? 1748779200, end: (spec.periodStart ?? 1748779200) + 2592000 },
    pricing: { type: 'price_details', price_details: { price: 'price_1', product: spec.product ?? 'prod_X' } },
    taxes: (spec.taxes ?? []).map((t) => ({
      amount: t.amount,
      tax_behavior: t.inclusive === true ? 'inclusive' : 'exclusive',
      type: 'tax_rate_details',
    })),
  };
}

/** A basil+ finalized invoice; `total` defaults to lines − discounts + exclusive taxes. */
export function buildInvoice(
  overrides: Record<string, unknown> & {
    lineSpecs?: LineSpec[];
    discounts?: number[];
    taxes?: { amount: number; inclusive?: boolean }[];
  } = {},
): Record<string, unknown> {
  const { lineSpecs = [{ amount: 10000, quantity: 2 }], discounts = [], taxes, ...rest } = overrides;
  const lineTaxes = lineSpecs.flatMap((l) => l.taxes ?? []);
  const allTaxes = taxes ?? lineTaxes;
  const exclusive = allTaxes.filter((t) => t.inclusive !== true).reduce((s, t) => s + t.amount, 0);
  const total = lineSpecs.reduce((s, l) => s + l.amount, 0) - discounts.reduce((s, d) => s + d, 0) + exclusive;
  return {
    id: 'in_test1',
    object: 'invoice',
    number: 'ACME-0001',
    currency: 'usd',
    customer: 'cus_test1',
    created: 1748779200,
    collection_method: 'charge_automatically',
    due_date: null,
    status: 'open',
    status_transitions: { finalized_at: 1748779200, paid_at: null, voided_at: null },
    lines: { object: 'list', data: lineSpecs.map(buildLine), has_more: false },
    total_discount_amounts: discounts.map((amount, i) => ({ amount, discount: `di_${i}` })),
    total_taxes: allTaxes.map((t) => ({
      amount: t.amount,
      tax_behavior: t.inclusive === true ? 'inclusive' : 'exclusive',
      type: 'tax_rate_details',
    })),
    total,
    amount_paid: 0,
    ...rest,
  };
}

/** A balance transaction; `net` = amount − fee. */
export function buildBalanceTransaction(
  overrides: Record<string, unknown> & { amount: number },
): Record<string, unknown> {
  const fee = typeof overrides.fee === 'number' ? overrides.fee : 0;
  return {
    id: `txn_${Math.abs(overrides.amount)}_${fee}`,
    object: 'balance_transaction',
    currency: 'usd',
    type: 'charge',
    reporting_category: 'charge',
    fee,
    net: overrides.amount - fee,
    ...overrides,
  };
}

export function buildPayout(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'po_test1',
    object: 'payout',
    amount: 10000,
    currency: 'usd',
    arrival_date: 1748736000, // 2025-06-01T00:00:00Z
    automatic: true,
    created: 1748649600,
    status: 'paid',
    reconciliation_status: 'completed',
    ...overrides,
  };
}
