import type { PlannedOperation } from '../../../shared/accounting/plan';
import { writeOnce, probeForEarlierWrite } from '../../../shared/consumers/write-protocol';
import type { WriteContext } from '../../../shared/consumers/write-protocol';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { DuckDbStores } from '../../../shared/stores/duckdb';
import { DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { startHarness } from './harness';
import type { Harness } from './harness';

/**
 * The write protocol (DESIGN section 5) against the simulator with QBO's requestid replay OFF (`never`, the
 * simulator's default): a retry after a lost response meets its own first write as a duplicate DocNumber (6140), a
 * duplicate name (6240) or an already-paid invoice (6000), and must find its marker and link, not park.
 */
describe('write protocol: our own earlier write is linked, not parked, when QBO dedupe is off', () => {
  let h: Harness;
  let stores: DuckDbStores;
  let seq = 0;
  beforeEach(async () => {
    h = await startHarness({ requestIdMode: 'never' });
    stores = await openDuckDbStores(':memory:');
  });
  afterEach(async () => {
    await h.simulator.close();
    await stores.close();
  });

  const context = (): WriteContext => ({
    tenantId: 'acme',
    realmId: h.realmId,
    ledger: stores.ledger,
    qbo: h.client,
    leaseOwner: `attempt-${++seq}`,
    now: Date.now,
  });

  const operation = (spec: Partial<PlannedOperation> & Pick<PlannedOperation, 'entity' | 'stripeId' | 'body'>) =>
    ({
      operation: 'create',
      stripeObject: 'test',
      requestId: `00000000-0000-5000-8000-${String(++seq).padStart(12, '0')}`,
      currency: 'USD',
      ...spec,
      body: { ...spec.body },
    }) as PlannedOperation;

  async function customer(name: string): Promise<string> {
    return String((await h.client.create('Customer', { DisplayName: name }, { requestId: `c-${++seq}` })).Id);
  }

  const invoiceLine = (amount: number) => ({
    Amount: amount,
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: { ItemRef: { value: DEMO_ITEM_IDS.services } },
  });

  const withMarker = (entity: string, stripeId: string, field = 'PrivateNote') =>
    h.simulator.entities(h.realmId, entity).filter((o) =>
      String(o[field] ?? '')
        .split(/\s+/)
        .includes(`stripe:${stripeId}`),
    );

  it('an invoice whose create response was lost: the retry meets 6140, probes by DocNumber and links', async () => {
    const customerId = await customer('Lost Invoice Co');
    h.simulator.injectFault({ kind: 'timeout_after_commit', entity: 'Invoice', count: 1 });
    const op = operation({
      entity: 'Invoice',
      stripeId: 'in_lost',
      docNumber: 'INV-0001',
      body: {
        CustomerRef: { value: customerId },
        DocNumber: 'INV-0001',
        Line: [invoiceLine(100)],
        PrivateNote: 'stripe:in_lost',
      },
    });
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true });
    expect(withMarker('Invoice', 'in_lost')).toHaveLength(1);
    expect(h.logs.text()).toContain('qbo_6140');
  });

  it('a customer whose create response was lost: the retry meets 6240 and links the one whose Notes carry our marker', async () => {
    h.simulator.injectFault({ kind: 'timeout_after_commit', entity: 'Customer', count: 1 });
    const op = operation({
      entity: 'Customer',
      stripeId: 'cus_lost',
      body: { DisplayName: 'Lost Response Ltd', Notes: 'stripe:cus_lost' },
    });
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true });
    expect(withMarker('Customer', 'cus_lost', 'Notes')).toHaveLength(1);
  });

  it('a payment whose create response was lost: the retry over-applies the paid invoice (6000) and links', async () => {
    const customerId = await customer('Paid Co');
    const invoice = await h.client.create(
      'Invoice',
      { CustomerRef: { value: customerId }, Line: [invoiceLine(50)] },
      { requestId: `i-${++seq}` },
    );
    h.simulator.injectFault({ kind: 'timeout_after_commit', entity: 'Payment', count: 1 });
    const op = operation({
      entity: 'Payment',
      stripeId: 'pi_lost',
      txnDate: '2025-03-01',
      body: {
        CustomerRef: { value: customerId },
        TotalAmt: 50,
        TxnDate: '2025-03-01',
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing },
        Line: [{ Amount: 50, LinkedTxn: [{ TxnId: String(invoice.Id), TxnType: 'Invoice' }] }],
        PrivateNote: 'stripe:pi_lost',
      },
    });
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true });
    expect(withMarker('Payment', 'pi_lost')).toHaveLength(1);
  });

  it('on redelivery after a parked duplicate fault, the same protocol probes and links', async () => {
    const customerId = await customer('Redelivered Co');
    const op = operation({
      entity: 'Invoice',
      stripeId: 'in_redelivered',
      docNumber: 'INV-0002',
      body: { CustomerRef: { value: customerId }, DocNumber: 'INV-0002', Line: [invoiceLine(10)] },
    });
    op.body.PrivateNote = 'stripe:in_redelivered';
    // An earlier attempt wrote it and its ledger entry ended `failed` (the old code parked the 6140).
    await h.client.create('Invoice', op.body, { requestId: 'earlier-attempt' });
    const key = { tenantId: 'acme', stripeId: 'in_redelivered', operation: 'create' };
    const first = context();
    await stores.ledger.reserve({
      ...key,
      requestId: op.requestId,
      qboEntity: 'Invoice',
      leaseOwner: first.leaseOwner,
      leaseMs: 60_000,
      now: Date.now(),
    });
    await stores.ledger.release(key, first.leaseOwner, { state: 'failed', detail: 'qbo_6140', now: Date.now() });
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true });
    expect(withMarker('Invoice', 'in_redelivered')).toHaveLength(1);
  });

  it('a 6140 on a number someone else used is still a rejection: no marker of ours, nothing linked', async () => {
    const customerId = await customer('Taken Number Co');
    await h.client.create(
      'Invoice',
      {
        CustomerRef: { value: customerId },
        DocNumber: 'INV-0003',
        Line: [invoiceLine(5)],
        PrivateNote: 'typed by hand',
      },
      { requestId: `i-${++seq}` },
    );
    const op = operation({
      entity: 'Invoice',
      stripeId: 'in_clash',
      docNumber: 'INV-0003',
      body: {
        CustomerRef: { value: customerId },
        DocNumber: 'INV-0003',
        Line: [invoiceLine(5)],
        PrivateNote: 'stripe:in_clash',
      },
    });
    await expect(writeOnce(context(), op, op.body)).rejects.toMatchObject({
      code: 'qbo_6140',
      failureClass: 'rejected',
    });
    expect((await stores.ledger.get({ tenantId: 'acme', stripeId: 'in_clash', operation: 'create' }))?.state).toBe(
      'failed',
    );
  });

  it('a parked item re-driven after the fix gets a fresh requestid, so a QBO caching failures cannot replay the old one', async () => {
    h.simulator.setRequestIdMode('cache-failures');
    const customerId = await customer('Redriven Co');
    const item = await h.client.read('Item', DEMO_ITEM_IDS.shipping);
    await h.client.sparseUpdate(
      'Item',
      { Id: String(item.Id), SyncToken: String(item.SyncToken), Active: false },
      { requestId: `deactivate-${++seq}` },
    );
    const op = operation({
      entity: 'Invoice',
      stripeId: 'in_redriven',
      body: {
        CustomerRef: { value: customerId },
        Line: [{ ...invoiceLine(20), SalesItemLineDetail: { ItemRef: { value: DEMO_ITEM_IDS.shipping } } }],
        PrivateNote: 'stripe:in_redriven',
      },
    });
    // The item is inactive: QBO answers 610, the item is parked, and (in this mode) QBO caches that answer.
    await expect(writeOnce(context(), op, op.body)).rejects.toMatchObject({ code: 'qbo_610' });
    const inactive = await h.client.query(
      `SELECT * FROM Item WHERE Id = '${DEMO_ITEM_IDS.shipping}' AND Active = false`,
    );
    await h.client.sparseUpdate(
      'Item',
      { Id: String(inactive[0]?.Id), SyncToken: String(inactive[0]?.SyncToken), Active: true },
      { requestId: `reactivate-${++seq}` },
    );
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: false });
    expect(withMarker('Invoice', 'in_redriven')).toHaveLength(1);
  });

  it('the by-date probe pages with ORDERBY: a day with more than 1,000 sales receipts is probed completely', async () => {
    const receipts = Array.from({ length: 1_050 }, (_, i) => ({
      Id: String(5_000 + i),
      TxnDate: '2025-04-01',
      TotalAmt: 1,
      PrivateNote: i === 30 ? 'stripe:ch_late' : `stripe:ch_other_${i}`,
      Line: [],
    }));
    h.simulator.seedCompany(h.realmId, {
      entities: { ...baseEntities(h), SalesReceipt: receipts },
    });
    // The old probe's one unordered page of 1,000 does not hold ours: the test fails unless the probe pages.
    const onePage = await h.client.query("SELECT * FROM SalesReceipt WHERE TxnDate = '2025-04-01' MAXRESULTS 1000");
    expect(onePage).toHaveLength(1_000);
    expect(onePage.map((r) => r.Id)).not.toContain('5030');
    const op = operation({ entity: 'SalesReceipt', stripeId: 'ch_late', txnDate: '2025-04-01', body: {} });
    const found = await probeForEarlierWrite(h.client, op);
    expect(found?.Id).toBe('5030');
  });
});

/** The accounts and items the harness's company was seeded with, so a reseed keeps them. */
function baseEntities(h: Harness) {
  return {
    Account: h.simulator.entities(h.realmId, 'Account'),
    Item: h.simulator.entities(h.realmId, 'Item'),
  };
}
