import fc from 'fast-check';
import { buildPlan, type PlannedOperation } from '../../../shared/accounting/plan';
import { buildBalanceTransaction, buildEvent, buildPayout, buildSettings, fixture } from './factories';

const settings = buildSettings();
type QboLine = { Amount: number; Description?: string } & Record<string, Record<string, unknown>>;
const cents = (amount: number, exponent = 2): number => Math.round(amount * 10 ** exponent);

/** A realistic payout: two charges with fees, a refund, a lost dispute with its fee, an adjustment, its own row. */
const transactions = [
  buildBalanceTransaction({ amount: 10000, fee: 320, source: 'ch_1' }),
  buildBalanceTransaction({ amount: 5000, fee: 175, source: 'ch_2' }),
  buildBalanceTransaction({ amount: -2000, type: 'refund', reporting_category: 'refund', source: 're_1' }),
  buildBalanceTransaction({
    amount: -1500,
    fee: 1500,
    type: 'adjustment',
    reporting_category: 'dispute',
    source: 'dp_1',
  }),
  buildBalanceTransaction({ amount: -5, type: 'adjustment', reporting_category: 'other_adjustment' }),
  buildBalanceTransaction({ amount: -10000, type: 'payout', reporting_category: 'payout', source: 'po_test1' }),
];
// 10000 − 320 + 5000 − 175 − 2000 − 1500 − 1500 − 5 = 9500
const payout = buildPayout({ amount: 9500 });

describe('payout.paid → Deposit to bank', () => {
  it('groups balance transactions into lines on their accounts that sum to the payout', () => {
    const plan = buildPlan({ event: buildEvent('payout.paid', payout), settings, balanceTransactions: transactions });
    expect(plan.operations).toHaveLength(1);
    const deposit = plan.operations[0] as PlannedOperation;
    expect(deposit).toMatchObject({
      entity: 'Deposit',
      stripeId: 'po_test1',
      expectedTotal: '95.00',
      txnDate: '2025-06-01',
    });
    expect(deposit.body.DepositToAccountRef).toEqual({ value: '36' });
    const lines = deposit.body.Line as QboLine[];
    expect(
      lines.map((l) => [
        l.Description,
        l.Amount,
        (l.DepositLineDetail as { AccountRef: { value: string } }).AccountRef.value,
      ]),
    ).toEqual([
      ['Stripe charges (2)', 150, '35'],
      ['Stripe refunds (1)', -20, '35'],
      ['Stripe disputes (1)', -15, '71'],
      ['Stripe adjustments (1)', -0.05, '72'],
      ['Stripe fees', -19.95, '70'],
    ]);
    expect(lines.reduce((sum, l) => sum + cents(l.Amount), 0)).toBe(9500);
  });

  it('keeps the UTC arrival date even for a tenant west of UTC', () => {
    const la = buildSettings({ timezone: 'America/Los_Angeles' });
    const plan = buildPlan({
      event: buildEvent('payout.paid', payout),
      settings: la,
      balanceTransactions: transactions,
    });
    expect(plan.operations[0]?.txnDate).toBe('2025-06-01');
  });

  it('sends a payout whose balance transactions do not sum to its amount to review', () => {
    const plan = buildPlan({
      event: buildEvent('payout.paid', buildPayout({ amount: 9501 })),
      settings,
      balanceTransactions: transactions,
    });
    expect(plan.parked).toMatchObject({ reason: 'totals_mismatch' });
    expect(plan.parked?.detail).toContain('95.00');
  });

  it('parks the composed real list response, whose nets match no payout', () => {
    const list = fixture<{ data: unknown[] }>('list-balance-transactions-payout.json');
    const plan = buildPlan({
      event: buildEvent('payout.paid', fixture('object-payout.json')),
      settings,
      balanceTransactions: list.data,
    });
    // object-payout.json is in_transit: not paid yet, so it waits before it even looks at the list.
    expect(plan.skipped).toEqual({ reason: 'payout_not_paid' });
    const paid = { ...fixture('object-payout.json'), status: 'paid' };
    expect(
      buildPlan({ event: buildEvent('payout.paid', paid), settings, balanceTransactions: list.data }).parked?.reason,
    ).toBe('totals_mismatch');
  });

  it('waits for reconciliation before posting', () => {
    const pending = buildPayout({ reconciliation_status: 'in_progress' });
    expect(buildPlan({ event: buildEvent('payout.paid', pending), settings, balanceTransactions: [] }).skipped).toEqual(
      { reason: 'not_reconciled' },
    );
  });

  it('plans payout.paid and payout.reconciliation_completed as one write', () => {
    const a = buildPlan({ event: buildEvent('payout.paid', payout), settings, balanceTransactions: transactions })
      .operations[0];
    const b = buildPlan({
      event: buildEvent('payout.reconciliation_completed', payout),
      settings,
      balanceTransactions: transactions,
    }).operations[0];
    expect(a?.requestId).toBe(b?.requestId);
  });

  it('asks for the balance transactions of an automatic payout when none were given', () => {
    const plan = buildPlan({ event: buildEvent('payout.paid', payout), settings });
    expect(plan.parked?.reason).toBe('balance_transactions_required');
  });

  it('posts a JPY payout in whole yen', () => {
    const jpy = buildSettings({ homeCurrency: 'JPY' });
    const plan = buildPlan({
      event: buildEvent('payout.paid', buildPayout({ currency: 'jpy', amount: 9640 })),
      settings: jpy,
      balanceTransactions: [buildBalanceTransaction({ amount: 10000, fee: 360, currency: 'jpy' })],
    });
    expect(plan.operations[0]?.expectedTotal).toBe('9640');
    expect((plan.operations[0]?.body.Line as QboLine[]).map((l) => l.Amount)).toEqual([10000, -360]);
  });

  it('parks the real BRL payout for a USD company without multicurrency', () => {
    const paid = fixture<{ data: { object: Record<string, unknown> } }>('event-payout.paid.json').data.object;
    expect(buildPlan({ event: buildEvent('payout.paid', paid), settings }).parked?.reason).toBe('currency_unsupported');
  });

  it('property: deposit lines sum to the payout amount, to the cent, in every currency exponent', () => {
    const row = fc.record({
      amount: fc.integer({ min: -1_000_000, max: 10_000_000 }),
      fee: fc.integer({ min: 0, max: 50_000 }),
      kind: fc.constantFrom(
        ['charge', 'charge'],
        ['refund', 'refund'],
        ['adjustment', 'dispute'],
        ['adjustment', 'other_adjustment'],
        ['stripe_fee', 'fee'],
        ['payout_failure', 'payout_reversal'],
      ),
    });
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 30 }),
        fc.constantFrom('usd', 'jpy', 'kwd'),
        (rows, currency) => {
          const bts = rows.map((r, i) =>
            buildBalanceTransaction({
              id: `txn_${i}`,
              amount: r.amount,
              fee: r.fee,
              type: r.kind[0],
              reporting_category: r.kind[1],
              currency,
            }),
          );
          const net = rows.reduce((sum, r) => sum + r.amount - r.fee, 0);
          fc.pre(net > 0);
          const multicurrency = buildSettings({ qbo: { realmId: '1', environment: 'sandbox', multicurrency: true } });
          const plan = buildPlan({
            event: buildEvent('payout.paid', buildPayout({ amount: net, currency })),
            settings: multicurrency,
            balanceTransactions: bts,
          });
          const exponent = currency === 'jpy' ? 0 : currency === 'kwd' ? 3 : 2;
          expect(plan.parked).toBeUndefined();
          const lines = plan.operations[0]?.body.Line as QboLine[];
          expect(lines.reduce((sum, l) => sum + cents(l.Amount, exponent), 0)).toBe(net);
        },
      ),
    );
  });
});

describe('manual and failed payouts', () => {
  it('posts a manual payout as a Transfer from clearing to bank', () => {
    // Manual payouts never get a balance-transaction list; Stripe reports reconciliation `not_applicable`.
    const manual = buildPayout({ automatic: false, reconciliation_status: 'not_applicable' });
    const [transfer] = buildPlan({ event: buildEvent('payout.paid', manual), settings }).operations;
    expect(transfer).toMatchObject({ entity: 'Transfer', stripeId: 'po_test1', expectedTotal: '100.00' });
    expect(transfer?.body).toMatchObject({
      FromAccountRef: { value: '35' },
      ToAccountRef: { value: '36' },
      Amount: 100,
    });
  });

  it('reverses a failed payout with a journal entry that targets the deposit, under its own ledger key', () => {
    const failed = fixture<{ data: { object: Record<string, unknown> } }>('event-payout.failed.json').data.object;
    const brl = buildSettings({ homeCurrency: 'BRL' });
    const plan = buildPlan({
      event: buildEvent('payout.failed', failed, '2018-06-26T12:03:20.000Z'),
      settings: brl,
      balanceTransactions: fixture<{ data: unknown[] }>(
        'composed-balance-transactions-po_1CgNDoAcSPl6ox0ljXdVYWx3.json',
      ).data,
    });
    // The payout's own booking comes first (see the failed-payout tests below); the reversal follows it.
    const reversal = plan.operations.find((operation) => operation.stripeId.endsWith('/failed'));
    expect(reversal).toMatchObject({
      entity: 'JournalEntry',
      stripeId: 'po_1CgNDoAcSPl6ox0ljXdVYWx3/failed',
      target: { $ref: 'deposit:po_1CgNDoAcSPl6ox0ljXdVYWx3' },
      expectedTotal: '74.09',
      txnDate: '2018-06-26',
    });
    const lines = reversal?.body.Line as QboLine[];
    expect(lines.map((l) => [(l.JournalEntryLineDetail as { PostingType: string }).PostingType, l.Amount])).toEqual([
      ['Debit', 74.09],
      ['Credit', 74.09],
    ]);
  });
});

describe('payout_summary mode → one JournalEntry', () => {
  const summary = buildSettings({ mode: 'payout_summary' });

  it('books DR bank net, DR fees, CR income gross, DR refunds, balanced to the cent', () => {
    const plan = buildPlan({
      event: buildEvent('payout.paid', payout),
      settings: summary,
      balanceTransactions: transactions,
    });
    const [entry] = plan.operations;
    expect(entry).toMatchObject({ entity: 'JournalEntry', stripeId: 'po_test1' });
    const lines = (entry?.body.Line as QboLine[]).map((l) => {
      const detail = l.JournalEntryLineDetail as { PostingType: string; AccountRef: { value: string } };
      return [detail.PostingType, detail.AccountRef.value, l.Amount];
    });
    expect(lines).toEqual([
      ['Debit', '36', 95],
      ['Credit', '79', 150],
      ['Debit', '79', 20], // accounts.refunds is absent: refunds default to income
      ['Debit', '71', 15],
      ['Debit', '72', 0.05],
      ['Debit', '70', 19.95],
    ]);
  });

  it('property: journal entries balance', () => {
    const row = fc.record({
      amount: fc.integer({ min: -500_000, max: 5_000_000 }),
      fee: fc.integer({ min: 0, max: 20_000 }),
      refund: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 20 }), (rows) => {
        const bts = rows.map((r, i) =>
          buildBalanceTransaction({
            id: `txn_${i}`,
            amount: r.amount,
            fee: r.fee,
            type: r.refund ? 'refund' : 'charge',
            reporting_category: r.refund ? 'refund' : 'charge',
          }),
        );
        const net = rows.reduce((sum, r) => sum + r.amount - r.fee, 0);
        fc.pre(net > 0);
        const plan = buildPlan({
          event: buildEvent('payout.paid', buildPayout({ amount: net })),
          settings: summary,
          balanceTransactions: bts,
        });
        let balance = 0;
        for (const line of plan.operations[0]?.body.Line as QboLine[]) {
          const posting = (line.JournalEntryLineDetail as { PostingType: string }).PostingType;
          expect(line.Amount).toBeGreaterThan(0);
          balance += (posting === 'Debit' ? 1 : -1) * cents(line.Amount);
        }
        expect(balance).toBe(0);
      }),
    );
  });

  it('parks when the income account is missing', () => {
    const bare = buildSettings({
      mode: 'payout_summary',
      accounts: { bank: '36', stripeFees: '70', disputes: '71', adjustments: '72' },
    });
    const plan = buildPlan({
      event: buildEvent('payout.paid', payout),
      settings: bare,
      balanceTransactions: transactions,
    });
    expect(plan.parked).toEqual({ reason: 'settings_incomplete', detail: 'accounts.income' });
  });
});
