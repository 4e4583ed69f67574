import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { SeedCompany } from '../qbo-simulator/company';
import { account, DEMO_ACCOUNT_IDS, DEMO_COMPANY, DEMO_ITEM_IDS, DEMO_REALM_ID } from '../qbo-simulator/demo-company';

/** Accounts and items the demo tenant maps that the simulator's base demo company does not carry. */
const EXTRA_IDS = { disputes: '94', adjustments: '95', taxItem: '22' } as const;

/** The demo QBO company: the simulator's chart of accounts plus dispute/adjustment accounts and a sales-tax item. */
export const DEMO_TENANT_COMPANY: SeedCompany = {
  ...DEMO_COMPANY,
  entities: {
    ...DEMO_COMPANY.entities,
    Account: [
      ...(DEMO_COMPANY.entities?.Account ?? []),
      account([EXTRA_IDS.disputes, 'Stripe Disputes', 'Expense', 'OtherMiscellaneousServiceCost', 'Expense']),
      account([EXTRA_IDS.adjustments, 'Stripe Adjustments', 'Other Expense', 'OtherMiscellaneousExpense', 'Expense']),
    ],
    Item: [
      ...(DEMO_COMPANY.entities?.Item ?? []),
      {
        Id: EXTRA_IDS.taxItem,
        Name: 'Sales Tax',
        FullyQualifiedName: 'Sales Tax',
        Active: true,
        Taxable: false,
        UnitPrice: 0,
        Type: 'Service',
        IncomeAccountRef: { value: DEMO_ACCOUNT_IDS.salesTaxPayable, name: 'Sales Tax Payable' },
        TrackQtyOnHand: false,
      },
    ],
  },
};

/** The local stack's tenant: a test-mode Stripe account synced into the simulator's demo company. */
export function buildDemoTenant(overrides: Partial<TenantSettings> = {}): TenantSettings {
  return {
    tenantId: 'demo',
    enabled: true,
    stripe: { accountId: null, livemode: false },
    qbo: { realmId: DEMO_REALM_ID, environment: 'sandbox', multicurrency: false },
    homeCurrency: 'USD',
    timezone: 'America/New_York',
    goLiveAt: '2015-01-01T00:00:00Z',
    mode: 'invoices',
    flags: { dryRun: false, autoPost: true },
    accounts: {
      stripeClearing: DEMO_ACCOUNT_IDS.stripeClearing,
      bank: DEMO_ACCOUNT_IDS.checking,
      stripeFees: DEMO_ACCOUNT_IDS.stripeFees,
      disputes: EXTRA_IDS.disputes,
      adjustments: EXTRA_IDS.adjustments,
      discountAccount: DEMO_ACCOUNT_IDS.discounts,
      income: DEMO_ACCOUNT_IDS.sales,
      refunds: DEMO_ACCOUNT_IDS.refunds,
    },
    items: { defaultItem: DEMO_ITEM_IDS.stripeSales, taxItem: EXTRA_IDS.taxItem, byStripeProduct: {} },
    ...overrides,
  };
}
