import type { TenantSettings } from '../../schemas/tenant-settings.schema';

/** A complete tenant in invoices mode; override what a test is about. */
export function buildTenantSettings(overrides: Partial<TenantSettings> = {}): TenantSettings {
  return {
    tenantId: 'acme',
    enabled: true,
    stripe: { accountId: null, livemode: false },
    qbo: { realmId: '9130350000000000', environment: 'sandbox', multicurrency: false },
    homeCurrency: 'USD',
    timezone: 'America/New_York',
    goLiveAt: '2020-01-01T00:00:00Z',
    mode: 'invoices',
    flags: { dryRun: false, autoPost: true },
    accounts: {
      stripeClearing: '35',
      bank: '36',
      stripeFees: '70',
      disputes: '71',
      adjustments: '72',
      discountAccount: '86',
    },
    items: { defaultItem: '1', taxItem: '2', byStripeProduct: {} },
    ...overrides,
  };
}
