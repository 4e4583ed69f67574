import type { SimCompany } from './company';
import type { SimEntityName } from './entities';
import { asArray, asRecord, money, num, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * What each transaction posts to the ledger, debit-positive: an invoice debits A/R and credits each line's item
 * income account, a payment debits where it is deposited and credits A/R, a deposit debits its bank and credits
 * each line's account (or, for a linked payment, where that payment sat), a journal entry posts its lines, a transfer
 * moves between its accounts. Sales tax posts to the first Sales Tax Payable account; discounts to the line's
 * DiscountAccountRef. Amounts are kept in the transaction's currency and in the home currency (× ExchangeRate).
 * The reports (reports.ts, report-lists.ts) and the accounts' CurrentBalance (account-balances.ts) read these.
 */
export interface Posting {
  date: string;
  txnType: SimEntityName;
  txnId: string;
  docNumber: string;
  name?: { value: string; name: string };
  memo: string;
  accountId: string;
  /** Home currency, debit positive. */
  amount: number;
  /** The transaction's own currency, debit positive. */
  txnAmount: number;
}

export const POSTING_ENTITIES: readonly SimEntityName[] = [
  'Invoice',
  'CreditMemo',
  'SalesReceipt',
  'RefundReceipt',
  'Payment',
  'Deposit',
  'JournalEntry',
  'Transfer',
];

export function isPostingEntity(entity: SimEntityName): boolean {
  return POSTING_ENTITIES.includes(entity);
}

function accountOfType(company: SimCompany, type: string, subType?: string): string | undefined {
  const account = company
    .list('Account')
    .find((a) => a.AccountType === type && (subType === undefined || a.AccountSubType === subType));
  return account?.Id;
}

type Post = (account: string, amount: number, memo?: string) => void;

/** The income side of sales lines (credit for a sale, debit for a refund or credit memo), tax and discounts. */
function salesSide(company: SimCompany, txn: SimRecord, sign: 1 | -1, post: Post) {
  for (const line of asArray(txn.Line)) {
    const amount = num(line.Amount) ?? 0;
    const memo = typeof line.Description === 'string' ? line.Description : undefined;
    if (line.DetailType === 'SalesItemLineDetail') {
      const item = company.find('Item', refValue(asRecord(line.SalesItemLineDetail).ItemRef) ?? '');
      const income = refValue(item?.IncomeAccountRef);
      if (income) post(income, -sign * amount, memo);
    } else if (line.DetailType === 'DiscountLineDetail') {
      const account = refValue(asRecord(line.DiscountLineDetail).DiscountAccountRef);
      if (account) post(account, sign * amount, memo);
    }
  }
  const tax = num(asRecord(txn.TxnTaxDetail).TotalTax) ?? 0;
  const taxAccount = accountOfType(company, 'Other Current Liability', 'SalesTaxPayable');
  if (tax !== 0 && taxAccount) post(taxAccount, -sign * tax);
}

export function postingsOf(company: SimCompany, entity: SimEntityName, txn: SimRecord): Posting[] {
  const postings: Posting[] = [];
  const customer = asRecord(txn.CustomerRef);
  const rate = num(txn.ExchangeRate) ?? 1;
  const note = String(txn.PrivateNote ?? '');
  const base = {
    date: String(txn.TxnDate ?? ''),
    txnType: entity,
    txnId: txn.Id,
    docNumber: String(txn.DocNumber ?? ''),
    ...(typeof customer.value === 'string'
      ? { name: { value: customer.value, name: String(customer.name ?? '') } }
      : {}),
  };
  const post: Post = (accountId, amount, memo) => {
    if (accountId !== '' && money(amount) !== 0)
      postings.push({
        ...base,
        memo: memo ?? note,
        accountId,
        amount: money(amount * rate),
        txnAmount: money(amount),
      });
  };
  const total = num(txn.TotalAmt) ?? 0;
  const receivable = accountOfType(company, 'Accounts Receivable') ?? '';
  const depositTo = refValue(txn.DepositToAccountRef) ?? '';
  switch (entity) {
    case 'Invoice':
      post(receivable, total);
      salesSide(company, txn, 1, post);
      break;
    case 'CreditMemo':
      post(receivable, -total);
      salesSide(company, txn, -1, post);
      break;
    case 'SalesReceipt':
      post(depositTo, total);
      salesSide(company, txn, 1, post);
      break;
    case 'RefundReceipt':
      post(depositTo, -total);
      salesSide(company, txn, -1, post);
      break;
    case 'Payment':
      post(depositTo, total);
      post(receivable, -total);
      break;
    case 'Deposit':
      post(depositTo, total);
      for (const line of asArray(txn.Line)) {
        const amount = num(line.Amount) ?? 0;
        const [link] = asArray(line.LinkedTxn);
        const from = link
          ? refValue(company.find(String(link.TxnType) as SimEntityName, String(link.TxnId))?.DepositToAccountRef)
          : refValue(asRecord(line.DepositLineDetail).AccountRef);
        if (from) post(from, -amount, typeof line.Description === 'string' ? line.Description : undefined);
      }
      if (txn.CashBack !== undefined) {
        const cashBack = asRecord(txn.CashBack);
        const account = refValue(cashBack.AccountRef);
        if (account) post(account, num(cashBack.Amount) ?? 0);
      }
      break;
    case 'JournalEntry':
      for (const line of asArray(txn.Line)) {
        const detail = asRecord(line.JournalEntryLineDetail);
        const account = refValue(detail.AccountRef);
        if (account) post(account, (detail.PostingType === 'Debit' ? 1 : -1) * (num(line.Amount) ?? 0));
      }
      break;
    case 'Transfer':
      post(refValue(txn.ToAccountRef) ?? '', num(txn.Amount) ?? 0);
      post(refValue(txn.FromAccountRef) ?? '', -(num(txn.Amount) ?? 0));
      break;
    default:
      break;
  }
  return postings;
}

export function allPostings(company: SimCompany): Posting[] {
  return POSTING_ENTITIES.flatMap((entity) => company.list(entity).flatMap((txn) => postingsOf(company, entity, txn)));
}

/** Assets and expenses show debits as positive ("natural" amounts, `subt_nat_amount`); the rest credits. */
export function natural(account: SimRecord | undefined, amount: number): number {
  const debitNormal = account?.Classification === 'Asset' || account?.Classification === 'Expense';
  return money(debitNormal ? amount : -amount);
}

/**
 * The GL's "Split" column for one posting: the other account when the transaction touches exactly two, else
 * "-Split-" (qbo_api reports/gl.yml: an invoice's A/R row names "Services", its Services row names the A/R account).
 */
export function splitOf(company: SimCompany, posting: Posting, all: Posting[]): { value: string; id: string } {
  const others = new Set(
    all.filter((p) => p.txnId === posting.txnId && p.txnType === posting.txnType).map((p) => p.accountId),
  );
  others.delete(posting.accountId);
  if (others.size !== 1) return { value: '-Split-', id: '' };
  const [otherId = ''] = others;
  return { value: String(company.find('Account', otherId)?.Name ?? ''), id: otherId };
}

/** How reports name transaction types ("Sales Receipt" as recorded in qbo_api reports/gl.yml; the rest as QBO's UI). */
export const REPORT_TXN_TYPE: Partial<Record<SimEntityName, string>> = {
  Invoice: 'Invoice',
  CreditMemo: 'Credit Memo',
  SalesReceipt: 'Sales Receipt',
  RefundReceipt: 'Refund',
  Payment: 'Payment',
  Deposit: 'Deposit',
  JournalEntry: 'Journal Entry',
  Transfer: 'Transfer',
};
