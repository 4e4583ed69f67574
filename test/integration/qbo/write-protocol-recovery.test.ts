import type { PlannedOperation } from '../../../shared/accounting/plan';
import { RetryableError } from '../../../shared/errors';
import { writeOnce, probeForEarlierWrite } from '../../../shared/consumers/write-protocol';
import type { WriteContext } from '../../../shared/consumers/write-protocol';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { DuckDbStores } from '../../../shared/stores/duckdb';
import { DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { sparseUpdate, startHarness } from './harness';
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

  it('an invoice whose create response was lost is found by DocNumber and linked in-process', async () => {
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
  });

  it('a customer whose create response was lost is found by DisplayName and linked by the marker in its Notes', async () => {
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

  it('a payment whose create response was lost is found by date and linked', async () => {
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

  it('a sales receipt (no DocNumber, no unique name) whose response was lost is not written twice', async () => {
    h.simulator.injectFault({ kind: 'timeout_after_commit', entity: 'SalesReceipt', count: 1 });
    const op = operation({
      entity: 'SalesReceipt',
      stripeId: 'ch_lost',
      txnDate: '2025-03-02',
      body: {
        TxnDate: '2025-03-02',
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing },
        Line: [invoiceLine(30)],
        PrivateNote: 'stripe:ch_lost',
      },
    });
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true });
    expect(withMarker('SalesReceipt', 'ch_lost')).toHaveLength(1);
    expect(h.simulator.stats().writes).toBe(1);
  });

  it('a lost response whose write did not land stays pending, and the redelivery probes, then posts once', async () => {
    // A 5xx-free drop before QBO kept anything: the probe finds nothing, so nothing is linked and nothing re-sent.
    const op = operation({
      entity: 'SalesReceipt',
      stripeId: 'ch_unsent',
      txnDate: '2025-03-03',
      body: {
        TxnDate: '2025-03-03',
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing },
        Line: [invoiceLine(7)],
        PrivateNote: 'stripe:ch_unsent',
      },
    });
    const unreachable = { ...context(), qbo: { ...h.client, create: () => Promise.reject(networkError()) } };
    await expect(writeOnce(unreachable, op, op.body)).rejects.toMatchObject({ failureClass: 'retryable' });
    const key = { tenantId: 'acme', stripeId: 'ch_unsent', operation: 'create' };
    expect((await stores.ledger.get(key))?.state).toBe('pending');
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: false });
    expect(withMarker('SalesReceipt', 'ch_unsent')).toHaveLength(1);
  });

  it('a payment of ours already on the invoice: the create over-applies it (6000), the probe links it', async () => {
    const customerId = await customer('Already Paid Co');
    const invoice = await h.client.create(
      'Invoice',
      { CustomerRef: { value: customerId }, Line: [invoiceLine(25)] },
      { requestId: `i-${++seq}` },
    );
    const body = {
      CustomerRef: { value: customerId },
      TotalAmt: 25,
      TxnDate: '2025-03-04',
      DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing },
      Line: [{ Amount: 25, LinkedTxn: [{ TxnId: String(invoice.Id), TxnType: 'Invoice' }] }],
      PrivateNote: 'stripe:pi_twice',
    };
    await h.client.create('Payment', body, { requestId: 'earlier-attempt' });
    const op = operation({ entity: 'Payment', stripeId: 'pi_twice', txnDate: '2025-03-04', body });
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true });
    expect(withMarker('Payment', 'pi_twice')).toHaveLength(1);
  });

  it('a customer of ours with the name already: the create meets 6240, the probe links it by its Notes', async () => {
    await h.client.create(
      'Customer',
      { DisplayName: 'Twice Named Ltd', Notes: 'stripe:cus_twice' },
      { requestId: 'earlier-attempt' },
    );
    const op = operation({
      entity: 'Customer',
      stripeId: 'cus_twice',
      body: { DisplayName: 'Twice Named Ltd', Notes: 'stripe:cus_twice' },
    });
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true });
    expect(withMarker('Customer', 'cus_twice', 'Notes')).toHaveLength(1);
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
    await sparseUpdate(
      h,
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
    await sparseUpdate(
      h,
      'Item',
      { Id: String(inactive[0]?.Id), SyncToken: String(inactive[0]?.SyncToken), Active: true },
      { requestId: `reactivate-${++seq}` },
    );
    const outcome = await writeOnce(context(), op, op.body);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: false });
    expect(withMarker('Invoice', 'in_redriven')).toHaveLength(1);
  });

  it('the probe still recognises our document after QBO voided it ("Voided" prepended to PrivateNote)', async () => {
    const customerId = await customer('Voided Co');
    const body = {
      CustomerRef: { value: customerId },
      DocNumber: 'INV-0009',
      Line: [invoiceLine(9)],
      PrivateNote: 'stripe:in_voided',
    };
    const created = await h.client.create('Invoice', body, { requestId: 'earlier-attempt' });
    await h.client.voidTxn(
      'Invoice',
      { Id: String(created.Id), SyncToken: String(created.SyncToken) },
      { requestId: 'v' },
    );
    const op = operation({ entity: 'Invoice', stripeId: 'in_voided', docNumber: 'INV-0009', body });
    const found = await probeForEarlierWrite(h.client, op);
    expect(found).toMatchObject({ Id: created.Id, PrivateNote: 'Voided stripe:in_voided', TotalAmt: 0 });
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

function networkError(): Error {
  return new RetryableError('create SalesReceipt: QBO unreachable', { code: 'qbo_network' });
}

/** The accounts and items the harness's company was seeded with, so a reseed keeps them. */
function baseEntities(h: Harness) {
  return {
    Account: h.simulator.entities(h.realmId, 'Account'),
    Item: h.simulator.entities(h.realmId, 'Item'),
  };
}
