import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import {
  buildScenario,
  createScenarioStripeReader,
  type Scenario,
  type ScenarioEvent,
  type StripeRecord,
} from '../../../dev/scenario/scenario';
import type { StripeReader } from '../../../shared/stripe/ports';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { STRIPE_API_VERSION } from '../../../shared/stripe/api-version';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

const fixturesDir = join(__dirname, '../../fixtures/stripe');

/** The real basil+ charge (no `invoice` field): a one-off Checkout / Payment Links sale once captured. */
const CHARGE_TEMPLATE = JSON.parse(
  readFileSync(join(__dirname, '../../fixtures/stripe-api/object-charge.json'), 'utf8'),
) as StripeRecord;

/** `charge.succeeded` as an endpoint on our pinned (basil+) API version sends it. */
function basilChargeSucceeded(id: string, paymentIntent: string, amount: number, created: number): ScenarioEvent {
  const charge: StripeRecord = {
    ...CHARGE_TEMPLATE,
    id,
    payment_intent: paymentIntent,
    amount,
    amount_captured: amount,
    captured: true,
    paid: true,
    status: 'succeeded',
    currency: 'usd',
    customer: null,
    description: `Checkout ${id}`,
    created,
    livemode: false,
    balance_transaction: `txn_${id}`,
  };
  expect('invoice' in charge).toBe(false);
  return {
    id: `evt_${id}`,
    object: 'event',
    api_version: STRIPE_API_VERSION,
    type: 'charge.succeeded',
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: charge },
  };
}

function withMarker(stack: LocalStack, entity: string, stripeId: string) {
  return stack.simulator!.entities(stack.tenants[0]!.realmId, entity).filter((o) =>
    // A QBO Customer keeps our marker in Notes (it has no PrivateNote).
    String((entity === 'Customer' ? o.Notes : o.PrivateNote) ?? '')
      .split(/\s+/)
      .includes(`stripe:${stripeId}`),
  );
}

async function audited(stack: LocalStack, where: string) {
  return waitFor(
    async () => ((await stack.archiver.count('audit_records', where)) > 0 ? true : undefined),
    `an audit row where ${where}`,
  );
}

async function posted(stack: LocalStack, stripeId: string) {
  return waitFor(async () => {
    const entry = await stack.stores.ledger.get({ tenantId: 'demo', stripeId, operation: 'create' });
    return entry?.state === 'posted' ? entry : undefined;
  }, `${stripeId} to be posted`);
}

const byType = (scenario: Scenario, type: string, index = 0): ScenarioEvent =>
  scenario.events.filter((e) => e.type === type)[index]!;

describe('basil+ charges: the payment consumer asks Stripe whether the intent pays an invoice', () => {
  let stack: LocalStack;
  let scenario: Scenario;
  const asked: string[] = [];
  let stripeFailures = 0;

  beforeAll(async () => {
    scenario = buildScenario({ seed: 11, objects: 6, fixturesDir });
    const reader = createScenarioStripeReader(scenario);
    const observed: StripeReader = {
      ...reader,
      async invoiceForPaymentIntent(tenant, paymentIntentId) {
        asked.push(paymentIntentId);
        if (stripeFailures > 0) {
          stripeFailures -= 1;
          throw new Stripe.errors.StripeAPIError({ message: 'An unknown error occurred', statusCode: 500 });
        }
        return reader.invoiceForPaymentIntent(tenant, paymentIntentId);
      },
    };
    stack = await startTestStack({ stripe: observed });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('a standalone sale becomes one SalesReceipt for its amount', async () => {
    const event = basilChargeSucceeded('ch_basilsale01', 'pi_basilsale01', 12_345, 1_767_225_600);
    expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
    await posted(stack, 'ch_basilsale01');
    await audited(stack, `"stripeId" = 'ch_basilsale01' AND "outcome" = 'posted' AND "qboEntity" = 'SalesReceipt'`);
    const receipts = withMarker(stack, 'SalesReceipt', 'ch_basilsale01');
    expect(receipts).toHaveLength(1);
    expect(Math.round(Number(receipts[0]!.TotalAmt) * 100)).toBe(12_345);
    expect(asked).toContain('pi_basilsale01');
    expect(await stack.archiver.count('audit_records', `"reason" = 'charge_invoice_unknown'`)).toBe(0);
  });

  it('a charge whose intent pays an invoice is left to the invoice payment, which posts once', async () => {
    const invoice = byType(scenario, 'invoice.finalized');
    const payment = byType(scenario, 'invoice_payment.paid');
    const paymentIntent = String((payment.data.object.payment as { payment_intent: string }).payment_intent);
    const amount = Number(payment.data.object.amount_paid);
    const chargeId = `ch_${paymentIntent.slice('pi_'.length)}`;
    const charge = basilChargeSucceeded(chargeId, paymentIntent, amount, payment.created);
    for (const event of [charge, invoice, payment, charge])
      expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
    await posted(stack, paymentIntent);
    await audited(stack, `"stripeId" = '${chargeId}' AND "reason" = 'charge_has_invoice'`);
    await waitFor(
      async () =>
        (await stack.archiver.count(
          'audit_records',
          `"stripeId" = '${chargeId}' AND "reason" = 'charge_has_invoice'`,
        )) >= 2
          ? true
          : undefined,
      'both copies of the charge to be skipped',
    );
    expect(withMarker(stack, 'SalesReceipt', chargeId)).toHaveLength(0);
    expect(withMarker(stack, 'Payment', paymentIntent)).toHaveLength(1);
    expect(Math.round(Number(withMarker(stack, 'Payment', paymentIntent)[0]!.TotalAmt) * 100)).toBe(amount);
    expect(await stack.stores.ledger.get({ tenantId: 'demo', stripeId: chargeId, operation: 'create' })).toBeFalsy();
  });

  it('a Stripe failure while asking is retried, and the sale still posts once', async () => {
    stripeFailures = 1;
    const event = basilChargeSucceeded('ch_basilsale02', 'pi_basilsale02', 990, 1_767_225_700);
    expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
    await posted(stack, 'ch_basilsale02');
    await audited(stack, `"stripeId" = 'ch_basilsale02' AND "outcome" = 'failed' AND "reason" = 'stripe_500'`);
    expect(asked.filter((id) => id === 'pi_basilsale02').length).toBeGreaterThanOrEqual(2);
    expect(withMarker(stack, 'SalesReceipt', 'ch_basilsale02')).toHaveLength(1);
  });
});

describe('basil+ charges with no Stripe reader wired', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('park for review, as before: nothing says whether they pay an invoice', async () => {
    const event = basilChargeSucceeded('ch_basilsale03', 'pi_basilsale03', 500, 1_767_225_800);
    expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
    await audited(
      stack,
      `"stripeId" = 'ch_basilsale03' AND "outcome" = 'parked' AND "reason" = 'charge_invoice_unknown'`,
    );
    expect(withMarker(stack, 'SalesReceipt', 'ch_basilsale03')).toHaveLength(0);
  });
});
