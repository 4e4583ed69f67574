import type { PlannedOperation } from '../../../shared/accounting/plan';
import type { PlanStep } from '../../../shared/consumers/plan';
import { createRecorder } from '../../../shared/consumers/record';
import { PermanentError } from '../../../shared/errors';
import type { LedgerEntry } from '../../../shared/stores/ports';
import { buildEvent, buildInvoice, buildSettings } from '../accounting/factories';
import { MemoryReviewQueue, RecordingAuditSink } from './fakes';

const tenant = buildSettings();
const event = buildEvent('invoice.finalized', buildInvoice());
const operation: PlannedOperation = {
  entity: 'Invoice',
  operation: 'create',
  stripeId: 'in_test1',
  stripeObject: 'invoice',
  requestId: 'request-1',
  currency: 'USD',
  expectedTotal: '100.00',
  txnDate: '2025-06-01',
  docNumber: 'ACME-0001',
  body: {},
};
const entry = { state: 'posted', qboId: '41' } as LedgerEntry;

function setUp() {
  const audit = new RecordingAuditSink();
  const reviewQueue = new MemoryReviewQueue();
  const recorder = createRecorder({
    functionName: 'sync-invoice',
    audit,
    reviewQueue,
    now: () => new Date('2026-01-15T12:00:00.000Z'),
  });
  return { audit, reviewQueue, recorder };
}

describe('record', () => {
  it('a verified write publishes its link record, then its posted row', async () => {
    const { audit, recorder } = setUp();
    const step: PlanStep = { operation, event, ensure: false };
    await recorder.write(
      step,
      tenant,
      { kind: 'posted', qbo: { Id: '41', SyncToken: '0' }, entry, recovered: false },
      12,
    );
    expect(audit.rows.map((row) => row.kind)).toEqual(['link', 'audit']);
    expect(audit.links[0]).toEqual({
      schemaVersion: 1,
      tenantId: 'acme',
      realmId: tenant.qbo.realmId,
      stripeId: 'in_test1',
      stripeObject: 'invoice',
      qboEntity: 'Invoice',
      qboId: '41',
      qboSyncToken: '0',
      operation: 'create',
      docNumber: 'ACME-0001',
      txnDate: '2025-06-01',
      amount: '100.00',
      currency: 'USD',
      eventId: event.eventId,
      linkedAt: '2026-01-15T12:00:00.000Z',
    });
    expect(audit.records[0]).toMatchObject({
      recordId: `${event.eventId}:in_test1:posted:created`,
      outcome: 'posted',
      reason: 'created',
      function: 'sync-invoice',
      qboId: '41',
      amount: '100.00',
      latencyMs: 12,
    });
  });

  it('an adopted earlier write links (operation link, reason recovered)', async () => {
    const { audit, recorder } = setUp();
    await recorder.write(
      { operation, event, ensure: false },
      tenant,
      {
        kind: 'posted',
        qbo: { Id: '41' },
        entry,
        recovered: true,
      },
      3,
    );
    expect(audit.links[0]).toMatchObject({ operation: 'link' });
    expect(audit.records[0]).toMatchObject({ outcome: 'posted', reason: 'recovered' });
  });

  it('a write the ledger already had is skipped/already_linked, and an ensure step that finds it says nothing', async () => {
    const { audit, recorder } = setUp();
    await recorder.write({ operation, event, ensure: false }, tenant, { kind: 'already_posted', entry }, 1);
    expect(audit.rows).toEqual([
      { kind: 'audit', record: expect.objectContaining({ outcome: 'skipped', reason: 'already_linked', qboId: '41' }) },
    ]);
    await recorder.write({ operation, event, ensure: true }, tenant, { kind: 'already_posted', entry }, 1);
    expect(audit.rows).toHaveLength(1);
  });

  it("settles the event's open review item once a run gets through, but not an open totals mismatch", async () => {
    const { reviewQueue, recorder } = setUp();
    const reviewId = 'acme:in_test1:invoice.finalized';
    await recorder.park(event, new PermanentError('x', { code: 'qbo_2500' }), null);
    await recorder.settleReview(event);
    expect(await reviewQueue.get(reviewId)).toMatchObject({ status: 'resolved' });

    await recorder.park(event, new PermanentError('x', { code: 'totals_mismatch' }), null);
    await recorder.settleReview(event);
    expect(await reviewQueue.get(reviewId)).toMatchObject({ status: 'open', reason: 'totals_mismatch' });
    await reviewQueue.setStatus(reviewId, 'approved', '2026-01-15T13:00:00.000Z');
    await recorder.settleReview(event);
    expect(await reviewQueue.get(reviewId)).toMatchObject({ status: 'resolved' });
  });
});
