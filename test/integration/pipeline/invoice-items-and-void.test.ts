import { join } from 'node:path';
import {
  buildScenario,
  createScenarioStripeReader,
  type Scenario,
  type ScenarioEvent,
  type StripeRecord,
} from '../../../dev/scenario/scenario';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { DEMO_TENANT_COMPANY } from '../../../dev/local-stack/demo-tenant';
import { DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

const fixturesDir = join(__dirname, '../../fixtures/stripe');

/** The QBO item an accountant set up under the same name as a Stripe product (quote included, so it must be escaped). */
const GARDEN_ITEM = { id: '40', name: "Gardener's Plan" };

const byType = (scenario: Scenario, type: string, index = 0): ScenarioEvent =>
  scenario.events.filter((e) => e.type === type)[index]!;

function stripeProduct(id: string, name: string): StripeRecord {
  return { id, object: 'product', active: true, created: 1_735_689_600, livemode: false, name, type: 'service' };
}

/** The scenario's invoice with its lines replaced: each line sells `product` for `amount` cents. */
function invoiceSelling(template: ScenarioEvent, lines: Array<{ product: string; amount: number }>): ScenarioEvent {
  const invoice = template.data.object;
  const lineTemplate = (invoice.lines as { data: StripeRecord[] }).data[0]!;
  const price = lineTemplate.price as StripeRecord;
  const total = lines.reduce((sum, line) => sum + line.amount, 0);
  return {
    ...template,
    id: `${template.id}items`,
    data: {
      object: {
        ...invoice,
        subtotal: total,
        subtotal_excluding_tax: total,
        total,
        total_excluding_tax: total,
        amount_due: total,
        amount_remaining: total,
        lines: {
          ...(invoice.lines as StripeRecord),
          data: lines.map((line, index) => ({
            ...lineTemplate,
            id: `il_${String(invoice.id)}_${index}`,
            amount: line.amount,
            quantity: 1,
            plan: null,
            price: { ...price, id: `price_${line.product}`, product: line.product },
          })),
        },
      },
    },
  };
}

/** `invoice.voided` for an invoice the scenario finalized, a minute later, as Stripe sends it. */
function voidedEvent(finalized: ScenarioEvent): ScenarioEvent {
  const voidedAt = finalized.created + 60;
  const invoice = finalized.data.object;
  return {
    ...finalized,
    id: `${finalized.id}void`,
    type: 'invoice.voided',
    created: voidedAt,
    data: {
      object: {
        ...invoice,
        status: 'void',
        amount_remaining: 0,
        status_transitions: { ...(invoice.status_transitions as StripeRecord), voided_at: voidedAt },
      },
    },
  };
}

describe('invoice lines and voids against the QBO company', () => {
  let stack: LocalStack;
  let scenario: Scenario;
  const realm = () => stack.tenants[0]!.realmId;

  const ledgerEntry = (stripeId: string, operation: string) =>
    stack.stores.ledger.get({ tenantId: 'demo', stripeId, operation });

  async function postedInvoice(stripeId: string): Promise<Record<string, unknown>> {
    const entry = await waitFor(async () => {
      const found = await ledgerEntry(stripeId, 'create');
      return found?.state === 'posted' ? found : undefined;
    }, `${stripeId} to be posted`);
    return qboInvoice(entry.qboId!);
  }

  const qboInvoice = (qboId: string) => stack.simulator!.entities(realm(), 'Invoice').find((i) => i.Id === qboId)!;

  async function audited(where: string): Promise<void> {
    await waitFor(
      async () => ((await stack.archiver.count('audit_records', where)) > 0 ? true : undefined),
      `an audit row where ${where}`,
    );
  }

  beforeAll(async () => {
    scenario = buildScenario({ seed: 21, objects: 16, fixturesDir });
    scenario.objects.set('prod_garden', stripeProduct('prod_garden', GARDEN_ITEM.name));
    stack = await startTestStack({ stripe: createScenarioStripeReader(scenario) });
    // The demo company plus the item named like the Stripe product (ids above the demo company's).
    stack.simulator!.seedCompany(realm(), {
      ...DEMO_TENANT_COMPANY,
      entities: {
        ...DEMO_TENANT_COMPANY.entities,
        Item: [
          ...(DEMO_TENANT_COMPANY.entities?.Item ?? []),
          {
            Id: GARDEN_ITEM.id,
            Name: GARDEN_ITEM.name,
            FullyQualifiedName: GARDEN_ITEM.name,
            Active: true,
            Type: 'Service',
            IncomeAccountRef: { value: DEMO_ACCOUNT_IDS.sales },
          },
        ],
      },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('puts a line on the QBO item named like its Stripe product, and other lines on defaultItem', async () => {
    const finalized = byType(scenario, 'invoice.finalized', 0);
    const benchProduct = [...scenario.objects.values()].find((o) => o.object === 'product' && o.id !== 'prod_garden');
    expect(benchProduct?.name).toBe('Bench Subscription');
    const event = invoiceSelling(finalized, [
      { product: 'prod_garden', amount: 12_00 },
      // Named in Stripe, but the QBO company has no item of that name.
      { product: String(benchProduct!.id), amount: 8_00 },
      // Gone from Stripe altogether.
      { product: 'prod_deleted', amount: 5_00 },
    ]);
    expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
    const invoice = await postedInvoice(String(finalized.data.object.id));
    const salesLines = (invoice.Line as Array<Record<string, unknown>>).filter(
      (line) => line.DetailType === 'SalesItemLineDetail',
    );
    expect(
      salesLines.map((line) => [
        line.Amount,
        ((line.SalesItemLineDetail as { ItemRef: { value: string } }).ItemRef ?? {}).value,
      ]),
    ).toEqual([
      [12, GARDEN_ITEM.id],
      [8, DEMO_ITEM_IDS.stripeSales],
      [5, DEMO_ITEM_IDS.stripeSales],
    ]);
    expect(invoice.TotalAmt).toBe(25);
    // The lookup reads QBO; it never adds to the product list.
    expect(stack.simulator!.entities(realm(), 'Item').map((item) => item.Id)).toEqual(
      (DEMO_TENANT_COMPANY.entities?.Item ?? []).map((item) => item.Id).concat(GARDEN_ITEM.id),
    );
  });

  it('does not void an invoice with a payment applied: the void goes to review', async () => {
    const finalized = byType(scenario, 'invoice.finalized', 1);
    const invoiceId = String(finalized.data.object.id);
    const payment = scenario.events.find(
      (e) => e.type === 'invoice_payment.paid' && (e.data.object as { invoice?: string }).invoice === invoiceId,
    )!;
    expect((await deliverStripeEvent(stack, 'demo', finalized)).status).toBe(200);
    const posted = await postedInvoice(invoiceId);
    expect((await deliverStripeEvent(stack, 'demo', payment)).status).toBe(200);
    const paid = await waitFor(async () => {
      const current = qboInvoice(String(posted.Id));
      return Array.isArray(current.LinkedTxn) && current.LinkedTxn.length > 0 ? current : undefined;
    }, 'the payment applied to the invoice');
    expect(paid.Balance).not.toBe(paid.TotalAmt);

    expect((await deliverStripeEvent(stack, 'demo', voidedEvent(finalized))).status).toBe(200);
    const item = await waitFor(
      async () =>
        (await stack.stores.reviewQueue.list({ status: 'open', reason: 'invoice_has_applied_payments' })).find(
          (review) => review.stripeId === invoiceId,
        ),
      'the void parked for review',
    );
    expect(item).toMatchObject({ failureClass: 'rejected', entity: 'invoice' });
    expect(item.detail).toContain(`qboId=${String(posted.Id)}`);
    expect(item.detail).toMatch(/LinkedTxn=Payment:\d+/);
    await audited(`"stripeId" = '${invoiceId}' AND "outcome" = 'parked' AND "reason" = 'invoice_has_applied_payments'`);
    expect(await ledgerEntry(invoiceId, 'void')).toMatchObject({
      state: 'failed',
      detail: 'invoice_has_applied_payments',
    });
    const after = qboInvoice(String(posted.Id));
    expect(after.TotalAmt).toBe(paid.TotalAmt);
    expect(after.Balance).toBe(paid.Balance);
    expect(after.PrivateNote).toBe(`stripe:${invoiceId}`);
  });

  it('voids an invoice with nothing applied to it', async () => {
    const finalized = byType(scenario, 'invoice.finalized', 2);
    const invoiceId = String(finalized.data.object.id);
    expect((await deliverStripeEvent(stack, 'demo', finalized)).status).toBe(200);
    const posted = await postedInvoice(invoiceId);
    expect(posted.Balance).toBe(posted.TotalAmt);

    expect((await deliverStripeEvent(stack, 'demo', voidedEvent(finalized))).status).toBe(200);
    const voided = await waitFor(async () => {
      const entry = await ledgerEntry(invoiceId, 'void');
      return entry?.state === 'posted' ? entry : undefined;
    }, 'the void to be posted');
    expect(voided.qboId).toBe(posted.Id);
    // fixtures/qbo/invoice-void-response.json: QBO zeroes the amounts; Intuit's void reference: "Voided" is
    // prepended to the PrivateNote, so our marker survives the void.
    expect(qboInvoice(String(posted.Id))).toMatchObject({
      TotalAmt: 0,
      Balance: 0,
      PrivateNote: `Voided stripe:${invoiceId}`,
    });
    await audited(`"stripeId" = '${invoiceId}' AND "outcome" = 'posted' AND "reason" = 'void'`);
    const parked = await stack.stores.reviewQueue.list({ status: 'open', reason: 'invoice_has_applied_payments' });
    expect(parked.map((review) => review.stripeId)).not.toContain(invoiceId);
  });
});
