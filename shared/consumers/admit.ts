import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { AuthError } from '../errors';
import type { TenantStore } from '../stores/ports';
import type { Recorder, SyncOutcome } from './record';

/** Where `admit` leaves an event: on to the next stage with its tenant, or finished with what was recorded. */
export type Admission = { admitted: true; tenant: TenantSettings } | { admitted: false; outcome: SyncOutcome };

/**
 * Stage `admit`: is there a tenant to sync this event for, and may we write to its books now? An unknown or
 * disabled tenant is `skipped` (replay picks the event up once the tenant exists or is enabled); a tenant whose QBO
 * grant is gone is parked under `auth`, which replay republishes once it reconnects (DESIGN sections 7 and 8).
 */
export async function admit(
  event: NormalizedEvent,
  deps: { tenants: Pick<TenantStore, 'get'>; recorder: Pick<Recorder, 'audit' | 'park'> },
): Promise<Admission> {
  const { recorder } = deps;
  const tenant = await deps.tenants.get(event.tenantId);
  if (!tenant) {
    await recorder.audit(event, { outcome: 'skipped', reason: 'unknown_tenant', failureClass: 'ignored' });
    return { admitted: false, outcome: 'skipped' };
  }
  if (!tenant.enabled) {
    await recorder.audit(event, { outcome: 'skipped', reason: 'tenant_disabled', failureClass: 'ignored' });
    return { admitted: false, outcome: 'skipped' };
  }
  if (tenant.status === 'needs_reauth') {
    const error = new AuthError('tenant needs a QBO reconnect', { code: 'auth', detail: 'needs_reauth' });
    await recorder.park(event, error, null, 'auth');
    await recorder.audit(event, { outcome: 'failed', reason: 'auth', failureClass: 'auth', detail: 'needs_reauth' });
    return { admitted: false, outcome: 'failed' };
  }
  return { admitted: true, tenant };
}
