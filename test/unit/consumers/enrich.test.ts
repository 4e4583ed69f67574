import type { StripeReader } from '../../../shared/stripe/ports';
import { enrich } from '../../../shared/consumers/enrich';
import { buildBalanceTransaction, buildEvent, buildPayout, buildSettings } from '../accounting/factories';

/** A Stripe reader that answers from fixed data and remembers every read. */
function readerWith(answers: { balanceTransactions?: unknown[]; invoiceOfIntent?: string | null } = {}) {
  const reads: string[] = [];
  const reader: StripeReader = {
    async listPayoutBalanceTransactions(_tenant, payoutId) {
      reads.push(`balance_transactions?payout=${payoutId}`);
      return answers.balanceTransactions ?? [];
    },
    async invoiceForPaymentIntent(_tenant, paymentIntentId) {
      reads.push(`invoice_payments?payment_intent=${paymentIntentId}`);
      return answers.invoiceOfIntent ?? null;
    },
    async fetchDependency() {
      throw new Error('enrich never fetches dependencies');
    },
    async productName() {
      throw new Error('enrich never reads products');
    },
  };
  return { reader, reads };
}

const tenant = buildSettings();
const basilCharge = (overrides: Record<string, unknown> = {}) =>
  buildEvent('charge.succeeded', {
    id: 'ch_1',
    object: 'charge',
    amount: 500,
    currency: 'usd',
    payment_intent: 'pi_1',
    status: 'succeeded',
    ...overrides,
  });

describe('enrich', () => {
  it("reads an automatic payout's balance transactions for planning", async () => {
    const transactions = [buildBalanceTransaction({ amount: 10_000, fee: 320 })];
    const { reader, reads } = readerWith({ balanceTransactions: transactions });
    const event = buildEvent('payout.paid', buildPayout());
    expect(await enrich(event, tenant, reader)).toEqual({ event, balanceTransactions: transactions });
    expect(reads).toEqual(['balance_transactions?payout=po_test1']);
  });

  it.each([
    ['a manual payout (Stripe refuses payout= for it)', buildEvent('payout.paid', buildPayout({ automatic: false }))],
    ['a failed payout (it reverses what was posted)', buildEvent('payout.failed', buildPayout({ status: 'failed' }))],
  ])('asks nothing about %s', async (_name, event) => {
    const { reader, reads } = readerWith();
    expect(await enrich(event, tenant, reader)).toEqual({ event });
    expect(reads).toEqual([]);
  });

  it('completes a basil charge with the invoice its PaymentIntent pays, or null when it pays none', async () => {
    const paying = readerWith({ invoiceOfIntent: 'in_9' });
    expect((await enrich(basilCharge(), tenant, paying.reader)).event.object).toMatchObject({ invoice: 'in_9' });
    expect(paying.reads).toEqual(['invoice_payments?payment_intent=pi_1']);
    const standalone = readerWith({ invoiceOfIntent: null });
    expect((await enrich(basilCharge(), tenant, standalone.reader)).event.object).toMatchObject({ invoice: null });
  });

  it('leaves a legacy charge, which names its invoice, as Stripe sent it', async () => {
    const { reader, reads } = readerWith();
    const event = basilCharge({ invoice: 'in_legacy' });
    expect(await enrich(event, tenant, reader)).toEqual({ event });
    expect(reads).toEqual([]);
  });

  it('with no Stripe reader wired, passes the event on as it came', async () => {
    const event = buildEvent('payout.paid', buildPayout());
    expect(await enrich(event, tenant, undefined)).toEqual({ event });
  });
});
