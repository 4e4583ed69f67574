import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import { classifyError } from '../errors';
import type { TenantStore } from '../stores/ports';
import { AUDIT_DETAIL_MAX, type Recorder } from './record';
import { TotalsMismatchError } from './verify';

/** What Pub/Sub hears: 204 acknowledges the message, 503 asks for redelivery with the subscription's backoff. */
export type PushStatus = 204 | 503;

export interface FailurePolicyDeps {
  recorder: Pick<Recorder, 'audit' | 'park'>;
  tenants: Pick<TenantStore, 'setStatus'>;
  /** The subscription's maxDeliveryAttempts: the attempt that reaches it is audited as dead-lettered. */
  maxDeliveryAttempts: number;
}

/**
 * Stage `failure-policy` (DESIGN section 7): classify what a run threw, then act on the class alone.
 *   retryable → audit `failed` (`dead_lettered` on the last attempt), 503
 *   auth      → mark the tenant needs_reauth, park under `auth`, audit `failed/auth`, 204
 *   ignored   → audit `skipped/<reason>`, 204
 *   settings, rejected → park with the reason, audit `parked/<reason>`, 204
 */
export function createFailurePolicy(deps: FailurePolicyDeps) {
  const { recorder } = deps;
  return async function onFailure(
    event: NormalizedEvent,
    error: unknown,
    attempt: number | undefined,
  ): Promise<PushStatus> {
    const failure = classifyError(error);
    if (failure.failureClass === 'retryable') {
      const last = attempt !== undefined && attempt >= deps.maxDeliveryAttempts;
      await recorder
        .audit(event, {
          outcome: last ? 'dead_lettered' : 'failed',
          reason: failure.code,
          failureClass: 'retryable',
          ...(attempt !== undefined ? { attempt } : {}),
          ...(failure.detail ? { detail: failure.detail.slice(0, AUDIT_DETAIL_MAX) } : {}),
        })
        // The 503 matters more than the row: Pub/Sub must redeliver even when the audit topic is down.
        .catch(() => undefined);
      return 503;
    }
    if (failure.failureClass === 'ignored') {
      await recorder.audit(event, { outcome: 'skipped', reason: failure.code, failureClass: 'ignored' });
      return 204;
    }
    if (failure.failureClass === 'auth') {
      await deps.tenants.setStatus(event.tenantId, 'needs_reauth', failure.code);
      // Recorded under `auth` whatever QBO called it (invalid_grant, qbo_401…): replay republishes exactly the
      // items parked for `auth` once the tenant is reconnected (DESIGN sections 7 and 8).
      await recorder.park(event, failure, null, 'auth');
      await recorder.audit(event, { outcome: 'failed', reason: 'auth', failureClass: 'auth', detail: failure.code });
      return 204;
    }
    await recorder.park(event, failure, null);
    await recorder.audit(event, {
      outcome: 'parked',
      reason: failure.code,
      failureClass: failure.failureClass,
      detail: (failure.detail ?? failure.message).slice(0, AUDIT_DETAIL_MAX),
      // A totals mismatch names the QBO object a person must look at (it is in QBO, unlinked).
      ...(failure instanceof TotalsMismatchError && failure.qboId ? { qboId: failure.qboId } : {}),
    });
    return 204;
  };
}

export type FailurePolicy = ReturnType<typeof createFailurePolicy>;
