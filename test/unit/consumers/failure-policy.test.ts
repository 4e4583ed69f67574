import { createFailurePolicy } from '../../../shared/consumers/failure-policy';
import { createRecorder } from '../../../shared/consumers/record';
import { TotalsMismatchError } from '../../../shared/consumers/verify';
import {
  AuthError,
  IgnoredError,
  PermanentError,
  RetryableError,
  SettingsIncompleteError,
} from '../../../shared/errors';
import { buildEvent, buildInvoice, buildSettings } from '../accounting/factories';
import { MemoryReviewQueue, MemoryTenants, RecordingAuditSink } from './fakes';

const event = buildEvent('invoice.finalized', buildInvoice());
const reviewId = 'acme:in_test1:invoice.finalized';

function setUp() {
  const audit = new RecordingAuditSink();
  const reviewQueue = new MemoryReviewQueue();
  const tenants = new MemoryTenants(buildSettings());
  const recorder = createRecorder({
    functionName: 'sync-invoice',
    audit,
    reviewQueue,
    now: () => new Date('2026-01-15T12:00:00.000Z'),
  });
  const onFailure = createFailurePolicy({ recorder, tenants, maxDeliveryAttempts: 10 });
  return { audit, reviewQueue, tenants, onFailure };
}

describe('failure policy', () => {
  it('asks Pub/Sub to redeliver a retryable failure, and audits the last attempt as dead-lettered', async () => {
    const { audit, reviewQueue, onFailure } = setUp();
    const busy = new RetryableError('busy', { code: 'qbo_429', detail: 'throttled' });
    expect(await onFailure(event, busy, 3)).toBe(503);
    expect(await onFailure(event, busy, 10)).toBe(503);
    expect(audit.records.map((row) => [row.outcome, row.reason, row.attempt])).toEqual([
      ['failed', 'qbo_429', 3],
      ['dead_lettered', 'qbo_429', 10],
    ]);
    expect(reviewQueue.items.size).toBe(0);
  });

  it('still answers 503 when the audit row cannot be written', async () => {
    const { audit, onFailure } = setUp();
    audit.record = async () => {
      throw new Error('audit topic down');
    };
    expect(await onFailure(event, new Error('socket hang up'), 1)).toBe(503);
  });

  it('marks the tenant needs_reauth and parks under auth whatever QBO called it', async () => {
    const { audit, reviewQueue, tenants, onFailure } = setUp();
    expect(await onFailure(event, new AuthError('revoked', { code: 'invalid_grant' }), 1)).toBe(204);
    expect((await tenants.get('acme'))!.status).toBe('needs_reauth');
    expect(await reviewQueue.get(reviewId)).toMatchObject({ reason: 'auth', failureClass: 'auth' });
    expect(audit.records[0]).toMatchObject({ outcome: 'failed', reason: 'auth', detail: 'invalid_grant' });
  });

  it('acknowledges what was ignored on purpose', async () => {
    const { audit, reviewQueue, onFailure } = setUp();
    expect(await onFailure(event, new IgnoredError('test mode', { code: 'livemode_mismatch' }), 1)).toBe(204);
    expect(audit.records[0]).toMatchObject({ outcome: 'skipped', reason: 'livemode_mismatch' });
    expect(reviewQueue.items.size).toBe(0);
  });

  it.each([
    [new PermanentError('ValidationFault', { code: 'qbo_2500', detail: 'Invalid Reference Id' }), 'rejected'],
    [new SettingsIncompleteError(['accounts.bank']), 'settings'],
  ])('parks %p for a person', async (error, failureClass) => {
    const { audit, reviewQueue, onFailure } = setUp();
    expect(await onFailure(event, error, 1)).toBe(204);
    expect(await reviewQueue.get(reviewId)).toMatchObject({ reason: error.code, failureClass, detail: error.detail });
    expect(audit.records[0]).toMatchObject({ outcome: 'parked', reason: error.code, failureClass });
  });

  it('parks a totals mismatch with the QBO id on its audit row', async () => {
    const { audit, reviewQueue, onFailure } = setUp();
    expect(await onFailure(event, new TotalsMismatchError('41', '100.00', '99.99'), 1)).toBe(204);
    expect(await reviewQueue.get(reviewId)).toMatchObject({ reason: 'totals_mismatch' });
    expect(audit.records[0]).toMatchObject({ outcome: 'parked', reason: 'totals_mismatch', qboId: '41' });
  });
});
