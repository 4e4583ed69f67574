import { FlowWriter, type Flow } from './flows';

/**
 * The money flows the accounting recipes book beyond the plain invoice → payment → payout history (issue #15), each
 * a Flow to deliver end to end. Amounts are odd cents on purpose. `tag` keeps ids apart between flows of one run.
 */

/** A payout that failed before it was paid: booked and reversed; the next payout carries its money again. */
export function failedPayoutFlow(tag: string, start: number): Flow {
  const w = new FlowWriter('Failed payout', tag, start);
  const customer = w.customer();
  w.pay(w.invoice(customer, [{ amount: 12_345 }]), 12_345);
  const failed = w.payout({ status: 'failed', failure_code: 'account_closed' });
  const failedId = String(failed.id);
  const amount = Number(failed.amount);
  w.emit('payout.failed', failed);
  w.expect({ stripeId: failedId, stripeObject: 'payout', qboEntity: 'Deposit', amountMinor: amount });
  w.expect({ stripeId: `${failedId}/failed`, stripeObject: 'payout', qboEntity: 'JournalEntry', amountMinor: amount });
  // Stripe puts the money back into the balance (a payout_failure row) and pays it out with the next payout.
  w.settle({
    type: 'payout_failure',
    category: 'payout_reversal',
    amount,
    source: failedId,
    id: `txn_${failedId}_fail`,
  });
  const next = w.payout();
  w.emit('payout.paid', next);
  w.expect({ stripeId: String(next.id), stripeObject: 'payout', qboEntity: 'Deposit', amountMinor: amount });
  return w.done();
}

/** A refund after the money was paid out: the balance goes negative and Stripe debits the bank. */
export function negativePayoutFlow(tag: string, start: number): Flow {
  const w = new FlowWriter('Negative payout', tag, start);
  const customer = w.customer();
  const { chargeId } = w.pay(w.invoice(customer, [{ amount: 8_017 }]), 8_017);
  const first = w.payout();
  w.emit('payout.paid', first);
  w.expect({
    stripeId: String(first.id),
    stripeObject: 'payout',
    qboEntity: 'Deposit',
    amountMinor: Number(first.amount),
  });
  const refund = w.refund(chargeId, 3_003);
  w.emit('refund.created', refund);
  w.expect({ stripeId: String(refund.id), stripeObject: 'refund', qboEntity: 'RefundReceipt', amountMinor: 3_003 });
  const negative = w.payout();
  w.emit('payout.paid', negative);
  w.expect({ stripeId: String(negative.id), stripeObject: 'payout', qboEntity: 'JournalEntry', amountMinor: 3_003 });
  return w.done();
}

/** A refund that failed after it was booked: its money comes back (a refund_failure row) and its receipt is reversed. */
export function failedRefundFlow(tag: string, start: number): Flow {
  const w = new FlowWriter('Failed refund', tag, start);
  const customer = w.customer();
  const { chargeId } = w.pay(w.invoice(customer, [{ amount: 10_001 }]), 10_001);
  const refund = w.refund(chargeId, 4_007);
  const refundId = String(refund.id);
  w.emit('refund.created', refund);
  w.tick();
  const failedTransaction = `txn_${refundId}_failed`;
  w.settle({ type: 'refund_failure', amount: 4_007, source: refundId, id: failedTransaction });
  const failed = {
    ...refund,
    status: 'failed',
    failure_reason: 'expired_or_canceled_card',
    failure_balance_transaction: failedTransaction,
  };
  w.emit('refund.updated', failed);
  w.emit('refund.failed', failed);
  w.expect({ stripeId: refundId, stripeObject: 'refund', qboEntity: 'RefundReceipt', amountMinor: 4_007 });
  w.expect({ stripeId: `${refundId}/failed`, stripeObject: 'refund', qboEntity: 'SalesReceipt', amountMinor: 4_007 });
  const payout = w.payout();
  w.emit('payout.paid', payout);
  w.expect({
    stripeId: String(payout.id),
    stripeObject: 'payout',
    qboEntity: 'Deposit',
    amountMinor: Number(payout.amount),
  });
  return w.done();
}

/**
 * Manual capture of a one-off (basil+) sale: an authorisation of 100.00 (charge.succeeded, uncaptured: nothing to
 * book), then 60.05 captured (charge.captured). Stripe settles the authorisation and releases the rest.
 */
export function manualCaptureFlow(tag: string, start: number): Flow {
  const w = new FlowWriter('Manual capture', tag, start);
  const customer = w.customer();
  const intentId = w.id('pi');
  const chargeId = `ch_${intentId.slice('pi_'.length)}`;
  w.tick();
  const authorisation = {
    id: chargeId,
    object: 'charge',
    amount: 10_000,
    amount_captured: 0,
    amount_refunded: 0,
    captured: false,
    paid: true,
    status: 'succeeded',
    currency: 'usd',
    customer,
    description: 'Reserved table',
    payment_intent: intentId,
    balance_transaction: null,
    created: w.tick(),
    livemode: false,
  };
  w.put({
    id: intentId,
    object: 'payment_intent',
    amount: 10_000,
    currency: 'usd',
    latest_charge: chargeId,
    status: 'requires_capture',
    capture_method: 'manual',
    customer,
    created: authorisation.created,
  });
  w.emit('charge.succeeded', authorisation);
  w.tick();
  w.settle({ type: 'charge', amount: 10_000, source: chargeId, fee: Math.round(6_005 * 0.029) + 30 });
  w.settle({
    type: 'refund',
    category: 'partial_capture_reversal',
    amount: -3_995,
    source: chargeId,
    id: `txn_${chargeId}_release`,
  });
  w.put({
    id: intentId,
    object: 'payment_intent',
    amount: 10_000,
    amount_received: 6_005,
    currency: 'usd',
    latest_charge: chargeId,
    status: 'succeeded',
    capture_method: 'manual',
    customer,
    created: authorisation.created,
  });
  w.emit('charge.captured', {
    ...authorisation,
    captured: true,
    amount_captured: 6_005,
    balance_transaction: `txn_${chargeId}`,
  });
  w.expect({ stripeId: chargeId, stripeObject: 'charge', qboEntity: 'SalesReceipt', amountMinor: 6_005 });
  const payout = w.payout();
  w.emit('payout.paid', payout);
  w.expect({
    stripeId: String(payout.id),
    stripeObject: 'payout',
    qboEntity: 'Deposit',
    amountMinor: Number(payout.amount),
  });
  return w.done();
}

/**
 * Customer credit: a paid invoice gets a post-payment credit note to the customer's balance (50.00); the next
 * invoice (150.00) uses that credit when it is finalized and the card pays the rest (100.00).
 */
export function customerCreditFlow(tag: string, start: number): Flow {
  const w = new FlowWriter('Customer credit', tag, start);
  const customer = w.customer();
  const first = w.invoice(customer, [{ amount: 20_000 }]);
  w.pay(first, 20_000);
  const note = w.creditNote(first, { total: 5_000 });
  w.emit('credit_note.created', note);
  const second = w.invoice(customer, [{ amount: 15_000 }], {
    starting_balance: -5_000,
    ending_balance: 0,
    amount_due: 10_000,
    amount_remaining: 10_000,
  });
  w.put({
    id: `cbtxn_${String(second.id)}`,
    object: 'customer_balance_transaction',
    type: 'applied_to_invoice',
    amount: 5_000,
    currency: 'usd',
    customer,
    invoice: second.id,
    credit_note: null,
    created: Number(second.created),
  });
  w.expect({ stripeId: `${String(second.id)}/credit`, stripeObject: 'invoice', qboEntity: 'Payment', amountMinor: 0 });
  w.pay(second, 10_000);
  const payout = w.payout();
  w.emit('payout.paid', payout);
  w.expect({
    stripeId: String(payout.id),
    stripeObject: 'payout',
    qboEntity: 'Deposit',
    amountMinor: Number(payout.amount),
  });
  return w.done();
}

/**
 * A mixed credit note with tax: an invoice of 100.00 + 20.00 tax, 84.00 paid; then the whole 120.00 credited: 36.00
 * before payment (the open part), 48.00 refunded to the card, 12.00 refunded outside Stripe, 24.00 to the balance.
 * The refund's own event comes first, as Stripe may send it.
 */
export function mixedCreditNoteFlow(tag: string, start: number): Flow {
  const w = new FlowWriter('Mixed credit note', tag, start);
  const customer = w.customer();
  const invoice = w.invoice(customer, [
    { amount: 6_000, description: 'Seats', tax: 1_200 },
    { amount: 4_000, description: 'Support', tax: 800 },
  ]);
  const { chargeId } = w.pay(invoice, 8_400);
  const refund = w.refund(chargeId, 4_800);
  const note = w.creditNote(
    { ...invoice, amount_paid: 8_400, amount_remaining: 3_600 },
    {
      total: 12_000,
      prePayment: 3_600,
      refunds: [refund],
      outOfBand: 1_200,
    },
  );
  const noteId = String(note.id);
  w.emit('refund.created', refund);
  w.emit('credit_note.created', note);
  w.expect({ stripeId: String(refund.id), stripeObject: 'refund', qboEntity: 'RefundReceipt', amountMinor: 4_800 });
  w.expect({
    stripeId: `${noteId}/out_of_band`,
    stripeObject: 'credit_note',
    qboEntity: 'RefundReceipt',
    amountMinor: 1_200,
  });
  w.expect({ stripeId: `${noteId}/apply`, stripeObject: 'credit_note', qboEntity: 'Payment', amountMinor: 0 });
  const payout = w.payout();
  w.emit('payout.paid', payout);
  w.expect({
    stripeId: String(payout.id),
    stripeObject: 'payout',
    qboEntity: 'Deposit',
    amountMinor: Number(payout.amount),
  });
  return w.done();
}

/**
 * A EUR invoice paid by card in a USD company with multicurrency: 33.33 EUR settled as 36.44 USD at Stripe's
 * 1.0935 (QBO's own product of the two is 36.45: the cent is the exchange difference), then paid out in USD.
 */
export function multicurrencyFlow(tag: string, start: number): Flow {
  const w = new FlowWriter('Multicurrency', tag, start);
  const customer = w.customer('eur');
  const invoice = w.invoice(customer, [{ amount: 3_333 }], {}, 'eur');
  const { intentId } = w.pay(invoice, 3_333, { settled: 3_644, exchangeRate: 1.0935 });
  w.expect({ stripeId: `${intentId}/fx`, stripeObject: 'payment_intent', qboEntity: 'JournalEntry', amountMinor: 1 });
  const payout = w.payout();
  w.emit('payout.paid', payout);
  w.expect({
    stripeId: String(payout.id),
    stripeObject: 'payout',
    qboEntity: 'Deposit',
    amountMinor: Number(payout.amount),
  });
  return w.done();
}

/**
 * A UK company on VAT: an invoice of 100.00 + 20.00 VAT at Stripe rate `txr_sales` (the tenant maps it to a QBO
 * tax code), paid and paid out. QBO's TaxLine names the code's sales rate, which the consumer reads from QBO.
 */
export function vatInvoiceFlow(tag: string, start: number): Flow {
  const w = new FlowWriter('VAT invoice', tag, start);
  const customer = w.customer();
  w.pay(w.invoice(customer, [{ amount: 10_000, tax: 2_000 }]), 12_000);
  const payout = w.payout();
  w.emit('payout.paid', payout);
  w.expect({
    stripeId: String(payout.id),
    stripeObject: 'payout',
    qboEntity: 'Deposit',
    amountMinor: Number(payout.amount),
  });
  return w.done();
}
