import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import type { TenantStatus, TenantStore } from '../ports';
import type { DuckDbDatabase } from './connection';

interface TenantRow {
  settings: string;
  status: string;
}

function toSettings(row: TenantRow): TenantSettings {
  const settings = JSON.parse(row.settings) as TenantSettings;
  return { ...settings, status: row.status as TenantStatus };
}

export class DuckDbTenantStore implements TenantStore {
  constructor(private readonly db: DuckDbDatabase) {}

  async get(tenantId: string): Promise<TenantSettings | undefined> {
    const rows = await this.db.all<TenantRow>('SELECT settings, status FROM tenants WHERE tenant_id = $id', {
      id: tenantId,
    });
    return rows[0] ? toSettings(rows[0]) : undefined;
  }

  async findByStripeAccount(accountId: string): Promise<TenantSettings | undefined> {
    const rows = await this.db.all<TenantRow>(
      'SELECT settings, status FROM tenants WHERE stripe_account = $account ORDER BY tenant_id LIMIT 1',
      { account: accountId },
    );
    return rows[0] ? toSettings(rows[0]) : undefined;
  }

  async list(): Promise<TenantSettings[]> {
    const rows = await this.db.all<TenantRow>('SELECT settings, status FROM tenants ORDER BY tenant_id');
    return rows.map(toSettings);
  }

  async put(settings: TenantSettings): Promise<void> {
    // Status is owned by setStatus (a reconnect clears it); a settings edit never resurrects a broken tenant.
    const { status: _ignored, ...stored } = settings;
    await this.db.run(
      `INSERT INTO tenants (tenant_id, stripe_account, settings, status, updated_at)
       VALUES ($id, $account, $settings, 'active', now())
       ON CONFLICT (tenant_id) DO UPDATE SET stripe_account = excluded.stripe_account,
         settings = excluded.settings, updated_at = now()`,
      { id: settings.tenantId, account: settings.stripe.accountId ?? null, settings: JSON.stringify(stored) },
    );
  }

  async setStatus(tenantId: string, status: TenantStatus, reason?: string): Promise<void> {
    await this.db.run(
      'UPDATE tenants SET status = $status, status_reason = $reason, updated_at = now() WHERE tenant_id = $id',
      {
        id: tenantId,
        status,
        reason: reason ?? null,
      },
    );
  }
}
