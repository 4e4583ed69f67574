import { NAME_LIST_ENTITIES } from '../../shared/qbo/entities';
import type { QboEntityName } from '../../shared/qbo/entities';
import type { SimCompany } from './company';
import { faults } from './fault-bodies';
import { computeSalesLines, requireRef, optionalRef } from './sales-lines';
import { SimFault, asArray, asRecord, clone, money, num, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * The QBO rules our code depends on, applied before a write is kept: required fields, references that must exist
 * (2500), DisplayName/Name uniqueness (6240), DocNumber uniqueness (6140), balanced journal entries, deposits that
 * name an account, and the computed fields (TotalAmt, Balance, line Ids, names on refs).
 */
type Draft = Record<string, unknown>;
type Rule = (company: SimCompany, draft: Draft, existing: SimRecord | undefined) => Draft;

const USD = { value: 'USD', name: 'United States Dollar' };
const SERVER_FIELDS = ['Id', 'SyncToken', 'MetaData', 'domain', 'sparse'];

function normalName(value: unknown): string {
  return String(value ?? '')
    .trim()
    .toLowerCase();
}

function assertUniqueName(
  company: SimCompany,
  entities: Iterable<QboEntityName>,
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
  return {
    FullyQualifiedName: draft.Name,
    Classification: ACCOUNT_CLASSIFICATION[draft.AccountType] ?? 'Asset',
    CurrencyRef: USD,
    CurrentBalance: 0,
    CurrentBalanceWithSubAccounts: 0,
    Active: true,
    SubAccount: false,
    ...draft,
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

function docNumberRule(company: SimCompany, entity: QboEntityName, draft: Draft, existing: SimRecord | undefined) {
  if (draft.DocNumber === undefined || draft.DocNumber === '') {
    draft.DocNumber = existing?.DocNumber ?? company.allocateDocNumber();
    return;
  }
  const docNumber = String(draft.DocNumber);
  if (docNumber.length > 21)
    throw new SimFault({
      Message: 'String length is either shorter or longer than supported by specification',
      Detail: `String length specified does not match the supported length. Min:0 Max:21 supplied length:${docNumber.length}`,
      code: '2050',
      element: 'DocNumber',
    });
  if (!company.settings.uniqueDocNumbers) return;
  for (const row of company.list(entity)) {
    if (row.Id !== existing?.Id && row.DocNumber === docNumber)
      throw new SimFault(faults.duplicateDocNumber(docNumber, entity, row.Id));
  }
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function salesFormRule(entity: 'Invoice' | 'CreditMemo' | 'SalesReceipt' | 'RefundReceipt'): Rule {
  return (company, draft, existing) => {
    if (entity === 'Invoice' || entity === 'CreditMemo') {
      if (draft.CustomerRef === undefined) throw new SimFault(faults.requiredParam('CustomerRef'));
    }
    requireRef(company, 'Customer', draft, 'CustomerRef', 'DisplayName');
    if (entity === 'RefundReceipt' && draft.DepositToAccountRef === undefined)
      throw new SimFault(faults.requiredParam('DepositToAccountRef'));
    if (entity === 'SalesReceipt' && draft.DepositToAccountRef === undefined)
      draft.DepositToAccountRef = { value: '4', name: 'Undeposited Funds' };
    optionalRef(company, 'Account', draft, 'DepositToAccountRef');
    docNumberRule(company, entity, draft, existing);
    const { lines, totalAmt, tax } = computeSalesLines(company, draft);
    const txnDate = typeof draft.TxnDate === 'string' ? draft.TxnDate : company.today();
    const result: Draft = {
      CurrencyRef: USD,
      ...draft,
      TxnDate: txnDate,
      Line: lines,
      TxnTaxDetail: tax,
      TotalAmt: totalAmt,
      ApplyTaxAfterDiscount: draft.ApplyTaxAfterDiscount ?? false,
      PrintStatus: draft.PrintStatus ?? 'NeedToPrint',
      EmailStatus: draft.EmailStatus ?? 'NotSet',
    };
    if (entity === 'Invoice') {
      // Payments already applied stay applied; the open balance follows the new total.
      const applied = existing ? money(Number(existing.TotalAmt) - Number(existing.Balance)) : 0;
      if (applied > totalAmt) throw new SimFault(faults.businessRule('The invoice total is less than its payments.'));
      result.DueDate = draft.DueDate ?? addDays(txnDate, 30);
      result.LinkedTxn = existing?.LinkedTxn ?? [];
      result.Balance = money(totalAmt - applied);
    } else if (entity === 'CreditMemo') {
      const used = existing ? money(Number(existing.TotalAmt) - Number(existing.RemainingCredit)) : 0;
      result.RemainingCredit = money(totalAmt - used);
      result.Balance = result.RemainingCredit;
    } else {
      result.Balance = 0;
    }
    return result;
  };
}

const paymentRule: Rule = (company, draft) => {
  if (draft.CustomerRef === undefined) throw new SimFault(faults.requiredParam('CustomerRef'));
  requireRef(company, 'Customer', draft, 'CustomerRef', 'DisplayName');
  const totalAmt = num(draft.TotalAmt);
  if (totalAmt === undefined) throw new SimFault(faults.requiredParam('TotalAmt'));
  if (draft.DepositToAccountRef === undefined) draft.DepositToAccountRef = { value: '4' };
  optionalRef(company, 'Account', draft, 'DepositToAccountRef');
  const customerId = refValue(draft.CustomerRef);
  let applied = 0;
  const lines = asArray(draft.Line).map((line) => {
    const amount = num(line.Amount);
    if (amount === undefined) throw new SimFault(faults.requiredParam('Line.Amount'));
    for (const link of asArray(line.LinkedTxn)) {
      const type = String(link.TxnType);
      if (type !== 'Invoice' && type !== 'CreditMemo')
        throw new SimFault(faults.businessRule(`A payment cannot be applied to a ${type}.`));
      const target = company.find(type as QboEntityName, String(link.TxnId));
      if (!target) throw new SimFault(faults.invalidReference('LinkedTxn', String(link.TxnId)));
      if (refValue(target.CustomerRef) !== customerId)
        throw new SimFault(faults.businessRule('The transaction belongs to a different customer.'));
      applied += type === 'Invoice' ? amount : -amount;
    }
    return { ...line, Amount: amount };
  });
  const unapplied = money(totalAmt - applied);
  if (unapplied < 0) throw new SimFault(faults.businessRule('The amount applied exceeds the payment amount.'));
  return {
    CurrencyRef: USD,
    ...draft,
    TxnDate: draft.TxnDate ?? company.today(),
    Line: lines,
    TotalAmt: money(totalAmt),
    UnappliedAmt: unapplied,
    ProcessPayment: draft.ProcessPayment ?? false,
    LinkedTxn: (draft.LinkedTxn as unknown[] | undefined) ?? [],
  };
};

const DEPOSITABLE = new Set(['Payment', 'SalesReceipt', 'RefundReceipt']);

const depositRule: Rule = (company, draft) => {
  // QBO rejects a deposit that does not say which bank account it lands in.
  if (draft.DepositToAccountRef === undefined) throw new SimFault(faults.requiredParam('DepositToAccountRef'));
  requireRef(company, 'Account', draft, 'DepositToAccountRef');
  let lineNum = 1;
  let sum = 0;
  const lines = asArray(draft.Line).map((line) => {
    const amount = num(line.Amount);
    if (amount === undefined) throw new SimFault(faults.requiredParam('Line.Amount'));
    sum += amount;
    const links = asArray(line.LinkedTxn);
    if (links.length > 0) {
      for (const link of links) {
        const type = String(link.TxnType);
        const target = DEPOSITABLE.has(type) ? company.find(type as QboEntityName, String(link.TxnId)) : undefined;
        if (!target) throw new SimFault(faults.invalidReference('LinkedTxn', String(link.TxnId)));
      }
      return { ...line, Amount: amount };
    }
    const detail = asRecord(line.DepositLineDetail);
    if (detail.AccountRef === undefined) throw new SimFault(faults.requiredParam('DepositLineDetail.AccountRef'));
    requireRef(company, 'Account', detail, 'AccountRef');
    optionalRef(company, 'Customer', detail, 'Entity');
    return { Id: String(lineNum), LineNum: lineNum++, ...line, Amount: amount, DetailType: 'DepositLineDetail' };
  });
  const cashBack = draft.CashBack === undefined ? undefined : asRecord(draft.CashBack);
  if (cashBack) requireRef(company, 'Account', cashBack, 'AccountRef');
  const totalAmt = money(sum - (num(cashBack?.Amount) ?? 0));
  return { CurrencyRef: USD, ...draft, TxnDate: draft.TxnDate ?? company.today(), Line: lines, TotalAmt: totalAmt };
};

const journalEntryRule: Rule = (company, draft) => {
  let debit = 0;
  let credit = 0;
  const lines = asArray(draft.Line).map((line, index) => {
    const detail = asRecord(line.JournalEntryLineDetail);
    const amount = num(line.Amount);
    if (amount === undefined) throw new SimFault(faults.requiredParam('Line.Amount'));
    if (detail.AccountRef === undefined) throw new SimFault(faults.requiredParam('JournalEntryLineDetail.AccountRef'));
    requireRef(company, 'Account', detail, 'AccountRef');
    if (detail.PostingType === 'Debit') debit += amount;
    else if (detail.PostingType === 'Credit') credit += amount;
    else throw new SimFault(faults.requiredParam('PostingType'));
    // QBO numbers journal lines from "0", unlike every other transaction.
    return { Id: String(index), ...line, Amount: amount, DetailType: 'JournalEntryLineDetail' };
  });
  if (lines.length === 0) throw new SimFault(faults.requiredParam('Line'));
  if (money(debit) !== money(credit))
    throw new SimFault(faults.businessRule('You must balance your journal entry: debits must equal credits.'));
  return {
    Adjustment: false,
    CurrencyRef: USD,
    ...draft,
    TxnDate: draft.TxnDate ?? company.today(),
    Line: lines,
    TotalAmt: money(debit),
    TxnTaxDetail: draft.TxnTaxDetail ?? {},
  };
};

/** A manual payout: Stripe clearing → bank. Both accounts must exist and differ; Amount is the total. */
const transferRule: Rule = (company, draft) => {
  for (const field of ['FromAccountRef', 'ToAccountRef']) {
    if (draft[field] === undefined) throw new SimFault(faults.requiredParam(field));
    requireRef(company, 'Account', draft, field);
  }
  if (refValue(draft.FromAccountRef) === refValue(draft.ToAccountRef))
    throw new SimFault(faults.businessRule('A transfer needs two different accounts.'));
  const amount = num(draft.Amount);
  if (amount === undefined || amount <= 0) throw new SimFault(faults.requiredParam('Amount'));
  return { CurrencyRef: USD, ...draft, TxnDate: draft.TxnDate ?? company.today(), Amount: money(amount) };
};

const RULES: Record<QboEntityName, Rule> = {
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
};

export function prepareEntity(company: SimCompany, entity: QboEntityName, draft: Draft, existing?: SimRecord): Draft {
  const clean = clone(draft);
  for (const field of SERVER_FIELDS) delete clean[field];
  return RULES[entity](company, clean, existing);
}
