import { join } from 'node:path';
import {
  buildScenario,
  createScenarioStripeReader,
  shuffle,
  seededRandom,
  type Scenario,
  type ScenarioEvent,
} from '../../../dev/scenario/scenario';
import { reviewCommand } from '../../../shared/cli/commands/ops';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { buildDemoTenant } from '../../../dev/local-stack/demo-tenant';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

const fixturesDir = join(__dirname, '../../fixtures/stripe');

function withMarker(stack: LocalStack, entity: string, stripeId: string) {
  return stack.simulator!.entities(stack.tenants[0]!.realmId, entity).filter((o) =>
    // A QBO Customer keeps our marker in Notes (it has no PrivateNote).
    String((entity === 'Customer' ? o.Notes : o.PrivateNote) ?? '')
      .split(/\s+/)
      .includes(`stripe:${stripeId}`),
  );
}

async function posted(stack: LocalStack, stripeId: string, operation = 'create') {
  return waitFor(async () => {
    const entry = await stack.stores.ledger.get({ tenantId: 'demo', stripeId, operation });
    return entry?.state === 'posted' ? entry : undefined;
  }, `${stripeId} to be posted`);
}

async function audited(stack: LocalStack, where: string) {
  return waitFor(
    async () => ((await stack.archiver.count('audit_records', where)) > 0 ? true : undefined),
    `an audit row where ${where}`,
  );
}

const byType = (scenario: Scenario, type: string, index = 0): ScenarioEvent =>
  scenario.events.filter((e) => e.type === type)[index]!;

describe('consumers write each Stripe object into QBO exactly once', () => {
  let stack: LocalStack;
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = buildScenario({ seed: 3, objects: 40, fixturesDir });
    stack = await startTestStack({ stripe: createScenarioStripeReader(scenario) });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('the same invoice event delivered three times at once gives one QBO Invoice', async () => {
    const invoice = byType(scenario, 'invoice.finalized', 0);
    const statuses = await Promise.all(
      [1, 2, 3].map(() => deliverStripeEvent(stack, 'demo', invoice).then((r) => r.status)),
    );
    expect(statuses).toEqual([200, 200, 200]);
    const id = String(invoice.data.object.id);
    const entry = await posted(stack, id);
    await audited(stack, `"reason" = 'already_linked' AND "stripeId" = '${id}'`);
    expect(withMarker(stack, 'Invoice', id)).toHaveLength(1);
    expect(withMarker(stack, 'Invoice', id)[0]!.Id).toBe(entry.qboId);
  });

  it('a payment that arrives before its invoice waits for it, and both land once', async () => {
    const payment = byType(scenario, 'invoice_payment.paid', 1);
    const invoiceId = String((payment.data.object as { invoice: string }).invoice);
    expect((await deliverStripeEvent(stack, 'demo', payment)).status).toBe(200);
    // The invoice's own webhook comes later; meanwhile the payment consumer asked for it as a dependency.
    const invoice = scenario.events.find((e) => e.type === 'invoice.finalized' && e.data.object.id === invoiceId)!;
    expect((await deliverStripeEvent(stack, 'demo', invoice)).status).toBe(200);
    await posted(stack, invoiceId);
    const payments = await waitFor(async () => {
      const found = stack
        .simulator!.entities(stack.tenants[0]!.realmId, 'Payment')
        .filter((p) => JSON.stringify(p.Line ?? []).includes('"TxnType":"Invoice"'));
      const linked = found.filter((p) =>
        JSON.stringify(p.Line).includes(`"TxnId":"${withMarker(stack, 'Invoice', invoiceId)[0]?.Id}"`),
      );
      return linked.length > 0 ? linked : undefined;
    }, 'the payment applied to its invoice');
    expect(payments).toHaveLength(1);
    expect(withMarker(stack, 'Invoice', invoiceId)).toHaveLength(1);
    expect(Number(withMarker(stack, 'Invoice', invoiceId)[0]!.Balance)).toBeLessThan(
      Number(withMarker(stack, 'Invoice', invoiceId)[0]!.TotalAmt),
    );
  });

  it("a refund that arrives before its charge's invoice and payment lands once, and so do they", async () => {
    const refund = byType(scenario, 'refund.created', 1);
    const paymentIntent = String((refund.data.object as { payment_intent: string }).payment_intent);
    const payment = scenario.events.find(
      (e) => e.type === 'invoice_payment.paid' && JSON.stringify(e.data.object).includes(`"${paymentIntent}"`),
    )!;
    const invoiceId = String((payment.data.object as { invoice: string }).invoice);
    const invoice = scenario.events.find((e) => e.type === 'invoice.finalized' && e.data.object.id === invoiceId)!;
    for (const event of [refund, payment, invoice, refund])
      expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
    const refundId = String(refund.data.object.id);
    await posted(stack, refundId);
    await posted(stack, invoiceId);
    await posted(stack, paymentIntent);
    const receipts = withMarker(stack, 'RefundReceipt', refundId);
    expect(receipts).toHaveLength(1);
    expect(Math.round(Number(receipts[0]!.TotalAmt) * 100)).toBe((refund.data.object as { amount: number }).amount);
    expect(withMarker(stack, 'Invoice', invoiceId)).toHaveLength(1);
    expect(withMarker(stack, 'Payment', paymentIntent)).toHaveLength(1);
  });

  it('events of several objects in shuffled order all land once, to the cent', async () => {
    const rest = scenario.events
      .filter((e) => ['in_', 'inpay_', 'cus_', 're_', 'cn_'].some((p) => String(e.data.object.id).startsWith(p)))
      .slice(8, 20);
    for (const event of shuffle([...rest, ...rest.slice(0, 4)], seededRandom(9)))
      expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
    const expected = scenario.expected.filter((x) =>
      rest.some(
        (e) => e.data.object.id === x.stripeId || (e.data.object as { invoice?: string }).invoice === x.stripeId,
      ),
    );
    for (const item of expected.filter((x) => x.qboEntity === 'Invoice')) {
      await posted(stack, item.stripeId);
      const objects = withMarker(stack, 'Invoice', item.stripeId);
      expect(objects).toHaveLength(1);
      expect(Math.round(Number(objects[0]!.TotalAmt) * 100)).toBe(item.amountMinor);
    }
  });

  it('a QBO write whose response is lost is recovered by the probe, not duplicated', async () => {
    const customer = byType(scenario, 'customer.created', 8);
    const id = String(customer.data.object.id);
    const faultsBefore = stack.simulator!.stats().faultsInjected;
    stack.simulator!.injectFault({ kind: 'timeout_after_commit', count: 1, entity: 'Customer' });
    expect((await deliverStripeEvent(stack, 'demo', customer)).status).toBe(200);
    await posted(stack, id);
    // QBO kept the write and lost the answer; the retry (same requestid, then the marker probe) must not write again.
    expect(stack.simulator!.stats().faultsInjected).toBeGreaterThan(faultsBefore);
    await audited(stack, `"stripeId" = '${id}' AND "outcome" = 'posted'`);
    expect(withMarker(stack, 'Customer', id)).toHaveLength(1);
  });

  it('an expired access token is refreshed and the write goes through', async () => {
    const customer = byType(scenario, 'customer.created', 9);
    const id = String(customer.data.object.id);
    stack.simulator!.injectFault({ kind: 'auth_expired', count: 1 });
    expect((await deliverStripeEvent(stack, 'demo', customer)).status).toBe(200);
    await posted(stack, id);
    expect(withMarker(stack, 'Customer', id)).toHaveLength(1);
  });
});

describe('tenant settings decide what posts', () => {
  let stack: LocalStack;
  let scenario: Scenario;
  beforeAll(async () => {
    scenario = buildScenario({ seed: 5, objects: 8, fixturesDir });
    stack = await startTestStack({ stripe: createScenarioStripeReader(scenario) });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });
  const out = { stdout: () => undefined, stderr: () => undefined };
  const ops = () => ({ ...stack.runtime, stores: stack.stores, topicPrefix: stack.topicPrefix, env: process.env });

  it('a missing account mapping parks with the key named; fixed and retried, it posts', async () => {
    const tenant = buildDemoTenant();
    await stack.stores.tenants.put({ ...tenant, items: { taxItem: tenant.items.taxItem!, byStripeProduct: {} } });
    const invoice = byType(scenario, 'invoice.finalized', 0);
    const id = String(invoice.data.object.id);
    expect((await deliverStripeEvent(stack, 'demo', invoice)).status).toBe(200);
    const item = await waitFor(
      async () => (await stack.stores.reviewQueue.list({ status: 'open', reason: 'settings_incomplete' }))[0],
      'the parked invoice',
    );
    expect(item.detail).toContain('items.defaultItem');
    expect(withMarker(stack, 'Invoice', id)).toHaveLength(0);
    await stack.stores.tenants.put(tenant);
    expect(await reviewCommand(['retry', item.reviewId], ops(), out)).toBe(0);
    await posted(stack, id);
    expect(withMarker(stack, 'Invoice', id)).toHaveLength(1);
  });

  it('dry-run posts nothing and keeps the plan; autoPost off waits for approval, then posts', async () => {
    const tenant = buildDemoTenant();
    await stack.stores.tenants.put({ ...tenant, flags: { dryRun: true, autoPost: true } });
    const invoice = byType(scenario, 'invoice.finalized', 1);
    const id = String(invoice.data.object.id);
    expect((await deliverStripeEvent(stack, 'demo', invoice)).status).toBe(200);
    const planned = await waitFor(
      async () => (await stack.stores.reviewQueue.list({ status: 'open', reason: 'dry_run' }))[0],
      'the dry-run plan',
    );
    expect((planned.proposal as { operations: unknown[] }).operations.length).toBeGreaterThan(0);
    expect(withMarker(stack, 'Invoice', id)).toHaveLength(0);

    await stack.stores.tenants.put({ ...tenant, flags: { dryRun: false, autoPost: false } });
    expect((await deliverStripeEvent(stack, 'demo', invoice)).status).toBe(200);
    const waiting = await waitFor(
      async () => (await stack.stores.reviewQueue.list({ status: 'open', reason: 'awaiting_approval' }))[0],
      'the approval item',
    );
    expect(withMarker(stack, 'Invoice', id)).toHaveLength(0);
    expect(await reviewCommand(['approve', waiting.reviewId], ops(), out)).toBe(0);
    await posted(stack, id);
    expect(withMarker(stack, 'Invoice', id)).toHaveLength(1);
  });
});
