import type { SimEntityName } from '../entities';

/**
 * Fields QBO requires on create, per entity, from the "Required" column of Intuit's API reference for each entity
 * (the XSD marks few of them: its elements are almost all minOccurs="0", so requiredness is a service rule, not a
 * schema one). A missing one is answered with 2020 "Required param missing". Conditional rules (a Customer needs
 * DisplayName or one of the name parts; a Service item needs IncomeAccountRef; a deposit line needs an account
 * unless it links a payment) live with the entity's rule in rules.ts / txn-rules.ts.
 */
export const REQUIRED_ON_CREATE: Partial<Record<SimEntityName, readonly string[]>> = {
  Account: ['Name'],
  Item: ['Name'],
  Invoice: ['CustomerRef', 'Line'],
  CreditMemo: ['CustomerRef', 'Line'],
  SalesReceipt: ['Line'],
  RefundReceipt: ['Line', 'DepositToAccountRef'],
  Payment: ['CustomerRef', 'TotalAmt'],
  Deposit: ['DepositToAccountRef', 'Line'],
  JournalEntry: ['Line'],
  Transfer: ['FromAccountRef', 'ToAccountRef', 'Amount'],
};
