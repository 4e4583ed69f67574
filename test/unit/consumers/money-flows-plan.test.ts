import { addFlow, emptyScenario, type Flow } from '../../../dev/scenario/flows';
import {
  customerCreditFlow,
  failedPayoutFlow,
  failedRefundFlow,
  manualCaptureFlow,
  mixedCreditNoteFlow,
  multicurrencyFlow,
  negativePayoutFlow,
} from '../../../dev/scenario/money-flows';
import { createScenarioStripeReader } from '../../../dev/scenario/stripe-reader';
import { buildPlan, type PlannedOperation } from '../../../shared/accounting/plan';
import { enrich } from '../../../shared/consumers/enrich';
import { normalizeStripeEvent } from '../../../shared/ingest/normalize';
import { buildTenantSettings } from '../../support/tenants';

const START = 1_767_225_600;
const singleCurrency = buildTenantSettings({ accounts: { ...buildTenantSettings().accounts, outOfBandRefunds: '36' } });
const multicurrency = buildTenantSettings({
  qbo: { ...singleCurrency.qbo, multicurrency: true },
  accounts: { ...singleCurrency.accounts, fxGainLoss: '97' },
});

/** Every event of the flow through enrich (the scenario's reader) and the planner: what the consumers would post. */
async function planFlow(flow: Flow, tenant = singleCurrency) {
  const scenario = emptyScenario();
  addFlow(scenario, flow);
  const reader = createScenarioStripeReader(scenario);
  const operations: PlannedOperation[] = [];
  const parked: string[] = [];
  for (const raw of flow.events) {
    const normalized = normalizeStripeEvent(raw, { tenantId: tenant.tenantId, source: 'webhook', receivedAt: '' });
    if (normalized.kind !== 'normalized') throw new Error(`${raw.type} did not normalize`);
    const plan = buildPlan({ settings: tenant, ...(await enrich(normalized.event, tenant, reader)) });
    if (plan.parked) parked.push(`${raw.type}: ${plan.parked.reason} ${plan.parked.detail}`);
    operations.push(...plan.operations);
  }
  return { operations, parked };
}

/** Each Stripe write once (the ledger's exactly-once), as the consumers would leave QBO. */
const distinct = (operations: PlannedOperation[]) => [
  ...new Map(operations.map((o) => [`${o.stripeId}:${o.operation}`, o])).values(),
];

describe('the money flows plan without parking when enrich reads Stripe for them', () => {
  it.each([
    ['a failed payout', failedPayoutFlow],
    ['a negative payout', negativePayoutFlow],
    ['a failed refund', failedRefundFlow],
    ['a manual capture', manualCaptureFlow],
    ['an invoice paid from customer credit', customerCreditFlow],
    ['a mixed credit note', mixedCreditNoteFlow],
  ])('%s', async (_name, build) => {
    const flow = build('t', START);
    const { operations, parked } = await planFlow(flow);
    expect(parked).toEqual([]);
    const planned = new Map(distinct(operations).map((o) => [o.stripeId, o]));
    for (const item of flow.expected) {
      const operation = planned.get(item.stripeId);
      expect([item.stripeId, operation?.entity]).toEqual([item.stripeId, item.qboEntity]);
      if (item.amountMinor !== undefined)
        expect([item.stripeId, operation?.expectedTotal]).toEqual([item.stripeId, (item.amountMinor / 100).toFixed(2)]);
    }
  });

  it('a foreign-currency payment and its payout, in a multicurrency company', async () => {
    const flow = multicurrencyFlow('m', START);
    const { operations, parked } = await planFlow(flow, multicurrency);
    expect(parked).toEqual([]);
    expect(distinct(operations).map((o) => [o.entity, o.currency, o.expectedTotal, o.body.ExchangeRate])).toEqual([
      ['Customer', 'EUR', undefined, undefined],
      ['Invoice', 'EUR', '33.33', undefined],
      ['Payment', 'EUR', '33.33', 1.0935],
      ['JournalEntry', 'USD', '0.01', undefined],
      ['Deposit', 'USD', expect.any(String), undefined],
    ]);
  });
});
