import { DEMO_ACCOUNT_IDS, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import { startHarness } from './harness';
import type { Harness } from './harness';

type Json = Record<string, unknown>;

/** Reports computed from the simulator's transactions (shape: qbo_api spec/vcr/reports/gl.yml). */
describe('QBO simulator: reports', () => {
  let h: Harness;
  let seq = 0;
  const rid = () => `report-${++seq}`;
  beforeEach(async () => {
    h = await startHarness();
    const customerId = String(
      (await h.client.create('Customer', { DisplayName: 'Report Co' }, { requestId: rid() })).Id,
    );
    const invoice = await h.client.create(
      'Invoice',
      {
        CustomerRef: { value: customerId },
        TxnDate: '2025-05-02',
        Line: [
          {
            Amount: 100,
            DetailType: 'SalesItemLineDetail',
            SalesItemLineDetail: { ItemRef: { value: DEMO_ITEM_IDS.services } },
          },
        ],
      },
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
    await h.client.create(
      'Deposit',
      {
        TxnDate: '2025-05-05',
        DepositToAccountRef: { value: DEMO_ACCOUNT_IDS.checking },
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
  });
  afterEach(async () => {
    await h.simulator.close();
  });

  const report = async (name: string, query: string) => {
    const token = await h.tokens.getAccessToken();
    const response = await fetch(`${h.simulator.url}/v3/company/${h.realmId}/reports/${name}?${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    return (await response.json()) as Json;
  };
  const sections = (body: Json) => (body.Rows as { Row: Json[] }).Row;
  const cells = (row: Json) => ((row.ColData as Json[]) ?? []).map((c) => c.value);

  it('GeneralLedger by account and date range: the clearing account takes the payment in and the deposit out', async () => {
    const gl = await report(
      'GeneralLedger',
      `start_date=2025-05-01&end_date=2025-05-31&account=${DEMO_ACCOUNT_IDS.stripeClearing}`,
    );
    expect(gl.Header).toMatchObject({
      ReportName: 'GeneralLedger',
      StartPeriod: '2025-05-01',
      EndPeriod: '2025-05-31',
    });
    const [clearing, ...others] = sections(gl);
    expect(others).toEqual([]);
    const rows = (clearing!.Rows as { Row: Json[] }).Row.map(cells);
    // Split names the other account, or "-Split-" when there are several (qbo_api reports/gl.yml).
    expect(rows).toEqual([
      ['Beginning Balance', '', '', '', '', '', '', '0.00'],
      ['2025-05-03', 'Payment', '', 'Report Co', '', 'Accounts Receivable (A/R)', '100.00', '100.00'],
      ['2025-05-05', 'Deposit', '', '', '', '-Split-', '-100.00', '0.00'],
    ]);
    expect(cells(clearing!.Summary as Json)).toEqual(['Total for Stripe Clearing', '', '', '', '', '', '0.00', '']);
  });

  it('a date range before the activity shows no data, and later ranges carry the beginning balance', async () => {
    const none = await report('GeneralLedger', 'start_date=2025-04-01&end_date=2025-04-30');
    expect(none.Header).toMatchObject({ Option: [{ Name: 'NoReportData', Value: 'true' }] });
    const june = await report(
      'GeneralLedger',
      `start_date=2025-06-01&end_date=2025-06-30&account=${DEMO_ACCOUNT_IDS.checking}`,
    );
    const [checking] = sections(june);
    expect(cells((checking!.Rows as { Row: Json[] }).Row[0]!)).toEqual([
      'Beginning Balance',
      '',
      '',
      '',
      '',
      '',
      '',
      '96.80',
    ]);
  });

  it('TrialBalance balances: debits equal credits', async () => {
    const tb = await report('TrialBalance', 'start_date=2025-01-01&end_date=2025-12-31');
    const rows = sections(tb);
    const total = rows[rows.length - 1]!;
    const [, debit, credit] = cells(total.Summary as Json);
    expect(debit).toBe(credit);
    expect(debit).toBe('100.00');
    expect(rows.slice(0, -1).map(cells)).toEqual(
      expect.arrayContaining([
        ['Checking', '96.80', ''],
        ['Stripe Fees', '3.20', ''],
        ['Services', '', '100.00'],
      ]),
    );
  });

  it('an unknown report is "Unsupported Operation"', async () => {
    const token = await h.tokens.getAccessToken();
    const response = await fetch(`${h.simulator.url}/v3/company/${h.realmId}/reports/CashFlowForecast`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    expect(response.status).toBe(400);
  });
});
