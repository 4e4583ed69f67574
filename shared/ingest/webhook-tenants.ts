import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { createTtlCache } from '../runtime/ttl-cache';
import type { TenantStore } from '../stores/ports';
import type { StripeEventEnvelope } from './normalize';

/** The audit `tenantId` for a Connect event that names no account (a platform event sent to the Connect endpoint). */
export const CONNECT_PLATFORM_AUDIT_TENANT = 'connect-platform';

export type WebhookSkipReason =
  | 'unknown_tenant'
  | 'tenant_disabled'
  | 'livemode_mismatch'
  | 'account_mismatch'
  | 'unhandled_type'
  | 'invalid_message';

export type TenantResolution =
  | { kind: 'tenant'; tenant: TenantSettings }
  | { kind: 'skip'; reason: WebhookSkipReason; auditTenantId: string; detail?: string };

export interface WebhookTenantResolver {
  /** `POST /{tenantId}`: the tenant named by the path, for an event from that tenant's own account. */
  forTenantRoute(tenantId: string, envelope: StripeEventEnvelope): Promise<TenantResolution>;
  /** `POST /` (Connect): the tenant whose Stripe account and mode are the event's. */
  forConnect(envelope: StripeEventEnvelope): Promise<TenantResolution>;
}

export interface WebhookTenantResolverOptions {
  tenants: Pick<TenantStore, 'get' | 'list'>;
  ttlMs: number;
  now: () => number;
  /** Two tenants claiming one (account, livemode) is a settings error a person must fix. */
  onAmbiguous?: (account: string, livemode: boolean, tenantIds: string[]) => void;
}

/**
 * Which tenant's books an event may enter. Only signed events get here, so what it reads is bounded by real
 * tenants. The tenant route holds the tenant to the event's `account`: a tenant endpoint that receives another
 * connected account's event (a Connect endpoint pointed at a tenant URL, a mix-up of endpoint secrets) must not book
 * it into this tenant. The Connect route routes by (account, livemode), because one Stripe account can back a live
 * tenant and a test tenant, and the account alone would pick one of them at random.
 */
export function createWebhookTenantResolver(options: WebhookTenantResolverOptions): WebhookTenantResolver {
  const byId = createTtlCache<TenantSettings>({ ttlMs: options.ttlMs, maxEntries: 10_000, now: options.now });
  const directory = createTtlCache<TenantSettings[]>({ ttlMs: options.ttlMs, maxEntries: 1, now: options.now });

  return {
    async forTenantRoute(tenantId, envelope) {
      const tenant = await byId.get(tenantId, () => options.tenants.get(tenantId));
      if (!tenant) return { kind: 'skip', reason: 'unknown_tenant', auditTenantId: tenantId };
      if (envelope.account !== undefined && envelope.account !== tenant.stripe.accountId)
        return {
          kind: 'skip',
          reason: 'account_mismatch',
          auditTenantId: tenant.tenantId,
          detail: `tenant_account=${tenant.stripe.accountId ?? 'none'}`,
        };
      return { kind: 'tenant', tenant };
    },

    async forConnect(envelope) {
      const account = envelope.account;
      if (account === undefined)
        return { kind: 'skip', reason: 'unknown_tenant', auditTenantId: CONNECT_PLATFORM_AUDIT_TENANT };
      const all = (await directory.get('tenants', () => options.tenants.list())) ?? [];
      const forAccount = all.filter((tenant) => tenant.stripe.accountId === account);
      const matching = forAccount.filter((tenant) => tenant.stripe.livemode === envelope.livemode);
      const [only, ...others] = matching;
      if (only && others.length === 0) return { kind: 'tenant', tenant: only };
      if (only) {
        const ids = matching.map((tenant) => tenant.tenantId).sort();
        options.onAmbiguous?.(account, envelope.livemode, ids);
        return { kind: 'skip', reason: 'unknown_tenant', auditTenantId: account, detail: 'ambiguous_account' };
      }
      const other = forAccount[0];
      if (other)
        return {
          kind: 'skip',
          reason: 'livemode_mismatch',
          auditTenantId: other.tenantId,
          detail: `tenant_livemode=${String(other.stripe.livemode)}`,
        };
      return { kind: 'skip', reason: 'unknown_tenant', auditTenantId: account };
    },
  };
}
