import type { SimEntityName } from './entities';

/**
 * The properties QBO lets a query's WHERE clause name, per entity; any other property is refused with 4001
 * "QueryValidationError: property 'X' is not queryable" (the raw fault quoted from Intuit in ruckus/quickbooks-ruby
 * issue #403, for Vendor.PrimaryEmailAddr). Intuit staff on intuit/QuickBooks-V3-DotNET-SDK issue #163: "The
 * property which are mentioned as filterable are only queryable" (there: Customer.AcctNum, Account.AcctNum).
 *
 * Sources, per list:
 * - every entity: `Id`, `MetaData.CreateTime`, `MetaData.LastUpdatedTime` are "Filterable: ALL" in
 *   IntuitBaseTypes.xsd (IntuitEntity, ModificationMetaData);
 * - every transaction: `DocNumber` ("Filterable: QBO") and `TxnDate` ("Filterable: ALL") on Finance.xsd Transaction;
 *   `Balance` and `HomeBalance` ("Filterable: ALL") on SalesTransaction;
 * - Customer: Intuit's Customer reference as transcribed in Nytely-Official/quickbooks-api src/types/enums/filters.ts
 *   (Id, DisplayName, GivenName, MiddleName, FamilyName, PrimaryEmailAddr, Active, CompanyName, Balance,
 *   PrintOnCheckName, FullyQualifiedName) and PlumbHQ/nestjs-quickbooks customer-query.dto.ts (the same list), plus
 *   BalanceWithJobs ("Filterable: ALL", IntuitNamesTypes.xsd);
 * - Vendor: PlumbHQ/nestjs-quickbooks vendor-query.dto.ts less Balance and PrimaryEmailAddr, which ruckus #403 lists
 *   among the properties Intuit's Vendor reference does not mark filterable;
 * - Item: PlumbHQ item-query.dto.ts (Name, Type, Sku, Active, FullyQualifiedName) and Finance.xsd Item (Description);
 * - Invoice: the Intuit Invoice reference as transcribed in Nytely-Official/quickbooks-api (CustomerRef, DocNumber,
 *   ProjectRef, TxnDate, SalesTermRef, DueDate, Balance);
 * - SalesReceipt and Payment: Intuit's entity reference with its "filterable" marks, as transcribed in public
 *   TypeScript types ("Extracted from official Intuit Developer documentation": SalesReceipt CustomerRef, ProjectRef,
 *   TotalAmt, Balance; Payment CustomerRef, ProjectRef, PaymentRefNum);
 * - TaxCode (Name, Active, Hidden) and TaxRate (Name, Active, RateValue): Finance.xsd.
 * Not sourced (a reasonable guess, listed in the README): Account beyond Id/MetaData (Name, Active, AccountType,
 * Classification, SubAccount, FullyQualifiedName, CurrentBalance), CreditMemo's and RefundReceipt's CustomerRef,
 * Deposit, JournalEntry and Transfer beyond the transaction base.
 */
const EVERY_ENTITY = ['Id', 'MetaData.CreateTime', 'MetaData.LastUpdatedTime'];
const TRANSACTION = [...EVERY_ENTITY, 'DocNumber', 'TxnDate'];
const SALES_TRANSACTION = [...TRANSACTION, 'Balance', 'HomeBalance'];

const FILTERABLE: Record<SimEntityName, readonly string[]> = {
  Customer: [
    ...EVERY_ENTITY,
    'DisplayName',
    'GivenName',
    'MiddleName',
    'FamilyName',
    'PrimaryEmailAddr',
    'Active',
    'CompanyName',
    'Balance',
    'BalanceWithJobs',
    'PrintOnCheckName',
    'FullyQualifiedName',
  ],
  Vendor: [
    ...EVERY_ENTITY,
    'DisplayName',
    'GivenName',
    'MiddleName',
    'FamilyName',
    'Suffix',
    'Active',
    'CompanyName',
    'PrintOnCheckName',
  ],
  Item: [...EVERY_ENTITY, 'Name', 'Type', 'Sku', 'Active', 'FullyQualifiedName', 'Description'],
  Account: [
    ...EVERY_ENTITY,
    'Name',
    'Active',
    'AccountType',
    'Classification',
    'SubAccount',
    'FullyQualifiedName',
    'CurrentBalance',
  ],
  Invoice: [...SALES_TRANSACTION, 'CustomerRef', 'ProjectRef', 'SalesTermRef', 'DueDate'],
  SalesReceipt: [...SALES_TRANSACTION, 'CustomerRef', 'ProjectRef', 'TotalAmt'],
  CreditMemo: [...SALES_TRANSACTION, 'CustomerRef'],
  RefundReceipt: [...SALES_TRANSACTION, 'CustomerRef'],
  Payment: [...TRANSACTION, 'CustomerRef', 'ProjectRef', 'PaymentRefNum'],
  Deposit: TRANSACTION,
  JournalEntry: TRANSACTION,
  Transfer: TRANSACTION,
  TaxCode: [...EVERY_ENTITY, 'Name', 'Active', 'Hidden'],
  TaxRate: [...EVERY_ENTITY, 'Name', 'Active', 'RateValue'],
  Preferences: EVERY_ENTITY,
  CompanyInfo: EVERY_ENTITY,
};

const LOWER: Record<string, ReadonlySet<string>> = Object.fromEntries(
  Object.entries(FILTERABLE).map(([entity, fields]) => [entity, new Set(fields.map((f) => f.toLowerCase()))]),
);

/** True when QBO lets a WHERE clause on `entity` name `field` (compared without regard to case, as QBO does). */
export function isFilterable(entity: SimEntityName, field: string): boolean {
  return LOWER[entity]?.has(field.toLowerCase()) ?? false;
}

export function filterableFields(entity: SimEntityName): readonly string[] {
  return FILTERABLE[entity];
}
