import { QBO_ENTITIES } from '../../shared/qbo/entities';

/**
 * What the simulator serves: the product's entities (shared/qbo/entities.ts) plus those QBO has that the product
 * only reads or the planner emits without the client naming them (Transfer for manual payouts; the tax and company
 * settings a company mode is seeded with). Kept here so the product's list changes only with the product.
 */
export const SIM_ENTITIES = [...QBO_ENTITIES, 'Transfer', 'TaxCode', 'TaxRate', 'Preferences', 'CompanyInfo'] as const;

export type SimEntityName = (typeof SIM_ENTITIES)[number];

/** Read-only through the API: QBO creates tax codes through TaxService and has one Preferences/CompanyInfo. */
export const READ_ONLY_ENTITIES: ReadonlySet<SimEntityName> = new Set(['TaxCode', 'TaxRate', 'CompanyInfo']);

/** Name lists: inactive rows are hidden from queries, and deactivation renames them "<name> (deleted)". */
export const NAME_LISTS: ReadonlySet<SimEntityName> = new Set(['Customer', 'Vendor', 'Item', 'Account']);

/** Which field holds a name list's name. */
export const NAME_FIELD: Partial<Record<SimEntityName, string>> = {
  Customer: 'DisplayName',
  Vendor: 'DisplayName',
  Item: 'Name',
  Account: 'Name',
};

/** Entities that may be voided (QBO's API voids these three; the rest can only be deleted). */
export const SIM_VOIDABLE: ReadonlySet<SimEntityName> = new Set(['Invoice', 'Payment', 'SalesReceipt']);

export const SIM_DELETABLE: ReadonlySet<SimEntityName> = new Set([
  'Invoice',
  'Payment',
  'CreditMemo',
  'RefundReceipt',
  'SalesReceipt',
  'Deposit',
  'JournalEntry',
  'Transfer',
]);

const BY_LOWER = new Map<string, SimEntityName>(SIM_ENTITIES.map((name) => [name.toLowerCase(), name]));

export function simEntityName(raw: string): SimEntityName | undefined {
  return BY_LOWER.get(raw.toLowerCase());
}
