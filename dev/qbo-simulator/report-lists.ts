import type { SimCompany } from './company';
import type { SimEntityName } from './entities';
import { qboMetaTime } from './fault-bodies';
import { allPostings, natural, REPORT_TXN_TYPE, splitOf } from './postings';
import type { Posting } from './postings';
import { header, period, text } from './report-format';
import type { ReportRequest } from './report-format';
import { num } from './sim-fault';

/**
 * The list reports, in the shapes of Intuit's report reference and its sample responses (TransactionList: the 2017
 * sample for `start_date=2016-06-01&end_date=2016-07-31`; AccountList: the 2016 sample object). No recorded exchange
 * exists in the VCR set for either.
 *
 * TransactionList: one Data row per transaction in the period, default columns (tx_date, txn_type, doc_num,
 * is_no_post, name, memo, account_name, other_account, subt_nat_home_amount; dept_name only with location tracking,
 * which the simulator has not). Filters: `account` / `source_account` (account ids, comma separated: transactions that
 * post to one of them; the row then shows that account and what moved on it), `transaction_type`, `docnum`,
 * `customer`. Which account a row names when none is asked for (the transaction's first posting: A/R for an invoice,
 * the deposit account for a payment) and the meaning of the account filter are ours; Intuit documents the parameters,
 * not their semantics.
 *
 * AccountList: one Data row per active account; default columns account_name, account_type, detail_acc_type,
 * account_desc, account_bal (a subset with `columns=`), filtered by `account_type` (Intuit's enumeration without
 * spaces: `Bank`, `OtherCurrentAsset`, …). The balance is the account's CurrentBalance (account-balances.ts).
 */
const TRANSACTION_TYPE_FILTER: Record<string, SimEntityName> = {
  Invoice: 'Invoice',
  ReceivePayment: 'Payment',
  Payment: 'Payment',
  SalesReceipt: 'SalesReceipt',
  CreditMemo: 'CreditMemo',
  CreditRefund: 'RefundReceipt',
  Deposit: 'Deposit',
  JournalEntry: 'JournalEntry',
  Transfer: 'Transfer',
};

const idList = (value: string | null): string[] | undefined =>
  value === null
    ? undefined
    : value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);

function transactionRow(company: SimCompany, shown: Posting, all: Posting[]) {
  const account = company.find('Account', shown.accountId);
  return {
    ColData: [
      { value: shown.date },
      { value: REPORT_TXN_TYPE[shown.txnType] ?? shown.txnType, id: shown.txnId },
      { value: shown.docNumber },
      { value: 'Yes' },
      shown.name ? { value: shown.name.name, id: shown.name.value } : { value: '', id: '' },
      { value: String(company.find(shown.txnType, shown.txnId)?.PrivateNote ?? '') },
      { value: String(account?.Name ?? ''), id: shown.accountId },
      splitOf(company, shown, all),
      {
        value: text(
          natural(
            account,
            all.filter((p) => samePosting(p, shown)).reduce((s, p) => s + p.amount, 0),
          ),
        ),
      },
    ],
    type: 'Data',
  };
}

/** Postings of one transaction to one account (a deposit may credit the clearing account on several lines). */
function samePosting(a: Posting, b: Posting): boolean {
  return a.txnType === b.txnType && a.txnId === b.txnId && a.accountId === b.accountId;
}

export function transactionList(company: SimCompany, request: ReportRequest) {
  const { params } = request;
  const { start, end } = period(company, params);
  const accounts = idList(params.get('account') ?? params.get('source_account'));
  const types = idList(params.get('transaction_type'))?.map((t) => TRANSACTION_TYPE_FILTER[t] ?? t);
  const customers = idList(params.get('customer'));
  const docNumber = params.get('docnum');
  const postings = allPostings(company);
  const rows: Array<ReturnType<typeof transactionRow>> = [];
  const seen = new Set<string>();
  const inPeriod = postings
    .filter((p) => p.date >= start && p.date <= end)
    .sort((a, b) => a.date.localeCompare(b.date) || Number(a.txnId) - Number(b.txnId));
  for (const posting of inPeriod) {
    const key = `${posting.txnType}:${posting.txnId}`;
    if (seen.has(key)) continue;
    if (accounts && !accounts.includes(posting.accountId)) continue;
    if (types && !types.includes(posting.txnType)) continue;
    if (customers && !customers.includes(posting.name?.value ?? '')) continue;
    if (docNumber !== null && posting.docNumber !== docNumber) continue;
    seen.add(key);
    rows.push(transactionRow(company, posting, postings));
  }
  return {
    Header: header(company, 'TransactionList', request, { start, end }, rows.length === 0),
    Columns: {
      Column: [
        { ColTitle: 'Date', ColType: 'tx_date' },
        { ColTitle: 'Transaction Type', ColType: 'txn_type' },
        { ColTitle: 'Num', ColType: 'doc_num' },
        { ColTitle: 'Posting', ColType: 'is_no_post' },
        { ColTitle: 'Name', ColType: 'name' },
        { ColTitle: 'Memo/Description', ColType: 'memo' },
        { ColTitle: 'Account', ColType: 'account_name' },
        { ColTitle: 'Split', ColType: 'other_account' },
        { ColTitle: 'Amount', ColType: 'subt_nat_home_amount' },
      ],
    },
    Rows: { Row: rows },
  };
}

const ACCOUNT_COLUMNS: Record<string, { title: string; cell: (account: Record<string, unknown>) => string }> = {
  account_name: { title: 'Account', cell: (a) => String(a.Name ?? '') },
  account_type: { title: 'Type', cell: (a) => String(a.AccountType ?? '') },
  detail_acc_type: { title: 'Detail type', cell: (a) => String(a.AccountSubType ?? '') },
  account_desc: { title: 'Description', cell: (a) => String(a.Description ?? '') },
  account_bal: {
    title: 'Balance',
    // Income and expense accounts carry no balance in this report.
    cell: (a) =>
      a.Classification === 'Revenue' || a.Classification === 'Expense' ? '' : text(num(a.CurrentBalance) ?? 0),
  },
};
const DEFAULT_ACCOUNT_COLUMNS = ['account_name', 'account_type', 'detail_acc_type', 'account_desc', 'account_bal'];

export function accountList(company: SimCompany, request: ReportRequest) {
  const columns = (idList(request.params.get('columns')) ?? DEFAULT_ACCOUNT_COLUMNS).filter(
    (c) => ACCOUNT_COLUMNS[c] !== undefined,
  );
  const types = idList(request.params.get('account_type'));
  const deleted = request.params.get('account_status') === 'Deleted';
  const rows = company
    .list('Account')
    .filter((a) => (a.Active === false) === deleted)
    .filter((a) => !types || types.includes(String(a.AccountType ?? '').replace(/\s+/g, '')))
    .map((account) => ({
      ColData: columns.map((c) => ({ value: ACCOUNT_COLUMNS[c]?.cell(account) ?? '' })),
      type: 'Data',
    }));
  return {
    Header: {
      Time: qboMetaTime(request.now),
      ReportName: 'AccountList',
      Currency: company.settings.homeCurrency,
      Option: [{ Name: 'NoReportData', Value: String(rows.length === 0) }],
    },
    Columns: { Column: columns.map((c) => ({ ColType: c, ColTitle: ACCOUNT_COLUMNS[c]?.title ?? c })) },
    Rows: { Row: rows },
  };
}
