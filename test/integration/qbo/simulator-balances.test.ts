import { DEMO_ACCOUNT_IDS, DEMO_COMPANY, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { startHarness } from './harness';
import type { Harness } from './harness';

type Json = Record<string, unknown>;

/**
 * Account balances and the list reports a reconciliation reads: CurrentBalance moves with every posting to a
 * balance-sheet account (Intuit's Account reference), TransactionList by account and date range and AccountList in
 * the shapes of Intuit's report reference samples (dev/qbo-simulator/report-lists.ts).
 */
describe('QBO simulator: account balances and list reports', () => {
  let h: Harness;
  let seq = 0;
  const rid = () => `bal-${++seq}`;
  let customerId: string;
  afterEach(async () => {
    await h.simulator.close();
  });
  const start = async (settings: Json = {}) => {
    h = await startHarness();
    h.simulator.seedCompany(h.realmId, { ...DEMO_COMPANY, settings });
    customerId = String((await h.client.create('Customer', { DisplayName: 'Ledger Co' }, { requestId: rid() })).Id);
  };
  const balanceOf = async (accountId: string) => (await h.client.read('Account', accountId)).CurrentBalance;
  const line = (amount: number) => ({
    Amount: amount,
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: { ItemRef: { value: DEMO_ITEM_IDS.services } },
  });
  const report = async (name: string, query: string) => {
    const token = await h.tokens.getAccessToken();
    const response = await fetch(`${h.simulator.url}/v3/company/${h.realmId}/reports/${name}?${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Json;
  };
  const rowsOf = (body: Json) =>
    ((body.Rows as { Row: Json[] }).Row ?? []).map((row) => (row.ColData as Json[]).map((c) => c.value));

  /** A paid invoice whose payment sits on Stripe clearing, then a payout deposit of it less a fee. */
  const postPayout = async () => {
    const invoice = await h.client.create(
      'Invoice',
      { CustomerRef: { value: customerId }, TxnDate: '2025-05-02', DocNumber: 'INV-7', Line: [line(100)] },
      { requestId: rid() },
    );
    const payment = await h.client.create(
      'Payment',
      {
        CustomerRef: { value: customerId },
        TxnDate: '2025-05-03',
        TotalAmt: 100,
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.stripeClearing },
        Line: [{ Amount: 100, LinkedTxn: [{ TxnId: String(invoice.Id), TxnType: 'Invoice' }] }],
      },
      { requestId: rid() },
    );
    const deposit = await h.client.create(
      'Deposit',
      {
        TxnDate: '2025-05-05',
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.checking },
        PrivateNote: 'stripe:po_1',
        Line: [
          { Amount: 100, LinkedTxn: [{ TxnId: String(payment.Id), TxnType: 'Payment' }] },
          {
            Amount: -3.2,
            DetailType: 'DepositLineDetail',
            DepositLineDetail: { AccountRef: { value: DEMO_ACCOUNT_IDS.stripeFees } },
          },
        ],
      },
      { requestId: rid() },
    );
    return { invoice, payment, deposit };
  };

  it('CurrentBalance moves with postings to Bank and Other Current Asset accounts, and back on void and delete', async () => {
    await start();
    const { payment, deposit } = await postPayout();
    expect(await balanceOf(DEMO_ACCOUNT_IDS.checking)).toBe(96.8);
    expect(await balanceOf(DEMO_ACCOUNT_IDS.stripeClearing)).toBe(0);
    expect(await balanceOf(DEMO_ACCOUNT_IDS.accountsReceivable)).toBe(0);
    // Income accounts carry no balance (Intuit: valid for balance-sheet accounts).
    expect(await balanceOf(DEMO_ACCOUNT_IDS.services)).toBe(0);

    await h.client.delete(
      'Deposit',
      { Id: String(deposit.Id), SyncToken: String(deposit.SyncToken) },
      { requestId: rid() },
    );
    expect(await balanceOf(DEMO_ACCOUNT_IDS.checking)).toBe(0);
    expect(await balanceOf(DEMO_ACCOUNT_IDS.stripeClearing)).toBe(100);

    const current = await h.client.read('Payment', String(payment.Id));
    await h.client.voidTxn(
      'Payment',
      { Id: String(current.Id), SyncToken: String(current.SyncToken) },
      { requestId: rid() },
    );
    expect(await balanceOf(DEMO_ACCOUNT_IDS.stripeClearing)).toBe(0);
    expect(await balanceOf(DEMO_ACCOUNT_IDS.accountsReceivable)).toBe(100);

    // A receipt into Undeposited Funds (Other Current Asset).
    await h.client.create(
      'SalesReceipt',
      { CustomerRef: { value: customerId }, Line: [line(42.5)] },
      { requestId: rid() },
    );
    expect(await balanceOf(DEMO_ACCOUNT_IDS.undepositedFunds)).toBe(42.5);
  });

  it('TransactionList by account and date range: what moved through the clearing account, in the reference shape', async () => {
    await start();
    await postPayout();
    const list = await report(
      'TransactionList',
      `start_date=2025-05-01&end_date=2025-05-31&account=${DEMO_ACCOUNT_IDS.stripeClearing}`,
    );
    expect(list.Header).toMatchObject({
      ReportName: 'TransactionList',
      StartPeriod: '2025-05-01',
      EndPeriod: '2025-05-31',
      Currency: 'USD',
      Option: [{ Name: 'NoReportData', Value: 'false' }],
    });
    expect((list.Columns as { Column: Json[] }).Column.map((c) => c.ColType)).toEqual([
      'tx_date',
      'txn_type',
      'doc_num',
      'is_no_post',
      'name',
      'memo',
      'account_name',
      'other_account',
      'subt_nat_home_amount',
    ]);
    expect(rowsOf(list)).toEqual([
      ['2025-05-03', 'Payment', '', 'Yes', 'Ledger Co', '', 'Stripe Clearing', 'Accounts Receivable (A/R)', '100.00'],
      ['2025-05-05', 'Deposit', '', 'Yes', '', 'stripe:po_1', 'Stripe Clearing', '-Split-', '-100.00'],
    ]);
    const may2 = await report('TransactionList', 'start_date=2025-05-02&end_date=2025-05-02');
    expect(rowsOf(may2)).toEqual([
      ['2025-05-02', 'Invoice', 'INV-7', 'Yes', 'Ledger Co', '', 'Accounts Receivable (A/R)', 'Services', '100.00'],
    ]);
    const none = await report('TransactionList', 'start_date=2025-04-01&end_date=2025-04-30');
    expect(none.Header).toMatchObject({ Option: [{ Name: 'NoReportData', Value: 'true' }] });
  });

  it('AccountList: one row per account with type, detail type, description and balance; filtered by type', async () => {
    await start();
    await postPayout();
    const all = await report('AccountList', '');
    expect(all.Header).toMatchObject({ ReportName: 'AccountList', Currency: 'USD' });
    expect((all.Columns as { Column: Json[] }).Column).toEqual([
      { ColType: 'account_name', ColTitle: 'Account' },
      { ColType: 'account_type', ColTitle: 'Type' },
      { ColType: 'detail_acc_type', ColTitle: 'Detail type' },
      { ColType: 'account_desc', ColTitle: 'Description' },
      { ColType: 'account_bal', ColTitle: 'Balance' },
    ]);
    expect(rowsOf(all)).toEqual(
      expect.arrayContaining([
        ['Checking', 'Bank', 'Checking', '', '96.80'],
        ['Stripe Clearing', 'Bank', 'Checking', '', '0.00'],
        ['Services', 'Income', 'ServiceFeeIncome', '', ''],
      ]),
    );
    const banks = await report('AccountList', 'account_type=Bank&columns=account_name,account_bal');
    expect(rowsOf(banks)).toEqual([
      ['Checking', '96.80'],
      ['Savings', '0.00'],
      ['Stripe Clearing', '0.00'],
    ]);
  });

  it('multicurrency: a foreign bank account keeps its balance in its own currency, the reports in the home one', async () => {
    await start({ multicurrency: true, exchangeRates: { EUR: 1.1 } });
    const euroBank = await h.client.create(
      'Account',
      { Name: 'Stripe EUR', AccountType: 'Bank', CurrencyRef: { value: 'EUR' } },
      { requestId: rid() },
    );
    const euro = String(
      (
        await h.client.create(
          'Customer',
          { DisplayName: 'Euro Co', CurrencyRef: { value: 'EUR' } },
          { requestId: rid() },
        )
      ).Id,
    );
    await h.client.create(
      'SalesReceipt',
      {
        CustomerRef: { value: euro },
        TxnDate: '2025-05-02',
        Line: [line(100)],
        DepositToAccountRef: { value: String(euroBank.Id) },
      },
      { requestId: rid() },
    );
    expect(await balanceOf(String(euroBank.Id))).toBe(100);
    const list = await report(
      'TransactionList',
      `start_date=2025-05-01&end_date=2025-05-31&account=${String(euroBank.Id)}`,
    );
    expect(rowsOf(list)[0]?.at(-1)).toBe('110.00');
  });
});
