import type { PlannedOperation } from '../../../shared/accounting/plan';
import { createRefResolver } from '../../../shared/consumers/resolve-refs';
import type { LedgerEntry } from '../../../shared/stores/ports';
import { buildSettings } from '../accounting/factories';
import { FakeQbo, MemoryLedger } from './fakes';

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
  const resolveRefs = createRefResolver({
    ledger,
    itemForProduct: async (_tenant, _qbo, productId) => `item-of-${productId}`,
  });
  return { ledger, resolveRefs, qbo: new FakeQbo() };
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

  // Waiting for it is the wait stage's (wait.test.ts): no exception, so no delivery attempt spent.
  it('answers an object that is not posted yet as missing, with the entry of whoever is writing it', async () => {
    const { ledger, resolveRefs, qbo } = setUp();
    const operation = payment({ CustomerRef: { $ref: 'customer:cus_1' } });
    expect(await resolveRefs(tenant, qbo, operation)).toEqual({
      kind: 'missing',
      text: 'customer:cus_1',
      ref: { kind: 'customer', stripeId: 'cus_1' },
      owner: undefined,
    });
    await ledger.reserve({
      tenantId: 'acme',
      stripeId: 'cus_1',
      operation: 'create',
      requestId: 'r',
      qboEntity: 'Customer',
      leaseOwner: 'other',
      leaseMs: 5_000,
      now: 1_000,
    });
    expect(await resolveRefs(tenant, qbo, operation)).toMatchObject({
      kind: 'missing',
      owner: { state: 'pending', leaseOwner: 'other' },
    });
  });

  it('finds nothing to reverse when the reversed object was never posted', async () => {
    const { resolveRefs, qbo } = setUp();
    const reversal = payment({}, { entity: 'Deposit', target: { $ref: 'deposit:po_1' } });
    expect(await resolveRefs(tenant, qbo, reversal)).toEqual({ kind: 'nothing_to_reverse' });
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
