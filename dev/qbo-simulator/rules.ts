import { NAME_LIST_ENTITIES } from '../../shared/qbo/entities';
import type { SimEntityName } from './entities';
import type { SimCompany } from './company';
import { currencyRef } from './company-modes';
import { accountCurrency, assertKnownCurrency } from './currency';
import { faults } from './fault-bodies';
import { requireRef, optionalRef } from './refs';
import { REQUIRED_ON_CREATE } from './schema/required';
import { SimFault, clone, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';
import { depositRule, journalEntryRule, paymentRule, salesFormRule, transferRule } from './txn-rules';
import type { Draft, Rule } from './txn-rules';

/**
 * The QBO rules for name lists, accounts and items (DisplayName/Name uniqueness 6240 across the lists QBO shares
 * names between, required fields 2020, references 2500/610), and the dispatch to the transaction rules
 * (txn-rules.ts). Property names were already checked against the XSD (schema/properties.ts).
 */
const SERVER_FIELDS = ['Id', 'SyncToken', 'MetaData', 'domain', 'sparse'];

function normalName(value: unknown): string {
  return String(value ?? '')
    .trim()
    .toLowerCase();
}

function assertUniqueName(
  company: SimCompany,
  entities: Iterable<SimEntityName>,
  field: string,
  value: unknown,
  self: SimRecord | undefined,
): void {
  const wanted = normalName(value);
  for (const entity of entities) {
    for (const row of company.list(entity)) {
      if (row === self) continue;
      if (normalName(row[field]) === wanted) throw new SimFault(faults.duplicateName());
    }
  }
}

function nameListRule(kind: 'Customer' | 'Vendor'): Rule {
  return (company, draft, existing) => {
    const given = [draft.GivenName, draft.MiddleName, draft.FamilyName].filter((v) => typeof v === 'string');
    const displayName = draft.DisplayName ?? (given.length > 0 ? given.join(' ') : draft.CompanyName);
    if (typeof displayName !== 'string' || displayName.trim() === '')
      throw new SimFault(faults.requiredParam('DisplayName'));
    // 6240 spans every name list: a vendor named like an existing customer is a duplicate too.
    assertUniqueName(company, NAME_LIST_ENTITIES, 'DisplayName', displayName, existing);
    const currency = refValue(draft.CurrencyRef) ?? company.settings.homeCurrency;
    assertKnownCurrency(company, currency);
    const USD = currencyRef(currency);
    const defaults =
      kind === 'Customer'
        ? {
            Taxable: true,
            Job: false,
            BillWithParent: false,
            Balance: 0,
            BalanceWithJobs: 0,
            CurrencyRef: USD,
            PreferredDeliveryMethod: 'Print',
          }
        : { Balance: 0, Vendor1099: false, CurrencyRef: USD };
    return {
      ...defaults,
      ...draft,
      FullyQualifiedName: displayName,
      DisplayName: displayName,
      PrintOnCheckName: draft.PrintOnCheckName ?? displayName,
      Active: draft.Active ?? true,
      ...(kind === 'Customer' ? { DefaultTaxCodeRef: draft.DefaultTaxCodeRef ?? { value: '2' } } : {}),
    };
  };
}

const ACCOUNT_CLASSIFICATION: Record<string, string> = {
  Bank: 'Asset',
  'Accounts Receivable': 'Asset',
  'Other Current Asset': 'Asset',
  'Fixed Asset': 'Asset',
  'Other Asset': 'Asset',
  'Accounts Payable': 'Liability',
  'Credit Card': 'Liability',
  'Other Current Liability': 'Liability',
  'Long Term Liability': 'Liability',
  Equity: 'Equity',
  Income: 'Revenue',
  'Other Income': 'Revenue',
  'Cost of Goods Sold': 'Expense',
  Expense: 'Expense',
  'Other Expense': 'Expense',
};

const accountRule: Rule = (company, draft, existing) => {
  if (typeof draft.Name !== 'string' || draft.Name.trim() === '') throw new SimFault(faults.requiredParam('Name'));
  if (typeof draft.AccountType !== 'string') throw new SimFault(faults.requiredParam('AccountType'));
  assertUniqueName(company, ['Account'], 'Name', draft.Name, existing);
  const classification = ACCOUNT_CLASSIFICATION[draft.AccountType] ?? 'Asset';
  const currency = currencyRef(accountCurrency(company, draft, classification));
  return {
    FullyQualifiedName: draft.Name,
    Classification: classification,
    CurrentBalance: 0,
    CurrentBalanceWithSubAccounts: 0,
    Active: true,
    SubAccount: false,
    ...draft,
    CurrencyRef: currency,
  };
};

const itemRule: Rule = (company, draft, existing) => {
  if (typeof draft.Name !== 'string' || draft.Name.trim() === '') throw new SimFault(faults.requiredParam('Name'));
  assertUniqueName(company, ['Item'], 'Name', draft.Name, existing);
  const type = typeof draft.Type === 'string' ? draft.Type : 'Service';
  if (type === 'Service' || type === 'NonInventory') {
    if (draft.IncomeAccountRef === undefined) throw new SimFault(faults.requiredParam('IncomeAccountRef'));
    requireRef(company, 'Account', draft, 'IncomeAccountRef');
  }
  optionalRef(company, 'Account', draft, 'ExpenseAccountRef');
  return {
    Active: true,
    FullyQualifiedName: draft.Name,
    Taxable: false,
    UnitPrice: 0,
    Type: type,
    PurchaseCost: 0,
    TrackQtyOnHand: false,
    ...draft,
  };
};

const RULES: Record<SimEntityName, Rule> = {
  Customer: nameListRule('Customer'),
  Vendor: nameListRule('Vendor'),
  Account: accountRule,
  Item: itemRule,
  Invoice: salesFormRule('Invoice'),
  CreditMemo: salesFormRule('CreditMemo'),
  SalesReceipt: salesFormRule('SalesReceipt'),
  RefundReceipt: salesFormRule('RefundReceipt'),
  Payment: paymentRule,
  Deposit: depositRule,
  JournalEntry: journalEntryRule,
  Transfer: transferRule,
  // Read-only here (company.ts refuses writes before a rule runs).
  TaxCode: (_company, draft) => draft,
  TaxRate: (_company, draft) => draft,
  Preferences: (_company, draft) => draft,
  CompanyInfo: (_company, draft) => draft,
};

/** 2020 for a field QBO requires on create (schema/required.ts); an update merges onto what is stored. */
function assertRequired(entity: SimEntityName, draft: Draft): void {
  for (const field of REQUIRED_ON_CREATE[entity] ?? []) {
    const value = draft[field];
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0))
      throw new SimFault(faults.requiredParam(field));
  }
}

export function prepareEntity(company: SimCompany, entity: SimEntityName, draft: Draft, existing?: SimRecord): Draft {
  const clean = clone(draft);
  for (const field of SERVER_FIELDS) delete clean[field];
  assertRequired(entity, clean);
  return RULES[entity](company, clean, existing);
}
