import { buildPlan, type PlannedOperation } from '../../../shared/accounting/plan';
import { buildEvent, buildInvoice, buildSettings, fixture } from './factories';

const settings = buildSettings();
type EventFile = { data: { object: Record<string, unknown> } };

/** A legacy (pre-basil) paid invoice: `charge`, `payment_intent`, `paid_out_of_band` on the invoice. */
function legacyPaidInvoice(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return buildInvoice({
    // Paid in full: 2 × 100.00, so the Payment links all of it.
    lineSpecs: [{ amount: 20000, quantity: 2 }],
    status: 'paid',
    amount_paid: 20000,
    charge: 'ch_legacy1',
    payment_intent: 'pi_shared1',
    paid_out_of_band: false,
    status_transitions: { finalized_at: 1748779200, paid_at: Date.parse('2025-06-02T03:30:00Z') / 1000 },
    ...overrides,
  });
}

function basilInvoicePayment(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'inpay_1',
    object: 'invoice_payment',
    amount_paid: 20000,
    currency: 'usd',
    invoice: 'in_test1',
    status: 'paid',
    created: 1748779200,
    payment: { type: 'payment_intent', payment_intent: 'pi_shared1' },
    status_transitions: { paid_at: Date.parse('2025-06-02T03:30:00Z') / 1000, canceled_at: null },
    ...overrides,
  };
}

describe('invoice payments → Payment', () => {
  it('posts a legacy invoice.paid as one Payment into clearing, linked to the invoice', () => {
    const plan = buildPlan({ event: buildEvent('invoice.paid', legacyPaidInvoice()), settings });
    expect(plan.operations).toHaveLength(1);
    const payment = plan.operations[0] as PlannedOperation;
    expect(payment).toMatchObject({
      entity: 'Payment',
      stripeId: 'pi_shared1',
      stripeObject: 'payment_intent',
      expectedTotal: '200.00',
      txnDate: '2025-06-01', // 03:30 UTC is still the evening before in New York
    });
    expect(payment.body).toMatchObject({
      CustomerRef: { $ref: 'customer:cus_test1' },
      TotalAmt: 200,
      DepositToAccountRef: { value: '35' },
      PaymentRefNum: 'pi_shared1',
      Line: [{ Amount: 200, LinkedTxn: [{ TxnId: { $ref: 'invoice:in_test1' }, TxnType: 'Invoice' }] }],
    });
  });

  it('gives the legacy and the basil event of the same payment the same ledger key and request id', () => {
    const legacy = buildPlan({ event: buildEvent('invoice.paid', legacyPaidInvoice()), settings }).operations[0];
    const basil = buildPlan({ event: buildEvent('invoice_payment.paid', basilInvoicePayment()), settings })
      .operations[0];
    expect(basil?.stripeId).toBe(legacy?.stripeId);
    expect(basil?.operation).toBe(legacy?.operation);
    expect(basil?.requestId).toBe(legacy?.requestId);
    expect(basil?.expectedTotal).toBe(legacy?.expectedTotal);
  });

  it('keys a pre-PaymentIntent payment on its charge in both shapes', () => {
    const legacy = buildPlan({
      event: buildEvent('invoice.paid', legacyPaidInvoice({ payment_intent: null })),
      settings,
    });
    const basil = buildPlan({
      event: buildEvent(
        'invoice_payment.paid',
        basilInvoicePayment({ payment: { type: 'charge', charge: 'ch_legacy1' } }),
      ),
      settings,
    });
    expect(legacy.operations[0]?.stripeId).toBe('ch_legacy1');
    expect(basil.operations[0]?.stripeId).toBe('ch_legacy1');
  });

  it('reads the real basil invoice_payment.paid fixture; the customer comes from the linked QBO invoice', () => {
    const event = fixture<EventFile>('event-invoice_payment.paid.json');
    const [payment] = buildPlan({ event: buildEvent('invoice_payment.paid', event.data.object), settings }).operations;
    expect(payment).toMatchObject({ stripeId: 'pi_103Q0w2eZvKYlo2C364X582Z', expectedTotal: '20.00' });
    expect(payment?.body.CustomerRef).toEqual({ $ref: 'invoice:in_103Q0w2eZvKYlo2C5PYwf6Wf#CustomerRef' });
  });

  it.each([
    [
      'a basil invoice.paid (no charge field): its invoice_payment posts it',
      'invoice.paid',
      buildInvoice({ status: 'paid', amount_paid: 20000 }),
      'payment_via_invoice_payment',
    ],
    [
      'an out-of-band legacy payment',
      'invoice.paid',
      legacyPaidInvoice({ paid_out_of_band: true, charge: null, payment_intent: null }),
      'out_of_band_payment',
    ],
    [
      'a zero-total legacy invoice (real fixture)',
      'invoice.paid',
      fixture<EventFile>('event-invoice.paid.json').data.object,
      'zero_amount',
    ],
    [
      'a legacy invoice settled by customer balance',
      'invoice.paid',
      legacyPaidInvoice({ charge: null, payment_intent: null }),
      'paid_without_payment',
    ],
    [
      'invoice.payment_succeeded (real basil fixture)',
      'invoice.payment_succeeded',
      fixture<EventFile>('event-invoice.payment_succeeded.json').data.object,
      'payment_succeeded_not_a_payment',
    ],
    [
      'a basil out-of-band payment record',
      'invoice_payment.paid',
      basilInvoicePayment({ payment: { type: 'payment_record', payment_record: 'pr_1' } }),
      'out_of_band_payment',
    ],
    ['a zero invoice payment', 'invoice_payment.paid', basilInvoicePayment({ amount_paid: 0 }), 'zero_amount'],
    [
      'an invoice payment still open',
      'invoice_payment.paid',
      basilInvoicePayment({ status: 'open' }),
      'payment_not_paid',
    ],
  ])('skips %s', (_label, type, object, reason) => {
    expect(buildPlan({ event: buildEvent(type, object), settings })).toEqual({ operations: [], skipped: { reason } });
  });

  it('trims PaymentRefNum to QBO’s 21 characters, keeping the unique tail', () => {
    const plan = buildPlan({
      event: buildEvent('invoice.paid', legacyPaidInvoice({ payment_intent: 'pi_3RFFrjKXBGcbgpbZ0mAQxeI1' })),
      settings,
    });
    expect(plan.operations[0]?.body.PaymentRefNum).toBe('RFFrjKXBGcbgpbZ0mAQxeI1'.slice(-21));
  });

  it('parks when the clearing account is not mapped', () => {
    const plan = buildPlan({
      event: buildEvent('invoice.paid', legacyPaidInvoice()),
      settings: buildSettings({ accounts: {} }),
    });
    expect(plan.parked).toEqual({ reason: 'settings_incomplete', detail: 'accounts.stripeClearing' });
  });
});

describe('charges without an invoice → SalesReceipt', () => {
  const charge = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: 'ch_standalone1',
    object: 'charge',
    amount: 5000,
    amount_captured: 5000,
    currency: 'usd',
    customer: 'cus_test1',
    created: 1748779200,
    status: 'succeeded',
    captured: true,
    invoice: null,
    payment_intent: 'pi_standalone1',
    description: 'Consulting',
    ...overrides,
  });

  it('posts a legacy charge with invoice: null into clearing on defaultItem', () => {
    const [receipt] = buildPlan({ event: buildEvent('charge.succeeded', charge()), settings }).operations;
    expect(receipt).toMatchObject({ entity: 'SalesReceipt', stripeId: 'ch_standalone1', expectedTotal: '50.00' });
    expect(receipt?.body).toMatchObject({
      DepositToAccountRef: { value: '35' },
      CustomerRef: { $ref: 'customer:cus_test1' },
      Line: [{ Amount: 50, SalesItemLineDetail: { ItemRef: { value: '1' }, Qty: 1, UnitPrice: 50 } }],
    });
  });

  it('reads the real basil charge fixture: uncaptured as published, a SalesReceipt once captured', () => {
    const real = fixture('object-charge.json');
    expect(buildPlan({ event: buildEvent('charge.succeeded', real), settings }).skipped).toEqual({
      reason: 'charge_not_succeeded',
    });
    const captured = { ...real, captured: true, amount_captured: 100 };
    const [receipt] = buildPlan({ event: buildEvent('charge.succeeded', captured), settings }).operations;
    expect(receipt).toMatchObject({
      entity: 'SalesReceipt',
      expectedTotal: '1.00',
      stripeId: 'ch_1PgafuB7WZ01zgkWXYmPNZs8',
    });
    expect(receipt?.body.CustomerRef).toBeUndefined();
  });

  it('skips a charge that pays an invoice: the invoice payment events own it', () => {
    expect(buildPlan({ event: buildEvent('charge.succeeded', charge({ invoice: 'in_1' })), settings }).skipped).toEqual(
      { reason: 'charge_has_invoice' },
    );
  });

  it('parks a basil charge with a payment intent: it may pay an invoice, and posting it could double the payment', () => {
    const basil = charge();
    delete basil.invoice;
    expect(buildPlan({ event: buildEvent('charge.succeeded', basil), settings }).parked?.reason).toBe(
      'charge_invoice_unknown',
    );
  });

  it('skips an uncaptured charge', () => {
    expect(buildPlan({ event: buildEvent('charge.succeeded', charge({ captured: false })), settings }).skipped).toEqual(
      { reason: 'charge_not_succeeded' },
    );
  });
});
