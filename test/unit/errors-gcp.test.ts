import { createFailurePolicy } from '../../shared/consumers/failure-policy';
import { createRecorder } from '../../shared/consumers/record';
import { classifyError, RetryableError } from '../../shared/errors';
import { QboAuthError } from '../../shared/qbo/faults';
import { buildEvent, buildInvoice, buildSettings } from './accounting/factories';
import { MemoryReviewQueue, MemoryTenants, RecordingAuditSink } from './consumers/fakes';

/**
 * A Google Cloud PERMISSION_DENIED (7) or UNAUTHENTICATED (16) from Firestore, Pub/Sub or Secret Manager is our
 * own IAM or credentials failing (a lost grant, a metadata-server hiccup), not the tenant's QBO connection: it is
 * retried and alerted on, and never marks a healthy tenant needs_reauth. Only QBO/Intuit auth failures do that.
 */
const grpc = (code: number, details: string) => Object.assign(new Error(`${code} ${details}`), { code, details });

describe('GCP permission failures are ours, not the tenant’s', () => {
  it.each([
    [
      grpc(7, 'PERMISSION_DENIED: Permission denied on resource project p (or it may not exist).'),
      'gcp_permission_denied',
    ],
    [grpc(16, 'UNAUTHENTICATED: Request had invalid authentication credentials.'), 'gcp_unauthenticated'],
  ])('classifies %p as retryable %s', (error, code) => {
    const failure = classifyError(error);
    expect(failure).toBeInstanceOf(RetryableError);
    expect(failure.failureClass).toBe('retryable');
    expect(failure.code).toBe(code);
  });

  it('leaves a healthy tenant active and asks Pub/Sub to redeliver', async () => {
    const audit = new RecordingAuditSink();
    const reviewQueue = new MemoryReviewQueue();
    const tenants = new MemoryTenants(buildSettings());
    const recorder = createRecorder({ functionName: 'sync-invoice', audit, reviewQueue, now: () => new Date(0) });
    const onFailure = createFailurePolicy({ recorder, tenants, maxDeliveryAttempts: 10 });
    const event = buildEvent('invoice.finalized', buildInvoice());

    expect(await onFailure(event, grpc(7, 'PERMISSION_DENIED'), 1)).toBe(503);
    expect(await onFailure(event, grpc(16, 'UNAUTHENTICATED'), 2)).toBe(503);
    expect((await tenants.get('acme'))?.status ?? 'active').toBe('active');
    expect(reviewQueue.items.size).toBe(0);
    expect(audit.records.map((row) => [row.outcome, row.reason, row.failureClass])).toEqual([
      ['failed', 'gcp_permission_denied', 'retryable'],
      ['failed', 'gcp_unauthenticated', 'retryable'],
    ]);
  });

  it('still flags the tenant for a QBO auth failure', async () => {
    const tenants = new MemoryTenants(buildSettings());
    const recorder = createRecorder({
      functionName: 'sync-invoice',
      audit: new RecordingAuditSink(),
      reviewQueue: new MemoryReviewQueue(),
      now: () => new Date(0),
    });
    const onFailure = createFailurePolicy({ recorder, tenants, maxDeliveryAttempts: 10 });
    const revoked = new QboAuthError('refresh rejected', {
      code: 'invalid_grant',
      status: 400,
      fault: undefined,
      intuitTid: undefined,
    });
    expect(await onFailure(buildEvent('invoice.finalized', buildInvoice()), revoked, 1)).toBe(204);
    expect((await tenants.get('acme'))?.status).toBe('needs_reauth');
  });
});
