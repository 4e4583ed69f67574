import type { PlannedOperation } from '../../../shared/accounting/plan';
import { RetryableError } from '../../../shared/errors';
import type { QboWriter } from '../../../shared/consumers/qbo-port';
import { writeOnce } from '../../../shared/consumers/write-protocol';
import type { WriteContext } from '../../../shared/consumers/write-protocol';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import type { DuckDbStores } from '../../../shared/stores/duckdb';
import { DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { startHarness } from './harness';
import type { Harness } from './harness';

/**
 * Voids and deletes whose response was lost, with QBO's requestid replay OFF (`never`): the target is already voided
 * or gone when the retry (in-process, or the redelivery) looks at it. Before the fix the redelivery of a credit note
 * voided in Stripe read the deleted CreditMemo, got 610 and parked; now what is already done counts as done.
 */
describe('write protocol: a void or delete of ours that already happened is done, not parked', () => {
  let h: Harness;
  let stores: DuckDbStores;
  let seq = 0;
  let customerId: string;
  beforeEach(async () => {
    h = await startHarness({ requestIdMode: 'never' });
    stores = await openDuckDbStores(':memory:');
    customerId = String((await h.client.create('Customer', { DisplayName: 'Removal Co' }, { requestId: 'c' })).Id);
  });
  afterEach(async () => {
    await h.simulator.close();
    await stores.close();
  });

  const context = (qbo: QboWriter = h.client): WriteContext => ({
    tenantId: 'acme',
    realmId: h.realmId,
    ledger: stores.ledger,
    qbo,
    leaseOwner: `attempt-${++seq}`,
    now: Date.now,
  });
  const removal = (entity: 'CreditMemo' | 'Invoice', kind: 'delete' | 'void', stripeId: string) =>
    ({
      entity,
      operation: kind,
      stripeId,
      stripeObject: 'test',
      requestId: `00000000-0000-5000-8000-${String(++seq).padStart(12, '0')}`,
      currency: 'USD',
      body: {},
      target: { $ref: `${entity}:${stripeId}` },
    }) as unknown as PlannedOperation;
  const document = async (entity: 'CreditMemo' | 'Invoice', stripeId: string, note = `stripe:${stripeId}`) =>
    String(
      (
        await h.client.create(
          entity,
          {
            CustomerRef: { value: customerId },
            Line: [
              {
                Amount: 12,
                DetailType: 'SalesItemLineDetail',
                SalesItemLineDetail: { ItemRef: { value: DEMO_ITEM_IDS.services } },
              },
            ],
            PrivateNote: note,
          },
          { requestId: `doc-${++seq}` },
        )
      ).Id,
    );
  const key = (stripeId: string, operation: string) => ({ tenantId: 'acme', stripeId, operation });
  const lost = (code: 'qbo_network') => new RetryableError('QBO unreachable', { code });

  it('a CreditMemo delete whose response was lost: the in-process retry meets 610, the target is gone, done', async () => {
    const memoId = await document('CreditMemo', 'cn_lost');
    h.simulator.injectFault({ kind: 'timeout_after_commit', entity: 'CreditMemo', count: 1 });
    const outcome = await writeOnce(context(), removal('CreditMemo', 'delete', 'cn_lost'), {}, memoId);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true, qbo: { Id: memoId, status: 'Deleted' } });
    expect(h.simulator.entities(h.realmId, 'CreditMemo')).toEqual([]);
    expect((await stores.ledger.get(key('cn_lost', 'delete')))?.state).toBe('posted');
  });

  it('the redelivery of a delete whose first attempt could not tell: reads the target, gets 610, counts it done', async () => {
    const memoId = await document('CreditMemo', 'cn_redelivered');
    // The first attempt's delete lands, then the connection drops for good: no answer, and no read either.
    let down = false;
    const cutOff: QboWriter = {
      ...h.client,
      delete: async (entity, target, options) => {
        await h.client.delete(entity, target, options);
        down = true;
        throw lost('qbo_network');
      },
      read: (entity, id) => (down ? Promise.reject(lost('qbo_network')) : h.client.read(entity, id)),
    };
    const op = removal('CreditMemo', 'delete', 'cn_redelivered');
    await expect(writeOnce(context(cutOff), op, {}, memoId)).rejects.toMatchObject({ failureClass: 'retryable' });
    expect((await stores.ledger.get(key('cn_redelivered', 'delete')))?.state).toBe('pending');
    const writesBefore = h.simulator.stats().writes;
    const outcome = await writeOnce(context(), op, {}, memoId);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true, qbo: { Id: memoId } });
    expect(h.simulator.stats().writes).toBe(writesBefore);
    expect((await stores.ledger.get(key('cn_redelivered', 'delete')))?.state).toBe('posted');
  });

  it('an invoice void whose response was lost: the retry meets 5010, the invoice reads voided with our marker, done once', async () => {
    const invoiceId = await document('Invoice', 'in_void_lost');
    h.simulator.injectFault({ kind: 'timeout_after_commit', entity: 'Invoice', count: 1 });
    const outcome = await writeOnce(context(), removal('Invoice', 'void', 'in_void_lost'), {}, invoiceId);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true });
    const [invoice] = h.simulator.entities(h.realmId, 'Invoice');
    expect(invoice).toMatchObject({ PrivateNote: 'Voided stripe:in_void_lost', TotalAmt: 0, SyncToken: '1' });
  });

  it('the redelivery of a void that already landed is not sent again', async () => {
    const invoiceId = await document('Invoice', 'in_void_twice');
    const current = await h.client.read('Invoice', invoiceId);
    await h.client.voidTxn('Invoice', { Id: invoiceId, SyncToken: String(current.SyncToken) }, { requestId: 'first' });
    const writesBefore = h.simulator.stats().writes;
    const outcome = await writeOnce(context(), removal('Invoice', 'void', 'in_void_twice'), {}, invoiceId);
    expect(outcome).toMatchObject({ kind: 'posted', recovered: true });
    expect(h.simulator.stats().writes).toBe(writesBefore);
  });

  it('a document voided by someone else (not our marker) is not taken for our void', async () => {
    const invoiceId = await document('Invoice', 'in_theirs', 'typed by hand');
    const current = await h.client.read('Invoice', invoiceId);
    await h.client.voidTxn('Invoice', { Id: invoiceId, SyncToken: String(current.SyncToken) }, { requestId: 'hand' });
    const outcome = await writeOnce(context(), removal('Invoice', 'void', 'in_theirs'), {}, invoiceId);
    // Not recovered: the protocol voided it itself (voiding a voided invoice is allowed), it did not adopt theirs.
    expect(outcome).toMatchObject({ kind: 'posted', recovered: false });
  });
});
