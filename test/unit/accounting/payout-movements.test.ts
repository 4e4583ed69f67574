import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import {
  CATEGORY_OF_TYPE,
  classifyBalanceTransaction,
  type BalanceTransactionType,
} from '../../../shared/accounting/balance-types';
import { buildPlan, type PlannedOperation } from '../../../shared/accounting/plan';
import { EVERY_ACCOUNT, buildBalanceTransaction, buildEvent, buildPayout, buildSettings } from './factories';

type QboLine = { Amount: number; Description?: string } & Record<string, Record<string, unknown>>;
type JournalDetail = { PostingType: 'Debit' | 'Credit'; AccountRef: { value: string } };

const everyAccount = buildSettings({ accounts: { ...EVERY_ACCOUNT } });

const depositLines = (operation: PlannedOperation | undefined) =>
  (operation?.body.Line as QboLine[]).map((l) => [
    (l.DepositLineDetail as { AccountRef: { value: string } }).AccountRef.value,
    l.Amount,
  ]);
const journalLines = (operation: PlannedOperation | undefined) =>
  (operation?.body.Line as QboLine[]).map((l) => {
    const detail = l.JournalEntryLineDetail as JournalDetail;
    return [detail.PostingType, detail.AccountRef.value, l.Amount];
  });

/**
 * Where each balance-transaction type lands on a Deposit in invoices mode: the statement of section 6 this code
 * keeps, written out once more by hand. `adjustment` is listed per reporting category below.
 */
const DEPOSIT_ACCOUNT_OF_TYPE: Record<Exclude<BalanceTransactionType, 'adjustment'>, keyof typeof EVERY_ACCOUNT> = {
  charge: 'stripeClearing',
  payment: 'stripeClearing',
  refund: 'stripeClearing',
  payment_refund: 'stripeClearing',
  refund_failure: 'stripeClearing',
  payment_failure_refund: 'failedPayments',
  payment_reversal: 'failedPayments',
  payment_unreconciled: 'adjustments',
  stripe_fee: 'stripeFees',
  stripe_fx_fee: 'stripeFees',
  tax_fee: 'stripeFees',
  fee_credit_funding: 'stripeFees',
  stripe_balance_payment_debit: 'stripeFees',
  stripe_balance_payment_debit_reversal: 'stripeFees',
  payout: 'stripeClearing',
  payout_cancel: 'stripeClearing',
  payout_failure: 'stripeClearing',
  payout_minimum_balance_hold: 'stripeClearing',
  payout_minimum_balance_release: 'stripeClearing',
  reserve_hold: 'stripeReserve',
  reserve_release: 'stripeReserve',
  reserve_transaction: 'stripeReserve',
  reserved_funds: 'stripeReserve',
  payment_network_reserve_hold: 'stripeReserve',
  payment_network_reserve_release: 'stripeReserve',
  topup: 'bank',
  topup_reversal: 'bank',
  inbound_transfer: 'bank',
  inbound_transfer_reversal: 'bank',
  application_fee: 'platformIncome',
  application_fee_refund: 'platformIncome',
  transfer: 'connectTransfers',
  transfer_cancel: 'connectTransfers',
  transfer_failure: 'connectTransfers',
  transfer_refund: 'connectTransfers',
  connect_collection_transfer: 'connectTransfers',
  climate_order_purchase: 'contributions',
  climate_order_refund: 'contributions',
  contribution: 'contributions',
  advance: 'financing',
  advance_funding: 'financing',
  anticipation_repayment: 'financing',
  obligation_outbound: 'financing',
  obligation_reversal_inbound: 'financing',
  issuing_authorization_hold: 'issuing',
  issuing_authorization_release: 'issuing',
  issuing_transaction: 'issuing',
  issuing_dispute: 'issuing',
  issuing_dispute_provisional_credit: 'issuing',
  issuing_dispute_provisional_credit_reversal: 'issuing',
  tax_fund: 'adjustments',
};

const ADJUSTMENT_ACCOUNT_OF_CATEGORY: Record<string, keyof typeof EVERY_ACCOUNT> = {
  dispute: 'disputes',
  dispute_reversal: 'disputes',
  refund_failure: 'stripeClearing',
  fee: 'stripeFees',
  tax: 'stripeFees',
  network_cost: 'stripeFees',
  charge_failure: 'failedPayments',
  platform_earning: 'platformIncome',
  platform_earning_refund: 'platformIncome',
  risk_reserved_funds: 'stripeReserve',
  connect_reserved_funds: 'stripeReserve',
  partial_capture_reversal: 'stripeClearing',
  other_adjustment: 'adjustments',
};

/** One movement next to a charge big enough that the payout stays positive (a Deposit). */
function depositWith(row: Record<string, unknown>, settings: TenantSettings = everyAccount) {
  const rows = [buildBalanceTransaction({ id: 'txn_charge', amount: 100_000, source: 'ch_1' }), row];
  const net = 100_000 + (row.amount as number) - ((row.fee as number | undefined) ?? 0);
  return buildPlan({
    event: buildEvent('payout.paid', buildPayout({ amount: net })),
    settings,
    balanceTransactions: rows,
  });
}

/** Signed minor units per account of a Deposit, the payout's charge line taken out: where the movement went. */
function movementByAccount(operation: PlannedOperation | undefined): Record<string, number> {
  const byAccount: Record<string, number> = { '35': -100_000 };
  for (const [account, amount] of depositLines(operation) as [string, number][])
    byAccount[account] = (byAccount[account] ?? 0) + Math.round(amount * 100);
  return Object.fromEntries(Object.entries(byAccount).filter(([, amount]) => amount !== 0));
}

describe('every Stripe balance-transaction type is booked on its account', () => {
  it.each(Object.entries(DEPOSIT_ACCOUNT_OF_TYPE))('%s lands on accounts.%s', (type, accountKey) => {
    // `source` names another payout: a payout's own row is the withdrawal itself and never a line.
    const row = buildBalanceTransaction({ id: 'txn_x', amount: -250, type, reporting_category: type, source: 'po_x' });
    const plan = depositWith(row);
    expect(plan.parked).toBeUndefined();
    expect(movementByAccount(plan.operations[0])).toEqual({ [EVERY_ACCOUNT[accountKey]]: -250 });
  });

  it.each(Object.entries(ADJUSTMENT_ACCOUNT_OF_CATEGORY))(
    'an adjustment reported as %s lands on accounts.%s',
    (reportingCategory, accountKey) => {
      const plan = depositWith(
        buildBalanceTransaction({
          id: 'txn_x',
          amount: -250,
          type: 'adjustment',
          reporting_category: reportingCategory,
        }),
      );
      expect(movementByAccount(plan.operations[0])).toEqual({ [EVERY_ACCOUNT[accountKey]]: -250 });
    },
  );

  it('the table covers every type of the pinned Stripe package, and the hand-written statement covers the table', () => {
    expect(Object.keys(DEPOSIT_ACCOUNT_OF_TYPE).concat('adjustment').sort()).toEqual(
      Object.keys(CATEGORY_OF_TYPE).sort(),
    );
    // A type missing from the table does not compile: the table is a Record over the package's list.
    // @ts-expect-error -- 'charge' alone is not every type
    const partial: Record<BalanceTransactionType, string> = { charge: 'charges' };
    expect(partial.charge).toBe('charges');
  });

  it('parks a payout that carries a type no rule knows, naming the type; nothing falls into adjustments', () => {
    const plan = depositWith(buildBalanceTransaction({ id: 'txn_new', amount: -250, type: 'brand_new_type' }));
    expect(plan.parked?.reason).toBe('balance_type_unknown');
    expect(plan.parked?.detail).toContain('txn_new type brand_new_type');
  });

  it('parks an adjustment whose reporting category it cannot place', () => {
    const plan = depositWith(
      buildBalanceTransaction({ id: 'txn_adj', amount: -250, type: 'adjustment', reporting_category: 'mystery' }),
    );
    expect(plan.parked).toMatchObject({ reason: 'balance_type_unknown' });
    expect(plan.parked?.detail).toContain('reporting_category mystery');
    expect(classifyBalanceTransaction({ id: 'txn_adj', type: 'adjustment' })).toEqual({
      unknown: 'txn_adj type adjustment reporting_category (none)',
    });
  });

  it('keeps a minimum-balance hold and its release on clearing: the money never left the Stripe balance', () => {
    const hold = depositWith(
      buildBalanceTransaction({ id: 'txn_h', amount: -10000, type: 'payout_minimum_balance_hold' }),
    );
    expect(depositLines(hold.operations[0])).toEqual([
      ['35', 1000],
      ['35', -100],
    ]);
    const release = depositWith(
      buildBalanceTransaction({ id: 'txn_r', amount: 10000, type: 'payout_minimum_balance_release' }),
    );
    expect(movementByAccount(release.operations[0])).toEqual({ '35': 10000 });
  });

  it('defaults the optional accounts (reserve → clearing, failed payments → disputes, platform → income)', () => {
    const plain = buildSettings();
    expect(
      depositLines(depositWith(buildBalanceTransaction({ amount: -300, type: 'reserve_hold' }), plain).operations[0]),
    ).toContainEqual(['35', -3]);
    expect(
      depositLines(
        depositWith(buildBalanceTransaction({ amount: -300, type: 'payment_failure_refund' }), plain).operations[0],
      ),
    ).toContainEqual(['71', -3]);
    expect(
      depositLines(depositWith(buildBalanceTransaction({ amount: 300, type: 'application_fee' }), plain).operations[0]),
    ).toContainEqual(['79', 3]);
  });

  it('names the account a tenant must map before a Connect transfer can be booked', () => {
    const plan = depositWith(buildBalanceTransaction({ amount: -300, type: 'transfer' }), buildSettings());
    expect(plan.parked).toEqual({ reason: 'settings_incomplete', detail: 'accounts.connectTransfers' });
  });

  it('books a top-up against the bank it came from', () => {
    const plan = depositWith(buildBalanceTransaction({ amount: 5000, type: 'topup', reporting_category: 'topup' }));
    expect(depositLines(plan.operations[0])).toContainEqual(['36', 50]);
  });
});

describe('a negative payout: Stripe debits the bank', () => {
  // Refunds exceeded sales: the balance went negative and Stripe pulled the difference from the bank.
  const rows = [
    buildBalanceTransaction({ id: 'txn_c', amount: 1000, fee: 59, source: 'ch_1' }),
    buildBalanceTransaction({ id: 'txn_r', amount: -5000, type: 'refund', reporting_category: 'refund' }),
  ];
  const negative = buildPayout({ amount: -4059 });

  it('books a JournalEntry from the bank into clearing, every line ≥ 0 and on its side', () => {
    const plan = buildPlan({
      event: buildEvent('payout.paid', negative),
      settings: everyAccount,
      balanceTransactions: rows,
    });
    const [entry] = plan.operations;
    expect(entry).toMatchObject({ entity: 'JournalEntry', stripeId: 'po_test1', expectedTotal: '50.59' });
    expect(journalLines(entry)).toEqual([
      ['Credit', '36', 40.59],
      ['Credit', '35', 10],
      ['Debit', '35', 50],
      ['Debit', '70', 0.59],
    ]);
  });

  it('credits the bank in payout_summary mode instead of a negative debit', () => {
    const summary = buildSettings({ mode: 'payout_summary', accounts: { ...EVERY_ACCOUNT } });
    const plan = buildPlan({
      event: buildEvent('payout.paid', negative),
      settings: summary,
      balanceTransactions: rows,
    });
    expect(journalLines(plan.operations[0])).toEqual([
      ['Credit', '36', 40.59],
      ['Credit', '79', 10],
      ['Debit', '80', 50],
      ['Debit', '70', 0.59],
    ]);
  });

  it('moves a negative manual payout from the bank to clearing as a positive Transfer', () => {
    const manual = buildPayout({ amount: -2500, automatic: false, reconciliation_status: 'not_applicable' });
    const [transfer] = buildPlan({ event: buildEvent('payout.paid', manual), settings: everyAccount }).operations;
    expect(transfer).toMatchObject({ entity: 'Transfer', expectedTotal: '25.00' });
    expect(transfer?.body).toMatchObject({
      FromAccountRef: { value: '36' },
      ToAccountRef: { value: '35' },
      Amount: 25,
    });
  });
});

describe('a payout that fails or is canceled', () => {
  const rows = [
    buildBalanceTransaction({ id: 'txn_c', amount: 10000, fee: 320, source: 'ch_1' }),
    buildBalanceTransaction({
      id: 'txn_d',
      amount: -1500,
      fee: 1500,
      type: 'adjustment',
      reporting_category: 'dispute',
    }),
  ];
  const failed = buildPayout({ amount: 6680, status: 'failed', failure_code: 'account_closed' });
  const failureEvent = (type: string, payout = failed) => buildEvent(type, payout, '2025-06-04T15:00:00.000Z');

  it.each(['payout.failed', 'payout.canceled'])(
    '%s books the payout (fees, disputes included) and then reverses it into clearing, dated on the failure',
    (type) => {
      const plan = buildPlan({ event: failureEvent(type), settings: everyAccount, balanceTransactions: rows });
      expect(plan.operations.map((o) => [o.entity, o.stripeId, o.expectedTotal, o.txnDate, o.target?.$ref])).toEqual([
        ['Deposit', 'po_test1', '66.80', '2025-06-01', undefined],
        ['JournalEntry', 'po_test1/failed', '66.80', '2025-06-04', 'deposit:po_test1'],
      ]);
      expect(depositLines(plan.operations[0])).toEqual([
        ['35', 100],
        ['71', -15],
        ['70', -18.2],
      ]);
      expect(journalLines(plan.operations[1])).toEqual([
        ['Debit', '35', 66.8],
        ['Credit', '36', 66.8],
      ]);
    },
  );

  it('plans the very write payout.paid plans, so a late payout.paid cannot post a second deposit', () => {
    const fromFailure = buildPlan({
      event: failureEvent('payout.failed'),
      settings: everyAccount,
      balanceTransactions: rows,
    }).operations[0];
    const fromPaid = buildPlan({
      event: buildEvent('payout.paid', { ...failed, status: 'paid' }),
      settings: everyAccount,
      balanceTransactions: rows,
    }).operations[0];
    expect(fromPaid?.requestId).toBe(fromFailure?.requestId);
    expect(fromPaid?.body).toEqual(fromFailure?.body);
  });

  it('asks for the balance transactions of an automatic payout that failed', () => {
    expect(buildPlan({ event: failureEvent('payout.failed'), settings: everyAccount }).parked?.reason).toBe(
      'balance_transactions_required',
    );
  });

  it('reverses a manual payout through its Transfer, needing no balance transactions', () => {
    const manual = buildPayout({ amount: 2500, automatic: false, status: 'canceled' });
    const plan = buildPlan({ event: failureEvent('payout.canceled', manual), settings: everyAccount });
    expect(plan.operations.map((o) => [o.entity, o.target?.$ref])).toEqual([
      ['Transfer', undefined],
      ['JournalEntry', 'transfer:po_test1'],
    ]);
  });

  it('reverses a negative payout the other way round', () => {
    const negative = buildPayout({ amount: -4000, status: 'failed' });
    const refund = buildBalanceTransaction({ amount: -4000, type: 'refund', reporting_category: 'refund' });
    const plan = buildPlan({
      event: failureEvent('payout.failed', negative),
      settings: everyAccount,
      balanceTransactions: [refund],
    });
    expect(plan.operations.map((o) => [o.entity, o.target?.$ref])).toEqual([
      ['JournalEntry', undefined],
      ['JournalEntry', 'journalentry:po_test1'],
    ]);
    expect(journalLines(plan.operations[1])).toEqual([
      ['Credit', '35', 40],
      ['Debit', '36', 40],
    ]);
  });

  it('in payout_summary mode books the summary journal and reverses it', () => {
    const summary = buildSettings({ mode: 'payout_summary', accounts: { ...EVERY_ACCOUNT } });
    const plan = buildPlan({ event: failureEvent('payout.failed'), settings: summary, balanceTransactions: rows });
    expect(plan.operations.map((o) => [o.entity, o.stripeId, o.target?.$ref])).toEqual([
      ['JournalEntry', 'po_test1', undefined],
      ['JournalEntry', 'po_test1/failed', 'journalentry:po_test1'],
    ]);
  });
});
