import { buildDemoTenant, DEMO_TENANT_COMPANY } from '../../../dev/local-stack/demo-tenant';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { DEMO_ACCOUNT_IDS, account } from '../../../dev/qbo-simulator/demo-company';
import { checkQbo } from '../../../dev/scenario/check-qbo';
import { addFlow, emptyScenario, type Flow } from '../../../dev/scenario/flows';
import {
  customerCreditFlow,
  failedPayoutFlow,
  failedRefundFlow,
  manualCaptureFlow,
  mixedCreditNoteFlow,
  multicurrencyFlow,
  negativePayoutFlow,
  vatInvoiceFlow,
} from '../../../dev/scenario/money-flows';
import { createScenarioStripeReader } from '../../../dev/scenario/stripe-reader';
import type { ScenarioEvent } from '../../../dev/scenario/scenario';
import { accountBalance } from '../../support/qbo-ledger';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

const START = 1_767_225_600;
/** Out-of-band refunds leave from the bank itself in these tests. */
const tenant = buildDemoTenant({
  accounts: { ...buildDemoTenant().accounts, outOfBandRefunds: DEMO_ACCOUNT_IDS.checking },
});

function withMarker(stack: LocalStack, entity: string, stripeId: string) {
  return stack.simulator!.entities(stack.tenants[0]!.realmId, entity).filter((o) =>
    String(o.PrivateNote ?? '')
      .split(/\s+/)
      .includes(`stripe:${stripeId}`),
  );
}

async function deliver(stack: LocalStack, events: readonly ScenarioEvent[]): Promise<void> {
  for (const event of events) expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
}

/** Every QBO write the flow expects is posted in the ledger. */
async function landed(stack: LocalStack, flow: Flow, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      for (const item of flow.expected) {
        const entry = await stack.stores.ledger.get({ tenantId: 'demo', stripeId: item.stripeId, operation: 'create' });
        if (entry?.state !== 'posted') return undefined;
      }
      return true;
    },
    `every QBO object of ${flow.name}`,
    timeoutMs,
  );
}

/**
 * What every flow must leave behind: each expected object exactly once and penny-perfect, no duplicate of anything
 * the planner writes, nothing parked, and the Stripe clearing account back at zero once the last payout swept it.
 */
async function expectBooked(stack: LocalStack, flow: Flow): Promise<void> {
  const simulator = stack.simulator!;
  const check = await checkQbo(
    { entities: async (realmId, entity) => simulator.entities(realmId, entity) },
    stack.tenants[0]!.realmId,
    flow.expected,
  );
  expect(check).toMatchObject({ duplicates: 0, missing: 0, pennyMismatches: 0, examples: [] });
  expect(await stack.archiver.count('audit_records', `"outcome" = 'parked'`)).toBe(0);
  expect(await accountBalance(stack, DEMO_ACCOUNT_IDS.stripeClearing)).toBe(0);
  const clearing = simulator
    .entities(stack.tenants[0]!.realmId, 'Account')
    .find((candidate) => candidate.Id === DEMO_ACCOUNT_IDS.stripeClearing);
  expect(clearing?.CurrentBalance).toBe(0);
}

/** Stripe delivers at least once: every event of the flow again, after it landed, must change nothing. */
async function redeliver(stack: LocalStack, flow: Flow): Promise<void> {
  const before = await stack.archiver.count('audit_records', `"outcome" = 'skipped'`);
  await deliver(stack, flow.events);
  await waitFor(
    async () =>
      (await stack.archiver.count('audit_records', `"outcome" = 'skipped'`)) >= before + flow.events.length
        ? true
        : undefined,
    `the redelivered events of ${flow.name} to be settled`,
  );
}

describe('money flows end to end: Stripe → consumers (enrich reads Stripe) → the QBO simulator', () => {
  let stack: LocalStack;
  const scenario = emptyScenario();

  beforeAll(async () => {
    stack = await startTestStack({ stripe: createScenarioStripeReader(scenario), tenants: [tenant] });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  async function run(flow: Flow): Promise<void> {
    addFlow(scenario, flow);
    await deliver(stack, flow.events);
    await landed(stack, flow);
    await redeliver(stack, flow);
    await expectBooked(stack, flow);
  }

  it('a payout that failed before it was paid is booked, reversed, and paid out again by the next payout', async () => {
    const flow = failedPayoutFlow('fp', START);
    await run(flow);
    const failedId = flow.expected.find((item) => item.stripeId.endsWith('/failed'))!.stripeId.split('/')[0]!;
    const [reversal] = withMarker(stack, 'JournalEntry', `${failedId}/failed`);
    expect(reversal?.PrivateNote).toContain(`reverses payout ${failedId}`);
  });

  it('a negative payout takes the money back out of the bank into the Stripe balance', async () => {
    await run(negativePayoutFlow('np', START + 10_000));
  });

  it('a refund that failed is receipted once and reversed once, whichever of its events come', async () => {
    await run(failedRefundFlow('fr', START + 20_000));
  });

  it('a manually captured sale is booked once, for what was captured', async () => {
    const flow = manualCaptureFlow('mc', START + 30_000);
    await run(flow);
    const chargeId = flow.expected.find((item) => item.qboEntity === 'SalesReceipt')!.stripeId;
    await waitFor(
      async () =>
        (await stack.archiver.count(
          'audit_records',
          `"stripeId" = '${chargeId}' AND "reason" = 'charge_not_succeeded'`,
        )) > 0
          ? true
          : undefined,
      'the authorisation to be skipped',
    );
  });

  it("an invoice paid from the customer's credit applies the credit note's memo, even when the note comes later", async () => {
    const flow = customerCreditFlow('cc', START + 40_000);
    addFlow(scenario, flow);
    const note = flow.events.find((event) => event.type === 'credit_note.created')!;
    const secondInvoice = flow.events.filter((event) => event.type === 'invoice.finalized')[1]!;
    const secondId = String(secondInvoice.data.object.id);
    // The invoice first: its Invoice posts, its credit application waits for the credit note's CreditMemo.
    await deliver(
      stack,
      flow.events.filter((event) => event !== note && event.type !== 'payout.paid'),
    );
    await waitFor(
      async () =>
        (await stack.stores.ledger.get({ tenantId: 'demo', stripeId: secondId, operation: 'create' }))?.state ===
        'posted'
          ? true
          : undefined,
      'the second invoice to post',
    );
    // The application waits for the CreditMemo as a state, not a retry: creditmemo is asked of nobody (no
    // Stripe object stands for it), the credit note's own event writes it and releases the waiter.
    const noteId = String(note.data.object.id);
    await waitFor(
      async () =>
        (await stack.archiver.count(
          'audit_records',
          `"stripeId" = '${secondId}' AND "outcome" = 'waiting' AND "detail" = 'creditmemo:${noteId}'`,
        )) > 0
          ? true
          : undefined,
      'the credit application to wait for its credit memo',
    );
    expect(withMarker(stack, 'Payment', `${secondId}/credit`)).toHaveLength(0);
    await deliver(stack, [note, ...flow.events.filter((event) => event.type === 'payout.paid')]);
    await landed(stack, flow);
    await redeliver(stack, flow);
    await expectBooked(stack, flow);
    const [invoice] = withMarker(stack, 'Invoice', secondId);
    expect(invoice?.Balance).toBe(0);
    const [memo] = withMarker(stack, 'CreditMemo', noteId);
    expect(memo?.RemainingCredit).toBe(0);
    // The wait spent no delivery attempt. The one failure allowed is contention: the dependency request for the
    // invoice (`dep_invoice_…`) may meet the invoice's own event holding the lease (`leased_elsewhere`).
    expect(
      await stack.archiver.count(
        'audit_records',
        `"stripeId" = '${secondId}' AND "outcome" = 'failed' AND "reason" <> 'leased_elsewhere'`,
      ),
    ).toBe(0);
  });

  it('a mixed credit note with tax: refund, out-of-band refund, pre-payment credit applied, the rest left as credit', async () => {
    const flow = mixedCreditNoteFlow('mx', START + 50_000);
    await run(flow);
    const note = flow.events.find((event) => event.type === 'credit_note.created')!.data.object;
    const [invoice] = withMarker(stack, 'Invoice', String(note.invoice));
    expect(invoice?.Balance).toBe(0);
    const [memo] = withMarker(stack, 'CreditMemo', String(note.id));
    expect(memo?.RemainingCredit).toBe(24);
    const [refund] = withMarker(stack, 'RefundReceipt', String((note.refunds as Array<{ refund: string }>)[0]!.refund));
    expect(refund?.PrivateNote).toContain(`credit note ${String(note.id)}`);
  });
});

describe('a foreign-currency payment and its payout, in a multicurrency QBO company', () => {
  let stack: LocalStack;
  const scenario = emptyScenario();
  const FX_ACCOUNT = '96';

  beforeAll(async () => {
    const multicurrency = buildDemoTenant({
      qbo: { ...tenant.qbo, multicurrency: true },
      accounts: { ...tenant.accounts, fxGainLoss: FX_ACCOUNT },
    });
    stack = await startTestStack({ stripe: createScenarioStripeReader(scenario), tenants: [multicurrency] });
    // The company as its owner set it up: multicurrency on, and an account for realized exchange differences.
    stack.simulator!.seedCompany(multicurrency.qbo.realmId, {
      ...DEMO_TENANT_COMPANY,
      settings: { ...DEMO_TENANT_COMPANY.settings, multicurrency: true },
      entities: {
        ...DEMO_TENANT_COMPANY.entities,
        Account: [
          ...(DEMO_TENANT_COMPANY.entities?.Account ?? []),
          account([FX_ACCOUNT, 'Exchange Gain or Loss', 'Other Expense', 'ExchangeGainOrLoss', 'Expense']),
        ],
      },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("posts the payment at Stripe's rate, books the cent Stripe rounded away, and clears the balance in home currency", async () => {
    const flow = multicurrencyFlow('fx', START);
    addFlow(scenario, flow);
    await deliver(stack, flow.events);
    await landed(stack, flow);
    await redeliver(stack, flow);
    await expectBooked(stack, flow);
    const intentId = flow.expected.find((item) => item.qboEntity === 'Payment')!.stripeId;
    const [payment] = withMarker(stack, 'Payment', intentId);
    expect(payment).toMatchObject({ CurrencyRef: { value: 'EUR' }, ExchangeRate: 1.0935, TotalAmt: 33.33 });
    expect(await accountBalance(stack, FX_ACCOUNT)).toBe(1);
  });
});

describe('a VAT invoice in a QBO company on VAT: the tax line names the sales rate of the mapped tax code', () => {
  let stack: LocalStack;
  const scenario = emptyScenario();

  beforeAll(async () => {
    // The simulator's VAT company: tax code 3 is "20.0% S", whose sales rate is 1; 5 is "Exempt".
    const vat = buildDemoTenant({
      tax: { regime: 'vat', taxCodeByRate: { txr_sales: '3' }, defaultTaxCode: '3', exemptTaxCode: '5' },
    });
    stack = await startTestStack({ stripe: createScenarioStripeReader(scenario), tenants: [vat] });
    stack.simulator!.seedCompany(vat.qbo.realmId, {
      ...DEMO_TENANT_COMPANY,
      settings: { ...DEMO_TENANT_COMPANY.settings, tax: 'vat', country: 'GB' },
    });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('posts the invoice with its VAT on the rate QBO keeps for the code, and clears the payment', async () => {
    const flow = vatInvoiceFlow('vat', START);
    addFlow(scenario, flow);
    await deliver(stack, flow.events);
    await landed(stack, flow);
    await expectBooked(stack, flow);
    const invoiceId = flow.expected.find((item) => item.qboEntity === 'Invoice')!.stripeId;
    const [invoice] = withMarker(stack, 'Invoice', invoiceId);
    expect(invoice).toMatchObject({
      TotalAmt: 120,
      TxnTaxDetail: { TotalTax: 20, TaxLine: [{ Amount: 20, TaxLineDetail: { TaxRateRef: { value: '1' } } }] },
    });
    expect(
      (invoice?.Line as Array<{ SalesItemLineDetail?: { TaxCodeRef?: unknown } }>)[0]?.SalesItemLineDetail,
    ).toMatchObject({ TaxCodeRef: { value: '3' } });
  });
});
