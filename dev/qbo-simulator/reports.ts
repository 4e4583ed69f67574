import type { SimCompany } from './company';
import type { SimEntityName } from './entities';
import { faults, qboMetaTime } from './fault-bodies';
import { SimFault, asArray, asRecord, money, num, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * GET /v3/company/{realm}/reports/{GeneralLedger|TrialBalance}?start_date&end_date[&account=1,2]: the reports a
 * reconciliation reads, computed from the simulator's transactions. The GeneralLedger shape (Header, Columns, one
 * Section per account with a Beginning Balance row, Data rows and a "Total for …" Summary) is the one recorded from
 * the sandbox in qbo_api spec/vcr/reports/gl.yml; TrialBalance follows Intuit's report reference (no recording).
 *
 * Postings are debit-positive: an invoice debits A/R and credits each line's item income account, a payment debits
 * where it is deposited and credits A/R, a deposit debits its bank and credits each line's account (or, for a
 * linked payment, where that payment sat), a journal entry posts its lines, a transfer moves between its accounts.
 * Sales tax posts to the first Sales Tax Payable account; discounts to the line's DiscountAccountRef.
 */
interface Posting {
  date: string;
  txnType: SimEntityName;
  txnId: string;
  docNumber: string;
  name?: { value: string; name: string };
  memo: string;
  accountId: string;
  /** Debit positive, credit negative. */
  amount: number;
}

const POSTING_ENTITIES: SimEntityName[] = [
  'Invoice',
  'CreditMemo',
  'SalesReceipt',
  'RefundReceipt',
  'Payment',
  'Deposit',
  'JournalEntry',
  'Transfer',
];

function accountOfType(company: SimCompany, type: string, subType?: string): string | undefined {
  const account = company
    .list('Account')
    .find((a) => a.AccountType === type && (subType === undefined || a.AccountSubType === subType));
  return account?.Id;
}

/** The income side of sales lines (credit for a sale, debit for a refund or credit memo), tax and discounts. */
function salesSide(company: SimCompany, txn: SimRecord, sign: 1 | -1, post: (account: string, amount: number) => void) {
  for (const line of asArray(txn.Line)) {
    const amount = num(line.Amount) ?? 0;
    if (line.DetailType === 'SalesItemLineDetail') {
      const item = company.find('Item', refValue(asRecord(line.SalesItemLineDetail).ItemRef) ?? '');
      const income = refValue(item?.IncomeAccountRef);
      if (income) post(income, -sign * amount);
    } else if (line.DetailType === 'DiscountLineDetail') {
      const account = refValue(asRecord(line.DiscountLineDetail).DiscountAccountRef);
      if (account) post(account, sign * amount);
    }
  }
  const tax = num(asRecord(txn.TxnTaxDetail).TotalTax) ?? 0;
  const taxAccount = accountOfType(company, 'Other Current Liability', 'SalesTaxPayable');
  if (tax !== 0 && taxAccount) post(taxAccount, -sign * tax);
}

function postingsOf(company: SimCompany, entity: SimEntityName, txn: SimRecord): Posting[] {
  const postings: Posting[] = [];
  const customer = asRecord(txn.CustomerRef);
  const base = {
    date: String(txn.TxnDate ?? ''),
    txnType: entity,
    txnId: txn.Id,
    docNumber: String(txn.DocNumber ?? ''),
    memo: String(txn.PrivateNote ?? ''),
    ...(typeof customer.value === 'string'
      ? { name: { value: customer.value, name: String(customer.name ?? '') } }
      : {}),
  };
  const post = (accountId: string, amount: number) => {
    if (money(amount) !== 0) postings.push({ ...base, accountId, amount: money(amount) });
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
        if (from) post(from, -amount);
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

function allPostings(company: SimCompany): Posting[] {
  return POSTING_ENTITIES.flatMap((entity) => company.list(entity).flatMap((txn) => postingsOf(company, entity, txn)));
}

/** Assets and expenses show debits as positive ("natural" amounts, `subt_nat_amount`); the rest credits. */
function natural(account: SimRecord | undefined, amount: number): number {
  const debitNormal = account?.Classification === 'Asset' || account?.Classification === 'Expense';
  return money(debitNormal ? amount : -amount);
}

const text = (value: number): string => value.toFixed(2);
const blank = (count: number) => Array.from({ length: count }, () => ({ value: '' }));

export interface ReportRequest {
  name: string;
  params: URLSearchParams;
  now: number;
}

function period(company: SimCompany, params: URLSearchParams): { start: string; end: string } {
  const today = company.today();
  const start = params.get('start_date') ?? `${today.slice(0, 8)}01`;
  const end = params.get('end_date') ?? today;
  for (const date of [start, end])
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new SimFault(faults.invalidQuery(`invalid date ${date}`));
  return { start, end };
}

function header(
  company: SimCompany,
  name: string,
  request: ReportRequest,
  { start, end }: { start: string; end: string },
  empty: boolean,
) {
  // Without dates QBO reports this month to date and says so (qbo_api reports/gl.yml).
  const macro =
    request.params.has('start_date') || request.params.has('end_date') ? {} : { DateMacro: 'this month-to-date' };
  return {
    Time: qboMetaTime(request.now),
    ReportName: name,
    ...macro,
    ReportBasis: 'Accrual',
    StartPeriod: start,
    EndPeriod: end,
    Currency: company.settings.homeCurrency,
    Option: [{ Name: 'NoReportData', Value: String(empty) }],
  };
}

function generalLedger(company: SimCompany, request: ReportRequest) {
  const { start, end } = period(company, request.params);
  const wanted = request.params.get('account')?.split(',').filter(Boolean);
  const postings = allPostings(company);
  const sections = company
    .list('Account')
    .filter((account) => !wanted || wanted.includes(account.Id))
    .flatMap((account) => {
      const mine = postings.filter((p) => p.accountId === account.Id).sort((a, b) => a.date.localeCompare(b.date));
      const before = mine.filter((p) => p.date < start).reduce((sum, p) => sum + natural(account, p.amount), 0);
      const within = mine.filter((p) => p.date >= start && p.date <= end);
      if (within.length === 0 && money(before) === 0) return [];
      let balance = money(before);
      const rows = within.map((p) => {
        const amount = natural(account, p.amount);
        balance = money(balance + amount);
        return {
          ColData: [
            { value: p.date },
            { value: p.txnType, id: p.txnId },
            { value: p.docNumber },
            p.name ? { value: p.name.name, id: p.name.value } : { value: '' },
            { value: p.memo },
            { value: '' },
            { value: text(amount) },
            { value: text(balance) },
          ],
          type: 'Data',
        };
      });
      const total = within.reduce((sum, p) => sum + natural(account, p.amount), 0);
      return [
        {
          Header: { ColData: [{ value: String(account.Name), id: account.Id }, ...blank(7)] },
          Rows: {
            Row: [
              { ColData: [{ value: 'Beginning Balance' }, ...blank(6), { value: text(money(before)) }], type: 'Data' },
              ...rows,
            ],
          },
          Summary: {
            ColData: [
              { value: `Total for ${String(account.Name)}` },
              ...blank(5),
              { value: text(money(total)) },
              { value: '' },
            ],
          },
          type: 'Section',
        },
      ];
    });
  return {
    Header: header(company, 'GeneralLedger', request, { start, end }, sections.length === 0),
    Columns: {
      Column: [
        { ColTitle: 'Date', ColType: 'tx_date' },
        { ColTitle: 'Transaction Type', ColType: 'txn_type' },
        { ColTitle: 'Num', ColType: 'doc_num' },
        { ColTitle: 'Name', ColType: 'name' },
        { ColTitle: 'Memo/Description', ColType: 'memo' },
        { ColTitle: 'Split', ColType: 'split_acc' },
        { ColTitle: 'Amount', ColType: 'subt_nat_amount' },
        { ColTitle: 'Balance', ColType: 'rbal_nat_amount' },
      ],
    },
    Rows: { Row: sections },
  };
}

function trialBalance(company: SimCompany, request: ReportRequest) {
  const { start, end } = period(company, request.params);
  const postings = allPostings(company).filter((p) => p.date <= end);
  let debits = 0;
  let credits = 0;
  const rows = company.list('Account').flatMap((account) => {
    const balance = money(postings.filter((p) => p.accountId === account.Id).reduce((sum, p) => sum + p.amount, 0));
    if (balance === 0) return [];
    if (balance > 0) debits += balance;
    else credits -= balance;
    return [
      {
        ColData: [
          { value: String(account.Name), id: account.Id },
          { value: balance > 0 ? text(balance) : '' },
          { value: balance < 0 ? text(-balance) : '' },
        ],
      },
    ];
  });
  return {
    Header: header(company, 'TrialBalance', request, { start, end }, rows.length === 0),
    Columns: {
      Column: [
        { ColTitle: '', ColType: 'Account' },
        { ColTitle: 'Debit', ColType: 'Money' },
        { ColTitle: 'Credit', ColType: 'Money' },
      ],
    },
    Rows: {
      Row: [
        ...rows,
        {
          Summary: { ColData: [{ value: 'TOTAL' }, { value: text(money(debits)) }, { value: text(money(credits)) }] },
          type: 'Section',
          group: 'GrandTotal',
        },
      ],
    },
  };
}

export function runReport(company: SimCompany, request: ReportRequest): Record<string, unknown> {
  if (request.name === 'GeneralLedger') return generalLedger(company, request);
  if (request.name === 'TrialBalance') return trialBalance(company, request);
  throw new SimFault(faults.unsupportedOperation(`report ${request.name}`));
}
