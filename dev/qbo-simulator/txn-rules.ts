import type { SimCompany } from './company';
import { currencyFields, transactionCurrency } from './currency';
import type { SimEntityName } from './entities';
import { faults } from './fault-bodies';
import { requireRef, optionalRef } from './refs';
import { computeSalesLines } from './sales-lines';
import { SimFault, asArray, asRecord, money, num, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * The rules QBO applies to transactions before it keeps one: references that exist and are active, accounts of the
 * right type, DocNumber uniqueness and custom numbering, balanced journal entries, and the fields QBO computes
 * (TotalAmt, Balance, line Ids, names on refs).
 */
export type Draft = Record<string, unknown>;
export type Rule = (company: SimCompany, draft: Draft, existing: SimRecord | undefined) => Draft;

/**
 * Where money lands: QBO lets a payment, a sales receipt, a refund receipt or a deposit use only a Bank or an Other
 * Current Asset account (Undeposited Funds is one) as DepositToAccountRef. The answer is QBO's "Invalid account
 * type" fault (its wording, as quoted in ruckus/quickbooks-ruby issues #229 and #532).
 */
const DEPOSIT_TO_TYPES = new Set(['Bank', 'Other Current Asset']);

function invalidAccountType(): SimFault {
  return new SimFault({
    Message: 'Invalid account type',
    Detail: 'Invalid account type : You need to select a different type of account for this transaction.',
    code: '6000',
    element: '',
  });
}

export function depositToAccount(company: SimCompany, draft: Draft): SimRecord | undefined {
  const account = requireRef(company, 'Account', draft, 'DepositToAccountRef');
  if (account && !DEPOSIT_TO_TYPES.has(String(account.AccountType))) throw invalidAccountType();
  return account;
}

function docNumberRule(company: SimCompany, entity: SimEntityName, draft: Draft, existing: SimRecord | undefined) {
  // Custom transaction numbers off: QBO numbers the form itself and ignores the DocNumber sent.
  if (!company.settings.customTxnNumbers && existing === undefined) draft.DocNumber = undefined;
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

export function salesFormRule(entity: 'Invoice' | 'CreditMemo' | 'SalesReceipt' | 'RefundReceipt'): Rule {
  return (company, draft, existing) => {
    if (entity === 'Invoice' || entity === 'CreditMemo') {
      if (draft.CustomerRef === undefined) throw new SimFault(faults.requiredParam('CustomerRef'));
    }
    const customer = requireRef(company, 'Customer', draft, 'CustomerRef', 'DisplayName');
    if (entity === 'RefundReceipt' && draft.DepositToAccountRef === undefined)
      throw new SimFault(faults.requiredParam('DepositToAccountRef'));
    if (entity === 'SalesReceipt' && draft.DepositToAccountRef === undefined)
      draft.DepositToAccountRef = { value: '4', name: 'Undeposited Funds' };
    const depositTo =
      entity === 'SalesReceipt' || entity === 'RefundReceipt' || draft.DepositToAccountRef !== undefined
        ? depositToAccount(company, draft)
        : undefined;
    const currency = transactionCurrency(company, draft, { customer, accounts: [depositTo] });
    docNumberRule(company, entity, draft, existing);
    const { lines, totalAmt, tax } = computeSalesLines(company, draft);
    const txnDate = typeof draft.TxnDate === 'string' ? draft.TxnDate : company.today();
    const result: Draft = {
      ...draft,
      ...currencyFields(currency, totalAmt),
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

export const paymentRule: Rule = (company, draft) => {
  if (draft.CustomerRef === undefined) throw new SimFault(faults.requiredParam('CustomerRef'));
  const customer = requireRef(company, 'Customer', draft, 'CustomerRef', 'DisplayName');
  const totalAmt = num(draft.TotalAmt);
  if (totalAmt === undefined) throw new SimFault(faults.requiredParam('TotalAmt'));
  if (draft.DepositToAccountRef === undefined) draft.DepositToAccountRef = { value: '4' };
  const depositTo = depositToAccount(company, draft);
  const customerId = refValue(draft.CustomerRef);
  const targets: SimRecord[] = [];
  let applied = 0;
  const lines = asArray(draft.Line).map((line) => {
    const amount = num(line.Amount);
    if (amount === undefined) throw new SimFault(faults.requiredParam('Line.Amount'));
    for (const link of asArray(line.LinkedTxn)) {
      const type = String(link.TxnType);
      if (type !== 'Invoice' && type !== 'CreditMemo')
        throw new SimFault(faults.businessRule(`A payment cannot be applied to a ${type}.`));
      const target = company.find(type as SimEntityName, String(link.TxnId));
      if (!target) throw new SimFault(faults.invalidReference('LinkedTxn', String(link.TxnId)));
      if (refValue(target.CustomerRef) !== customerId)
        throw new SimFault(faults.businessRule('The transaction belongs to a different customer.'));
      targets.push(target);
      applied += type === 'Invoice' ? amount : -amount;
    }
    return { ...line, Amount: amount };
  });
  const unapplied = money(totalAmt - applied);
  if (unapplied < 0) throw new SimFault(faults.businessRule('The amount applied exceeds the payment amount.'));
  const currency = transactionCurrency(company, draft, { customer, accounts: [depositTo], linked: targets });
  return {
    ...draft,
    ...currencyFields(currency, totalAmt),
    TxnDate: draft.TxnDate ?? company.today(),
    Line: lines,
    TotalAmt: money(totalAmt),
    UnappliedAmt: unapplied,
    ProcessPayment: draft.ProcessPayment ?? false,
    LinkedTxn: (draft.LinkedTxn as unknown[] | undefined) ?? [],
  };
};

const DEPOSITABLE = new Set(['Payment', 'SalesReceipt', 'RefundReceipt']);

/**
 * A deposit line that does not link a payment posts to an account. QBO keeps Undeposited Funds for payments it can
 * link (a line on it is refused: "Select a bank account for this deposit", routablehq/python-quickbooks issue
 * #391), and receivables/payables need a customer or vendor transaction, so those account types are refused.
 */
const DEPOSIT_LINE_REFUSED_TYPES = new Set(['Accounts Receivable', 'Accounts Payable']);

function depositLineAccount(company: SimCompany, detail: Draft): SimRecord | undefined {
  const account = requireRef(company, 'Account', detail, 'AccountRef');
  if (!account) return undefined;
  if (account.AccountSubType === 'UndepositedFunds')
    throw new SimFault(faults.businessRule('Select a bank account for this deposit'));
  if (DEPOSIT_LINE_REFUSED_TYPES.has(String(account.AccountType))) throw invalidAccountType();
  return account;
}

export const depositRule: Rule = (company, draft) => {
  // QBO rejects a deposit that does not say which bank account it lands in.
  if (draft.DepositToAccountRef === undefined) throw new SimFault(faults.requiredParam('DepositToAccountRef'));
  const accounts = [depositToAccount(company, draft)];
  const linkedTxns: SimRecord[] = [];
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
        const target = DEPOSITABLE.has(type) ? company.find(type as SimEntityName, String(link.TxnId)) : undefined;
        if (!target) throw new SimFault(faults.invalidReference('LinkedTxn', String(link.TxnId)));
        linkedTxns.push(target);
      }
      return { ...line, Amount: amount };
    }
    const detail = asRecord(line.DepositLineDetail);
    if (detail.AccountRef === undefined) throw new SimFault(faults.requiredParam('DepositLineDetail.AccountRef'));
    accounts.push(depositLineAccount(company, detail));
    optionalRef(company, 'Customer', detail, 'Entity');
    return { Id: String(lineNum), LineNum: lineNum++, ...line, Amount: amount, DetailType: 'DepositLineDetail' };
  });
  const cashBack = draft.CashBack === undefined ? undefined : asRecord(draft.CashBack);
  if (cashBack) requireRef(company, 'Account', cashBack, 'AccountRef');
  const totalAmt = money(sum - (num(cashBack?.Amount) ?? 0));
  const currency = transactionCurrency(company, draft, { accounts, linked: linkedTxns });
  return {
    ...draft,
    ...currencyFields(currency, totalAmt),
    TxnDate: draft.TxnDate ?? company.today(),
    Line: lines,
    TotalAmt: totalAmt,
  };
};

export const journalEntryRule: Rule = (company, draft) => {
  const accounts: Array<SimRecord | undefined> = [];
  let debit = 0;
  let credit = 0;
  const lines = asArray(draft.Line).map((line, index) => {
    const detail = asRecord(line.JournalEntryLineDetail);
    const amount = num(line.Amount);
    if (amount === undefined) throw new SimFault(faults.requiredParam('Line.Amount'));
    if (detail.AccountRef === undefined) throw new SimFault(faults.requiredParam('JournalEntryLineDetail.AccountRef'));
    accounts.push(requireRef(company, 'Account', detail, 'AccountRef'));
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
    ...draft,
    ...currencyFields(transactionCurrency(company, draft, { accounts }), money(debit)),
    TxnDate: draft.TxnDate ?? company.today(),
    Line: lines,
    TotalAmt: money(debit),
    TxnTaxDetail: draft.TxnTaxDetail ?? {},
  };
};

/**
 * Transfer (the planner's manual payouts): FromAccountRef and ToAccountRef are different balance-sheet accounts
 * (QBO lists Bank, Credit Card and other asset/liability/equity accounts in a transfer, never income or expense),
 * Amount is positive.
 */
const TRANSFER_REFUSED_CLASSIFICATIONS = new Set(['Revenue', 'Expense']);

export const transferRule: Rule = (company, draft) => {
  const from = requireRef(company, 'Account', draft, 'FromAccountRef');
  const to = requireRef(company, 'Account', draft, 'ToAccountRef');
  if (!from) throw new SimFault(faults.requiredParam('FromAccountRef'));
  if (!to) throw new SimFault(faults.requiredParam('ToAccountRef'));
  for (const account of [from, to])
    if (TRANSFER_REFUSED_CLASSIFICATIONS.has(String(account.Classification))) throw invalidAccountType();
  if (from.Id === to.Id)
    throw new SimFault(faults.businessRule('The transfer must be between two different accounts.'));
  const amount = num(draft.Amount);
  if (amount === undefined) throw new SimFault(faults.requiredParam('Amount'));
  if (amount <= 0) throw new SimFault(faults.businessRule('The transfer amount must be greater than zero.'));
  return {
    ...draft,
    ...currencyFields(transactionCurrency(company, draft, { accounts: [from, to] }), money(amount)),
    TxnDate: draft.TxnDate ?? company.today(),
    Amount: money(amount),
  };
};
