import { homeAmountAt } from '../../../shared/accounting/fx';
import { buildPlan, type PlannedOperation } from '../../../shared/accounting/plan';
import { buildBalanceTransaction, buildEvent, buildInvoice, buildPayout, buildSettings, fixture } from './factories';

type EventFile = { data: { object: Record<string, unknown> } };
type QboLine = { Amount: number } & Record<string, Record<string, unknown>>;

const multicurrency = buildSettings({
  qbo: { realmId: '9130350000000000', environment: 'sandbox', multicurrency: true },
  accounts: { ...buildSettings().accounts, fxGainLoss: '97' },
});
const journal = (operation: PlannedOperation | undefined) =>
  (operation?.body.Line as QboLine[]).map((line) => {
    const detail = line.JournalEntryLineDetail as { PostingType: string; AccountRef: { value: string } };
    return [detail.PostingType, detail.AccountRef.value, line.Amount];
  });

/** A EUR invoice paid by card and settled in USD: Stripe's charge balance transaction carries the rate. */
const eurInvoice = buildInvoice({
  currency: 'eur',
  lineSpecs: [{ amount: 3333 }],
  status: 'paid',
  amount_paid: 3333,
  charge: 'ch_eur1',
  payment_intent: 'pi_eur1',
  status_transitions: { finalized_at: 1748779200, paid_at: 1748779200 },
});
// 33.33 EUR × 1.0935 = 36.447… USD at QBO; Stripe settled 36.44 (its own rounding), so 0.01 is a realized loss.
const settlement = buildBalanceTransaction({
  id: 'txn_eur1',
  amount: 3644,
  fee: 136,
  currency: 'usd',
  exchange_rate: 1.0935,
  source: 'ch_eur1',
});

describe('multicurrency companies', () => {
  it('carries Stripe’s exchange rate on a foreign-currency payment and books the cent Stripe rounded away', () => {
    const plan = buildPlan({
      event: buildEvent('invoice.paid', eurInvoice),
      settings: multicurrency,
      stripe: { balanceTransactionOf: { pi_eur1: settlement } },
    });
    expect(plan.operations.map((o) => [o.entity, o.stripeId, o.currency, o.expectedTotal])).toEqual([
      ['Payment', 'pi_eur1', 'EUR', '33.33'],
      ['JournalEntry', 'pi_eur1/fx', 'USD', '0.01'],
    ]);
    const [payment, fx] = plan.operations as [PlannedOperation, PlannedOperation];
    expect(payment.body).toMatchObject({ CurrencyRef: { value: 'EUR' }, ExchangeRate: 1.0935 });
    expect(fx.body.CurrencyRef).toEqual({ value: 'USD' });
    expect(journal(fx)).toEqual([
      ['Credit', '35', 0.01],
      ['Debit', '97', 0.01],
    ]);
  });

  it('books no difference when QBO’s home amount is Stripe’s', () => {
    const exact = { ...settlement, amount: 3645, net: 3645 - 136 };
    const plan = buildPlan({
      event: buildEvent('invoice.paid', eurInvoice),
      settings: multicurrency,
      stripe: { balanceTransactionOf: { pi_eur1: exact } },
    });
    expect(plan.operations.map((o) => o.entity)).toEqual(['Payment']);
  });

  it('parks a foreign-currency payment whose settlement the enrich stage did not supply', () => {
    const plan = buildPlan({ event: buildEvent('invoice.paid', eurInvoice), settings: multicurrency });
    expect(plan.parked).toMatchObject({ reason: 'exchange_rate_required' });
    expect(plan.parked?.detail).toContain('pi_eur1');
  });

  it('parks money settled in a balance of another currency than home', () => {
    const inEur = { ...settlement, currency: 'eur', exchange_rate: null };
    const plan = buildPlan({
      event: buildEvent('invoice.paid', eurInvoice),
      settings: multicurrency,
      stripe: { balanceTransactionOf: { pi_eur1: inEur } },
    });
    expect(plan.parked?.reason).toBe('currency_unsupported');
  });

  it('books a foreign refund’s difference the other way: money left the balance', () => {
    const refund = { ...fixture<EventFile>('event-refund.created.json').data.object, currency: 'eur', amount: 3333 };
    const refundSettlement = buildBalanceTransaction({
      id: 'txn_re',
      amount: -3644,
      currency: 'usd',
      type: 'refund',
      exchange_rate: 1.0935,
    });
    const plan = buildPlan({
      event: buildEvent('refund.created', refund),
      settings: multicurrency,
      stripe: {
        balanceTransactionOf: { re_1Nispe2eZvKYlo2Cd31jOCgZ: refundSettlement },
        creditNoteOfRefund: { re_1Nispe2eZvKYlo2Cd31jOCgZ: null },
      },
    });
    expect(plan.operations.map((o) => [o.entity, o.body.ExchangeRate])).toEqual([
      ['RefundReceipt', 1.0935],
      ['JournalEntry', undefined],
    ]);
    expect(journal(plan.operations[1])).toEqual([
      ['Debit', '35', 0.01],
      ['Credit', '97', 0.01],
    ]);
  });

  it('puts CurrencyRef on journal entries and transfers too', () => {
    const payout = buildPayout({ amount: 9000 });
    const negative = buildPlan({
      event: buildEvent('payout.paid', { ...payout, amount: -1000 }),
      settings: multicurrency,
      balanceTransactions: [buildBalanceTransaction({ amount: -1000, type: 'refund' })],
    }).operations[0];
    expect(negative).toMatchObject({ entity: 'JournalEntry', body: { CurrencyRef: { value: 'USD' } } });
    const manual = buildPlan({
      event: buildEvent('payout.paid', { ...payout, automatic: false }),
      settings: multicurrency,
    }).operations[0];
    expect(manual).toMatchObject({ entity: 'Transfer', body: { CurrencyRef: { value: 'USD' } } });
  });

  it('computes QBO’s home amount exactly, half a cent rounding away from zero, across currency exponents', () => {
    expect(homeAmountAt(1000, 'EUR', 1.0935, 'USD')).toBe(1094); // 10.935 → 10.94
    expect(homeAmountAt(-1000, 'EUR', 1.0935, 'USD')).toBe(-1094);
    expect(homeAmountAt(12345, 'JPY', 0.006789, 'USD')).toBe(8381); // 83.810205
    expect(homeAmountAt(1000, 'USD', 151.237, 'JPY')).toBe(1512); // 1512.37 yen
    expect(homeAmountAt(1001, 'KWD', 3.25, 'USD')).toBe(325); // 1.001 KWD → 3.25325
  });
});
