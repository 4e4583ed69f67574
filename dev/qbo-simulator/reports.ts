import type { SimCompany } from './company';
import { faults } from './fault-bodies';
import { allPostings, natural, REPORT_TXN_TYPE, splitOf } from './postings';
import { blank, header, period, text } from './report-format';
import type { ReportRequest } from './report-format';
import { accountList, transactionList } from './report-lists';
import { SimFault, money } from './sim-fault';

/**
 * GET /v3/company/{realm}/reports/{name}?…: the reports a reconciliation reads, computed from the simulator's
 * transactions (postings.ts). The GeneralLedger shape (Header, Columns, one Section per account with a Beginning
 * Balance row, Data rows whose Split names the other account, and a "Total for …" Summary) is the one recorded from
 * the sandbox in qbo_api spec/vcr/reports/gl.yml; TrialBalance follows Intuit's report reference (no recording);
 * TransactionList and AccountList are in report-lists.ts.
 */
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
            { value: REPORT_TXN_TYPE[p.txnType] ?? p.txnType, id: p.txnId },
            { value: p.docNumber },
            p.name ? { value: p.name.name, id: p.name.value } : { value: '', id: '' },
            { value: p.memo },
            splitOf(company, p, postings),
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
  if (request.name === 'TransactionList') return transactionList(company, request);
  if (request.name === 'AccountList') return accountList(company, request);
  throw new SimFault(faults.unsupportedOperation(`report ${request.name}`));
}
