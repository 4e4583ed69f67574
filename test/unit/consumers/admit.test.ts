import { admit } from '../../../shared/consumers/admit';
import { createRecorder } from '../../../shared/consumers/record';
import { buildEvent, buildInvoice, buildSettings } from '../accounting/factories';
import { MemoryReviewQueue, MemoryTenants, RecordingAuditSink } from './fakes';

function setUp(...tenants: ReturnType<typeof buildSettings>[]) {
  const audit = new RecordingAuditSink();
  const reviewQueue = new MemoryReviewQueue();
  const recorder = createRecorder({
    functionName: 'sync-invoice',
    audit,
    reviewQueue,
    now: () => new Date('2026-01-15T12:00:00.000Z'),
  });
  return { audit, reviewQueue, deps: { tenants: new MemoryTenants(...tenants), recorder } };
}

const event = buildEvent('invoice.finalized', buildInvoice());

describe('admit', () => {
  it('lets an enabled, connected tenant through with its settings', async () => {
    const tenant = buildSettings();
    const { audit, deps } = setUp(tenant);
    expect(await admit(event, deps)).toEqual({ admitted: true, tenant });
    expect(audit.rows).toEqual([]);
  });

  it.each([
    ['an unknown tenant', [], 'unknown_tenant'],
    ['a disabled tenant', [buildSettings({ enabled: false })], 'tenant_disabled'],
  ])('skips %s and says so in the audit', async (_name, tenants, reason) => {
    const { audit, reviewQueue, deps } = setUp(...tenants);
    expect(await admit(event, deps)).toEqual({ admitted: false, outcome: 'skipped' });
    expect(audit.records).toEqual([
      expect.objectContaining({ outcome: 'skipped', reason, failureClass: 'ignored', eventId: event.eventId }),
    ]);
    expect(reviewQueue.items.size).toBe(0);
  });

  it('parks an event for a tenant that needs a QBO reconnect under auth, so replay finds it after connect', async () => {
    const { audit, reviewQueue, deps } = setUp(buildSettings({ status: 'needs_reauth' }));
    expect(await admit(event, deps)).toEqual({ admitted: false, outcome: 'failed' });
    expect(await reviewQueue.get('acme:in_test1:invoice.finalized')).toMatchObject({
      reason: 'auth',
      failureClass: 'auth',
      status: 'open',
      event,
    });
    expect(audit.records).toEqual([
      expect.objectContaining({ outcome: 'failed', reason: 'auth', failureClass: 'auth', detail: 'needs_reauth' }),
    ]);
  });
});
