import type { SeedCompany } from './company';

/**
 * The seeded demo company: a chart of accounts and items shaped like Intuit's sandbox company (the fixtures' ids
 * where they exist: 4 Undeposited Funds, 35 Checking, 36 Savings, 86 Discounts given) plus what a Stripe
 * integration needs (a Stripe clearing bank account, a fees expense account). The demo tenant's settings point
 * at these ids, so they are part of the contract: change them together.
 */
export const DEMO_REALM_ID = '9130350000000001';

export const DEMO_ACCOUNT_IDS = {
  services: '1',
  undepositedFunds: '4',
  openingBalanceEquity: '34',
  checking: '35',
  savings: '36',
  sales: '79',
  accountsReceivable: '84',
  discounts: '86',
  stripeClearing: '90',
  stripeFees: '91',
  salesTaxPayable: '92',
  refunds: '93',
} as const;

export const DEMO_ITEM_IDS = {
  services: '1',
  stripeSales: '20',
  shipping: '21',
} as const;

export type AccountSeed = [id: string, name: string, type: string, subType: string, classification: string];

const ACCOUNTS: AccountSeed[] = [
  [DEMO_ACCOUNT_IDS.services, 'Services', 'Income', 'ServiceFeeIncome', 'Revenue'],
  [DEMO_ACCOUNT_IDS.undepositedFunds, 'Undeposited Funds', 'Other Current Asset', 'UndepositedFunds', 'Asset'],
  [DEMO_ACCOUNT_IDS.openingBalanceEquity, 'Opening Balance Equity', 'Equity', 'OpeningBalanceEquity', 'Equity'],
  [DEMO_ACCOUNT_IDS.checking, 'Checking', 'Bank', 'Checking', 'Asset'],
  [DEMO_ACCOUNT_IDS.savings, 'Savings', 'Bank', 'Savings', 'Asset'],
  [DEMO_ACCOUNT_IDS.sales, 'Sales of Product Income', 'Income', 'SalesOfProductIncome', 'Revenue'],
  [
    DEMO_ACCOUNT_IDS.accountsReceivable,
    'Accounts Receivable (A/R)',
    'Accounts Receivable',
    'AccountsReceivable',
    'Asset',
  ],
  [DEMO_ACCOUNT_IDS.discounts, 'Discounts given', 'Income', 'DiscountsRefundsGiven', 'Revenue'],
  [DEMO_ACCOUNT_IDS.stripeClearing, 'Stripe Clearing', 'Bank', 'Checking', 'Asset'],
  [DEMO_ACCOUNT_IDS.stripeFees, 'Stripe Fees', 'Expense', 'BankCharges', 'Expense'],
  [DEMO_ACCOUNT_IDS.salesTaxPayable, 'Sales Tax Payable', 'Other Current Liability', 'SalesTaxPayable', 'Liability'],
  [DEMO_ACCOUNT_IDS.refunds, 'Refunds', 'Income', 'DiscountsRefundsGiven', 'Revenue'],
];

/** A QBO Account as the simulator's seed holds it (also used for the local demo tenant's extra accounts). */
export function account([id, name, type, subType, classification]: AccountSeed): Record<string, unknown> {
  return {
    Id: id,
    Name: name,
    FullyQualifiedName: name,
    SubAccount: false,
    Classification: classification,
    AccountType: type,
    AccountSubType: subType,
    CurrentBalance: 0,
    CurrentBalanceWithSubAccounts: 0,
    Active: true,
    CurrencyRef: { value: 'USD', name: 'United States Dollar' },
  };
}

function serviceItem(id: string, name: string, incomeAccountId: string): Record<string, unknown> {
  const income = ACCOUNTS.find(([accountId]) => accountId === incomeAccountId);
  return {
    Id: id,
    Name: name,
    FullyQualifiedName: name,
    Active: true,
    Taxable: false,
    UnitPrice: 0,
    Type: 'Service',
    IncomeAccountRef: { value: incomeAccountId, name: income?.[1] ?? '' },
    PurchaseCost: 0,
    TrackQtyOnHand: false,
  };
}

/**
 * A US company on automated sales tax, as every US company created since November 2017 is (Intuit's AST notes):
 * a sales form sent without TxnTaxDetail gets tax on its taxable lines. Its items are not taxable, so the demo's
 * documents carry no computed tax; a test that needs one creates a taxable item.
 */
export const DEMO_COMPANY: SeedCompany = {
  settings: { uniqueDocNumbers: true, tax: 'us-automated' },
  entities: {
    Account: ACCOUNTS.map(account),
    Item: [
      serviceItem(DEMO_ITEM_IDS.services, 'Services', DEMO_ACCOUNT_IDS.services),
      serviceItem(DEMO_ITEM_IDS.stripeSales, 'Stripe Sales', DEMO_ACCOUNT_IDS.sales),
      serviceItem(DEMO_ITEM_IDS.shipping, 'Shipping', DEMO_ACCOUNT_IDS.sales),
    ],
  },
};
