import type { NormalizedEvent } from '../../../schemas/normalized-event.schema';
import type { PlannedOperation } from '../../../shared/accounting/plan';
import type { StripeReader } from '../../../shared/stripe/ports';
import type { PlanRef } from '../../../shared/consumers/ref-resolver';
import { createDependencyRequester, createRefResolver } from '../../../shared/consumers/resolve-refs';
import type { LedgerEntry } from '../../../shared/stores/ports';
import { buildEvent, buildInvoice, buildSettings } from '../accounting/factories';
import { FakeQbo, MemoryLedger, RecordingPublisher } from './fakes';

const tenant = buildSettings();

const payment = (body: Record<string, unknown>, extra: Partial<PlannedOperation> = {}): PlannedOperation => ({
  entity: 'Payment',
  operation: 'create',
  stripeId: 'pi_1',
  stripeObject: 'invoice_payment',
  requestId: 'request-1',
  currency: 'USD',
  body,
  ...extra,
});

function setUp() {
  const ledger = new MemoryLedger();
  const requested: PlanRef[] = [];
  const resolveRefs = createRefResolver({
    ledger,
    itemForProduct: async (_tenant, _qbo, productId) => `item-of-${productId}`,
    taxRateOfCode: async (_tenant, _qbo, taxCodeId) => `rate-of-${taxCodeId}`,
    requestDependency: async (_tenant, ref) => {
      requested.push(ref);
    },
  });
  return { ledger, requested, resolveRefs, qbo: new FakeQbo() };
}

describe('resolve-refs', () => {
  it("resolves a posted object's ref to its QBO id and an unmapped product's to its item", async () => {
    const { ledger, resolveRefs, qbo } = setUp();
    ledger.posted('acme', 'in_1', '41');
    const operation = payment({
      Line: [{ LinkedTxn: [{ TxnId: { $ref: 'invoice:in_1' } }], ItemRef: { $ref: 'item:prod_A' } }],
    });
    expect(await resolveRefs(tenant, qbo, operation)).toEqual({
      kind: 'resolved',
      ids: new Map([
        ['invoice:in_1', '41'],
        ['item:prod_A', 'item-of-prod_A'],
      ]),
    });
  });

  it("resolves a VAT line's tax rate from its QBO tax code, with nothing to wait for", async () => {
    const { requested, resolveRefs, qbo } = setUp();
    const operation = payment({
      TxnTaxDetail: { TaxLine: [{ TaxLineDetail: { TaxRateRef: { $ref: 'taxrate:3' } } }] },
    });
    expect(await resolveRefs(tenant, qbo, operation)).toEqual({
      kind: 'resolved',
      ids: new Map([['taxrate:3', 'rate-of-3']]),
    });
    expect(requested).toEqual([]);
  });

  it('asks for an object that is not posted yet and comes back later', async () => {
    const { requested, resolveRefs, qbo } = setUp();
    const operation = payment({ CustomerRef: { $ref: 'customer:cus_1' } });
    await expect(resolveRefs(tenant, qbo, operation)).rejects.toMatchObject({
      failureClass: 'retryable',
      code: 'dependency_pending',
      detail: 'customer:cus_1',
    });
    expect(requested).toEqual([{ kind: 'customer', stripeId: 'cus_1' }]);
  });

  it('finds nothing to reverse when the reversed object was never posted, and asks for nothing', async () => {
    const { requested, resolveRefs, qbo } = setUp();
    const reversal = payment({}, { entity: 'Deposit', target: { $ref: 'deposit:po_1' } });
    expect(await resolveRefs(tenant, qbo, reversal)).toEqual({ kind: 'nothing_to_reverse' });
    expect(requested).toEqual([]);
  });

  it("reads an invoice's customer off the ledger, or off the QBO invoice for entries from before the ledger kept it", async () => {
    const { ledger, resolveRefs, qbo } = setUp();
    const operation = payment({ CustomerRef: { $ref: 'invoice:in_1#CustomerRef' } });
    ledger.posted('acme', 'in_1', '41', { qboCustomerId: '7' });
    expect(await resolveRefs(tenant, qbo, operation)).toMatchObject({
      ids: new Map([['invoice:in_1#CustomerRef', '7']]),
    });
    expect(qbo.requests).toEqual([]);

    const older = qbo.seed('Invoice', { CustomerRef: { value: '8' } });
    ledger.posted('acme', 'in_1', String(older.Id));
    expect(await resolveRefs(tenant, qbo, operation)).toMatchObject({
      ids: new Map([['invoice:in_1#CustomerRef', '8']]),
    });
    expect(qbo.requests).toEqual(['read Invoice']);
  });

  it('uses what this run just wrote without reading the ledger again', async () => {
    const { resolveRefs, qbo } = setUp();
    const known = new Map<string, LedgerEntry>();
    const ledger = new MemoryLedger();
    ledger.posted('acme', 'cus_1', '7');
    known.set('cus_1', (await ledger.get({ tenantId: 'acme', stripeId: 'cus_1', operation: 'create' }))!);
    const operation = payment({ CustomerRef: { $ref: 'customer:cus_1' } });
    expect(await resolveRefs(tenant, qbo, operation, known)).toMatchObject({ ids: new Map([['customer:cus_1', '7']]) });
  });
});

describe('dependency requests', () => {
  const dependency: NormalizedEvent = {
    ...buildEvent('invoice.finalized', buildInvoice({ id: 'in_dep' })),
    eventId: 'dep_invoice_in_dep',
    source: 'dependency',
  };

  function setUpRequester(reader: Partial<StripeReader> | undefined) {
    const publisher = new RecordingPublisher();
    let clock = 1_000_000;
    const fetched: string[] = [];
    const stripe: StripeReader | undefined = reader && {
      listPayoutBalanceTransactions: async () => [],
      productName: async () => undefined,
      invoiceForPaymentIntent: async () => null,
      listAll: async () => [],
      retrieve: async () => undefined,
      fetchDependency: async (_tenant, ref) => {
        fetched.push(ref.stripeId);
        return dependency;
      },
      ...reader,
    };
    const request = createDependencyRequester({ stripe, publisher, topicPrefix: 'p-', now: () => clock });
    return { publisher, fetched, request, advance: (ms: number) => (clock += ms) };
  }
  const ref = { kind: 'invoice', stripeId: 'in_dep' };

  it("publishes Stripe's current object to its entity topic, keyed by the owning object", async () => {
    const { publisher, request } = setUpRequester({});
    await request(tenant, ref, undefined);
    expect(publisher.published).toEqual([
      {
        topic: 'p-stripe-invoices',
        data: dependency,
        options: {
          orderingKey: 'in_dep',
          attributes: { tenantId: 'acme', entity: 'invoice', eventType: 'invoice.finalized', source: 'dependency' },
        },
      },
    ]);
  });

  it('asks once per quiet period, not on every retry of every dependent', async () => {
    const { publisher, request, advance } = setUpRequester({});
    await request(tenant, ref, undefined);
    advance(29_999);
    await request(tenant, ref, undefined);
    expect(publisher.published).toHaveLength(1);
    advance(1);
    await request(tenant, ref, undefined);
    expect(publisher.published).toHaveLength(2);
  });

  it('does not ask while the owner holds a live lease on it, nor without a Stripe reader', async () => {
    const writing = setUpRequester({});
    const pending = { state: 'pending', leaseExpiresAt: 1_000_000 + 5_000 } as LedgerEntry;
    await writing.request(tenant, ref, pending);
    expect(writing.fetched).toEqual([]);
    const unwired = setUpRequester(undefined);
    await unwired.request(tenant, ref, undefined);
    expect(unwired.publisher.published).toEqual([]);
  });
});
