import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import type { TenantStatus, TenantStore } from '../ports';
import type { DuckDbDatabase } from './connection';
import { RowMirror } from './row-mirror';

interface TenantRow {
  settings: string;
  status: string;
}

function toSettings(row: TenantRow): TenantSettings {
  const settings = JSON.parse(row.settings) as TenantSettings;
  return { ...settings, status: row.status as TenantStatus };
}

/**
 * Every consumer reads its tenant on every message, so the rows read are mirrored (RowMirror says why that is
 * sound); any write forgets them all, and the next read goes to the table. The row is kept as stored and parsed
 * per read, so no caller can change what another is given.
 */
export class DuckDbTenantStore implements TenantStore {
  private readonly byTenant = new RowMirror<TenantRow>(1_000);
  private readonly byStripeAccount = new RowMirror<TenantRow>(1_000);

  constructor(private readonly db: DuckDbDatabase) {}

  get(tenantId: string): Promise<TenantSettings | undefined> {
    return this.mirrored(this.byTenant, tenantId, 'SELECT settings, status FROM tenants WHERE tenant_id = $key');
  }

  findByStripeAccount(accountId: string): Promise<TenantSettings | undefined> {
    return this.mirrored(
      this.byStripeAccount,
      accountId,
      'SELECT settings, status FROM tenants WHERE stripe_account = $key ORDER BY tenant_id LIMIT 1',
    );
  }

  private mirrored(mirror: RowMirror<TenantRow>, key: string, select: string): Promise<TenantSettings | undefined> {
    return this.db.exclusive(async (sql) => {
      const row = await mirror.getOrLoad(key, async () => (await sql.all<TenantRow>(select, { key }))[0]);
      return row && toSettings(row);
    });
  }

  /** Call after a write, inside its exclusive turn. */
  private forgetAll(): void {
    this.byTenant.clear();
    this.byStripeAccount.clear();
  }

  async list(): Promise<TenantSettings[]> {
    const rows = await this.db.all<TenantRow>('SELECT settings, status FROM tenants ORDER BY tenant_id');
    return rows.map(toSettings);
  }

  async put(settings: TenantSettings): Promise<void> {
    // Status is owned by setStatus (a reconnect clears it); a settings edit never resurrects a broken tenant.
    const { status: _ignored, ...stored } = settings;
    await this.db.exclusive(async (sql) => {
      await sql.run(
        `INSERT INTO tenants (tenant_id, stripe_account, settings, status, updated_at)
         VALUES ($id, $account, $settings, 'active', now())
         ON CONFLICT (tenant_id) DO UPDATE SET stripe_account = excluded.stripe_account,
           settings = excluded.settings, updated_at = now()`,
        { id: settings.tenantId, account: settings.stripe.accountId ?? null, settings: JSON.stringify(stored) },
      );
      this.forgetAll();
    });
  }

  async setStatus(tenantId: string, status: TenantStatus, reason?: string): Promise<void> {
    await this.db.exclusive(async (sql) => {
      await sql.run(
        'UPDATE tenants SET status = $status, status_reason = $reason, updated_at = now() WHERE tenant_id = $id',
        { id: tenantId, status, reason: reason ?? null },
      );
      this.forgetAll();
    });
  }
}
