import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { Validators } from '../../schemas/validators';
import type { TenantStore } from '../stores/ports';

/**
 * Changes a tenant's gate flags (DESIGN section 6): `autoPost: false` parks every plan for approval, `dryRun`
 * records plans and posts nothing. The settings are validated again before they are stored, and the status
 * (needs_reauth) is the store's to keep: a settings write never clears it.
 */
export interface TenantFlagDeps {
  tenants: Pick<TenantStore, 'get' | 'put'>;
  validators: Pick<Validators, 'tenantSettings'>;
}

export type TenantFlagResult =
  { ok: true; settings: TenantSettings; message: string } | { ok: false; problem: 'unknown_tenant'; message: string };

export async function setTenantFlags(
  deps: TenantFlagDeps,
  tenantId: string,
  flags: Partial<TenantSettings['flags']>,
): Promise<TenantFlagResult> {
  const current = await deps.tenants.get(tenantId);
  if (!current) return { ok: false, problem: 'unknown_tenant', message: `no tenant ${tenantId}` };
  const settings = deps.validators.tenantSettings.parse({ ...current, flags: { ...current.flags, ...flags } });
  await deps.tenants.put(settings);
  const shown = Object.entries(flags)
    .map(([name, value]) => `${name} ${value ? 'on' : 'off'}`)
    .join(', ');
  return { ok: true, settings, message: `tenant ${tenantId}: ${shown}` };
}
