import { buildPlan, type PlannedOperation } from '../../../shared/accounting/plan';
import { shareOut } from '../../../shared/accounting/portions';
import { buildEvent, buildInvoice, buildSettings } from './factories';

const settings = buildSettings({ accounts: { ...buildSettings().accounts, outOfBandRefunds: '99' } });
type QboLine = { DetailType: string; Amount: number } & Record<string, Record<string, unknown>>;
const linesOf = (operation: PlannedOperation | undefined): QboLine[] => (operation?.body.Line ?? []) as QboLine[];
const cents = (amount: number) => Math.round(amount * 100);
/** The tax line (us regime: on items.taxItem '2') of a document. */
const taxOf = (operation: PlannedOperation | undefined) =>
  linesOf(operation)
    .filter(
      (line) => (line.SalesItemLineDetail as { ItemRef?: { value?: string } } | undefined)?.ItemRef?.value === '2',
    )
    .reduce((sum, line) => sum + cents(line.Amount), 0);
const sumOf = (operation: PlannedOperation | undefined) =>
  linesOf(operation).reduce(
    (sum, line) => sum + (line.DetailType === 'DiscountLineDetail' ? -1 : 1) * cents(line.Amount),
    0,
  );

/**
 * A basil+ mixed credit note of 100.00 + 20.00 tax on an invoice: 36.00 reduced the invoice before payment, then of
 * the 84.00 after payment 48.00 was refunded to the card, 24.00 credited to the balance and 12.00 refunded outside.
 */
function mixedNote(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const tax = {
    amount: 2000,
    tax_behavior: 'exclusive',
    tax_rate_details: { tax_rate: 'txr_vat' },
    taxable_amount: 10000,
  };
  return {
    id: 'cn_mixed',
    object: 'credit_note',
    type: 'mixed',
    number: 'ACME-0001-CN-02',
    currency: 'usd',
    customer: 'cus_test1',
    invoice: 'in_test1',
    created: 1748779200,
    lines: {
      object: 'list',
      data: [
        { amount: 6000, quantity: 3, description: 'Seats', taxes: [{ ...tax, amount: 1200, taxable_amount: 6000 }] },
        { amount: 4000, quantity: 1, description: 'Support', taxes: [{ ...tax, amount: 800, taxable_amount: 4000 }] },
      ],
      has_more: false,
    },
    total_taxes: [tax],
    total: 12000,
    pre_payment_amount: 3600,
    post_payment_amount: 8400,
    out_of_band_amount: 1200,
    refunds: [{ refund: 're_cn', amount_refunded: 4800, type: 'refund' }],
    ...overrides,
  };
}

describe('credit notes: every part with its share of tax', () => {
  const plan = buildPlan({ event: buildEvent('credit_note.created', mixedNote()), settings });

  it('books the refund, the out-of-band refund, one CreditMemo for the credit, and applies the pre-payment part', () => {
    expect(plan.operations.map((o) => [o.entity, o.stripeId, o.expectedTotal])).toEqual([
      ['RefundReceipt', 're_cn', '48.00'],
      ['RefundReceipt', 'cn_mixed/out_of_band', '12.00'],
      ['CreditMemo', 'cn_mixed', '60.00'],
      ['Payment', 'cn_mixed/apply', '0.00'],
    ]);
    expect(plan.operations[1]?.body.DepositToAccountRef).toEqual({ value: '99' });
    expect((plan.operations[3]?.body.Line as { Amount: number }[]).map((line) => line.Amount)).toEqual([36, 36]);
  });

  it('gives each part its share of the tax, and the shares add up to the note’s tax', () => {
    const [refund, outOfBand, memo] = plan.operations;
    expect([taxOf(refund), taxOf(outOfBand), taxOf(memo)]).toEqual([800, 200, 1000]);
    expect([sumOf(refund), sumOf(outOfBand), sumOf(memo)]).toEqual([4800, 1200, 6000]);
  });

  it('books the refund event of a credit-note refund as the note does, whichever arrives first', () => {
    const refund = {
      id: 're_cn',
      object: 'refund',
      amount: 4800,
      currency: 'usd',
      status: 'succeeded',
      created: 1748800000,
      charge: 'ch_1',
    };
    const fromRefund = buildPlan({
      event: buildEvent('refund.created', refund),
      settings,
      stripe: { creditNoteOfRefund: { re_cn: mixedNote() } },
    }).operations;
    expect(fromRefund).toHaveLength(1);
    expect(fromRefund[0]?.requestId).toBe(plan.operations[0]?.requestId);
    expect(fromRefund[0]?.body).toEqual(plan.operations[0]?.body);
  });

  it('reverses a failed credit-note refund with the note’s lines and tax', () => {
    const failed = {
      id: 're_cn',
      object: 'refund',
      amount: 4800,
      currency: 'usd',
      status: 'failed',
      created: 1748800000,
    };
    const reversal = buildPlan({
      event: buildEvent('refund.failed', failed),
      settings,
      stripe: { creditNoteOfRefund: { re_cn: mixedNote() } },
    }).operations[1];
    expect(reversal).toMatchObject({ entity: 'SalesReceipt', stripeId: 're_cn/failed' });
    expect(taxOf(reversal)).toBe(800);
    expect(reversal?.body.CustomerRef).toEqual({ $ref: 'customer:cus_test1' });
  });

  it('applies a pre-payment part even when the note is mixed (it used to need type pre_payment)', () => {
    const prePaymentOnly = mixedNote({ post_payment_amount: 8400, refunds: [], out_of_band_amount: null });
    const operations = buildPlan({ event: buildEvent('credit_note.created', prePaymentOnly), settings }).operations;
    expect(operations.map((o) => [o.entity, o.expectedTotal])).toEqual([
      ['CreditMemo', '120.00'],
      ['Payment', '0.00'],
    ]);
    const voided = buildPlan({ event: buildEvent('credit_note.voided', prePaymentOnly), settings }).operations;
    expect(voided.map((o) => [o.entity, o.operation])).toEqual([
      ['Payment', 'delete'],
      ['CreditMemo', 'delete'],
    ]);
  });

  it('parks a note whose parts do not make its total', () => {
    expect(
      buildPlan({ event: buildEvent('credit_note.created', mixedNote({ pre_payment_amount: 5000 })), settings }).parked
        ?.reason,
    ).toBe('totals_mismatch');
  });

  it('shares amounts out exactly, the whole to a whole weight', () => {
    expect(shareOut(2000, [4800, 1200, 6000])).toEqual([800, 200, 1000]);
    expect(shareOut(1001, [1, 1, 1])).toEqual([334, 334, 333]);
    expect(shareOut(-1001, [1, 1, 1])).toEqual([-334, -334, -333]);
    expect(shareOut(777, [0, 12000, 0])).toEqual([0, 777, 0]);
  });
});

describe('invoices that use the customer’s credit balance', () => {
  /** A legacy paid invoice of 200.00 that used 50.00 of customer credit; the card paid 150.00. */
  const partlyCredit = buildInvoice({
    lineSpecs: [{ amount: 20000, quantity: 2 }],
    status: 'paid',
    starting_balance: -5000,
    ending_balance: 0,
    amount_due: 15000,
    amount_paid: 15000,
    charge: 'ch_1',
    payment_intent: 'pi_1',
    paid_out_of_band: false,
    status_transitions: { finalized_at: 1748779200, paid_at: 1748779300 },
  });
  const history = [
    {
      id: 'cbtxn_1',
      object: 'customer_balance_transaction',
      amount: -5000,
      type: 'credit_note',
      credit_note: 'cn_1',
      created: 1748000000,
    },
    {
      id: 'cbtxn_2',
      object: 'customer_balance_transaction',
      amount: 5000,
      type: 'applied_to_invoice',
      invoice: 'in_test1',
      created: 1748779200,
    },
  ];

  it('applies the credit memo the credit came from when the invoice is finalized, as Stripe does', () => {
    const plan = buildPlan({
      event: buildEvent('invoice.finalized', partlyCredit),
      settings,
      stripe: { customerBalanceTransactions: history },
    });
    expect(plan.operations.map((o) => [o.entity, o.stripeId, o.expectedTotal])).toEqual([
      ['Invoice', 'in_test1', '200.00'],
      ['Payment', 'in_test1/credit', '0.00'],
    ]);
    expect(plan.operations[1]?.body.Line).toEqual([
      { Amount: 50, LinkedTxn: [{ TxnId: { $ref: 'invoice:in_test1' }, TxnType: 'Invoice' }] },
      { Amount: 50, LinkedTxn: [{ TxnId: { $ref: 'creditmemo:cn_1' }, TxnType: 'CreditMemo' }] },
    ]);
  });

  it('and the card payment links only its own part', () => {
    const [payment, ...rest] = buildPlan({ event: buildEvent('invoice.paid', partlyCredit), settings }).operations;
    expect(rest).toEqual([]);
    expect(payment?.body).toMatchObject({ TotalAmt: 150, Line: [{ Amount: 150 }] });
  });

  it('applies credit to an invoice paid wholly from the balance (no payment event exists for it)', () => {
    const wholly = buildInvoice({
      lineSpecs: [{ amount: 5000 }],
      status: 'paid',
      starting_balance: -8000,
      ending_balance: -3000,
      amount_due: 0,
      amount_paid: 0,
    });
    const plan = buildPlan({
      event: buildEvent('invoice.finalized', wholly),
      settings,
      stripe: { customerBalanceTransactions: history.map((t) => (t.amount < 0 ? { ...t, amount: -8000 } : t)) },
    });
    expect(
      plan.operations.map((o) => [o.stripeId, (o.body.Line as { Amount: number }[]).map((l) => l.Amount)]),
    ).toEqual([
      ['in_test1', [50]],
      ['in_test1/credit', [50, 50]],
    ]);
    // The invoice.paid that follows carries no payment: nothing more to book.
    expect(buildPlan({ event: buildEvent('invoice.paid', wholly), settings }).skipped).toEqual({
      reason: 'payment_via_invoice_payment',
    });
  });

  it('parks, naming the amount, when the credit came from something no QBO credit memo holds', () => {
    const adjustment = [{ ...history[0], type: 'adjustment', credit_note: null }, history[1]];
    const plan = buildPlan({
      event: buildEvent('invoice.finalized', partlyCredit),
      settings,
      stripe: { customerBalanceTransactions: adjustment },
    });
    expect(plan.parked).toEqual({
      reason: 'customer_credit_unbooked',
      detail:
        'invoice in_test1: 50.00 of the customer credit Stripe applied has no QBO credit memo (adjustment cbtxn_1)',
    });
  });

  it('asks for the customer’s balance transactions when it has none', () => {
    expect(buildPlan({ event: buildEvent('invoice.finalized', partlyCredit), settings }).parked?.reason).toBe(
      'customer_balance_transactions_required',
    );
  });

  it('never links more than the invoice to a payment that also paid an earlier debit balance', () => {
    const owed = buildInvoice({
      lineSpecs: [{ amount: 20000, quantity: 2 }],
      status: 'paid',
      starting_balance: 5000,
      amount_due: 25000,
      amount_paid: 25000,
      charge: 'ch_1',
      payment_intent: 'pi_1',
      paid_out_of_band: false,
    });
    const [payment] = buildPlan({ event: buildEvent('invoice.paid', owed), settings }).operations;
    expect(payment?.body).toMatchObject({ TotalAmt: 250, Line: [{ Amount: 200 }] });
    const basil = {
      id: 'inpay_1',
      object: 'invoice_payment',
      amount_paid: 25000,
      currency: 'usd',
      invoice: 'in_test1',
      status: 'paid',
      created: 1748779200,
      payment: { type: 'payment_intent', payment_intent: 'pi_1' },
    };
    const [fromBasil] = buildPlan({
      event: buildEvent('invoice_payment.paid', basil),
      settings,
      stripe: { invoice: owed },
    }).operations;
    expect(fromBasil?.body).toMatchObject({
      TotalAmt: 250,
      Line: [{ Amount: 200 }],
      CustomerRef: { $ref: 'customer:cus_test1' },
    });
  });
});
