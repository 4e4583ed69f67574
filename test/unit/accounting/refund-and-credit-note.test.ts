import { buildPlan, type PlannedOperation } from '../../../shared/accounting/plan';
import { buildEvent, buildSettings, fixture } from './factories';

const settings = buildSettings();
type EventFile = { data: { object: Record<string, unknown> } };
const eventObject = (name: string): Record<string, unknown> => fixture<EventFile>(name).data.object;

describe('refunds → RefundReceipt', () => {
  it.each(['event-refund.created.json', 'event-refund.updated.json'])(
    'posts %s from clearing, keyed by the refund id',
    (name) => {
      const object = eventObject(name);
      const [receipt] = buildPlan({ event: buildEvent(String(name.slice(6, -5)), object), settings }).operations;
      expect(receipt).toMatchObject({
        entity: 'RefundReceipt',
        stripeId: 're_1Nispe2eZvKYlo2Cd31jOCgZ',
        expectedTotal: '10.00',
        txnDate: '2023-08-25',
      });
      expect(receipt?.body).toMatchObject({
        DepositToAccountRef: { value: '35' },
        PrivateNote: 'stripe:re_1Nispe2eZvKYlo2Cd31jOCgZ',
      });
    },
  );

  it('plans refund.created and refund.updated of one refund as the same write', () => {
    const object = eventObject('event-refund.created.json');
    const a = buildPlan({ event: buildEvent('refund.created', object), settings }).operations[0];
    const b = buildPlan({ event: buildEvent('refund.updated', object), settings }).operations[0];
    expect(a?.requestId).toBe(b?.requestId);
  });

  it('posts the refunds a legacy charge.refunded lists, each under its refund id', () => {
    const plan = buildPlan({
      event: buildEvent('charge.refunded', eventObject('event-charge.refunded.json')),
      settings,
    });
    expect(plan.operations.map((o) => [o.stripeId, o.expectedTotal])).toEqual([
      ['re_3Kl36gJDPojXS6LN0eP4yPDz', '25.00'],
    ]);
    expect(plan.operations[0]?.body.CustomerRef).toEqual({ $ref: 'customer:cus_J7Mkgr8mvbl1eK' });
  });

  it('skips a charge.refunded of a newer API that lists no refunds (refund.created carries them)', () => {
    const charge = { ...eventObject('event-charge.refunded.json') };
    delete charge.refunds;
    expect(buildPlan({ event: buildEvent('charge.refunded', charge), settings }).skipped).toEqual({
      reason: 'refunds_not_listed',
    });
  });

  it('skips a failed refund', () => {
    const refund = { ...eventObject('event-refund.created.json'), status: 'failed' };
    expect(buildPlan({ event: buildEvent('refund.created', refund), settings }).skipped).toEqual({
      reason: 'refund_not_succeeded',
    });
  });

  it('leaves disputes to the payout that carries their balance transactions', () => {
    const plan = buildPlan({
      event: buildEvent('charge.dispute.created', eventObject('event-charge.dispute.created.json')),
      settings,
    });
    expect(plan).toEqual({ operations: [], skipped: { reason: 'handled_by_payout' } });
  });
});

describe('credit notes', () => {
  it('posts a pre-payment credit note (real fixture) as a CreditMemo plus the zero Payment that applies it', () => {
    const plan = buildPlan({
      event: buildEvent('credit_note.created', eventObject('event-credit_note.created.json')),
      settings,
    });
    expect(plan.operations.map((o) => [o.entity, o.stripeId, o.expectedTotal])).toEqual([
      ['CreditMemo', 'cn_1MxvRqLkdIwHu7ixY0xbUcxk', '10.99'],
      ['Payment', 'cn_1MxvRqLkdIwHu7ixY0xbUcxk/apply', '0.00'],
    ]);
    const [memo, application] = plan.operations as [PlannedOperation, PlannedOperation];
    expect(memo.docNumber).toBe('C9E0C52C-0036-CN-01');
    expect(application.body.Line).toEqual([
      { Amount: 10.99, LinkedTxn: [{ TxnId: { $ref: 'invoice:in_1MxvRkLkdIwHu7ixABNtI99m' }, TxnType: 'Invoice' }] },
      {
        Amount: 10.99,
        LinkedTxn: [{ TxnId: { $ref: 'creditmemo:cn_1MxvRqLkdIwHu7ixY0xbUcxk' }, TxnType: 'CreditMemo' }],
      },
    ]);
  });

  function basilPostPaymentNote(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: 'cn_post1',
      object: 'credit_note',
      type: 'post_payment',
      number: 'ACME-0001-CN-01',
      currency: 'usd',
      customer: 'cus_test1',
      invoice: 'in_test1',
      created: 1748779200,
      lines: {
        object: 'list',
        data: [
          { amount: 1000, quantity: 1, description: 'Widget', taxes: [{ amount: 80, tax_behavior: 'exclusive' }] },
        ],
      },
      total_taxes: [{ amount: 80, tax_behavior: 'exclusive' }],
      discount_amounts: [],
      total: 1080,
      out_of_band_amount: null,
      refunds: [{ refund: 're_cn1', amount_refunded: 1080, type: 'refund' }],
      ...overrides,
    };
  }

  it('posts a credit note that refunds money as a RefundReceipt keyed by the refund, with its tax line', () => {
    const plan = buildPlan({ event: buildEvent('credit_note.created', basilPostPaymentNote()), settings });
    expect(plan.operations).toHaveLength(1);
    const [receipt] = plan.operations as [PlannedOperation];
    expect(receipt).toMatchObject({
      entity: 'RefundReceipt',
      stripeId: 're_cn1',
      expectedTotal: '10.80',
      docNumber: 'ACME-0001-CN-01',
    });
    expect((receipt.body.Line as { Amount: number }[]).map((l) => l.Amount)).toEqual([10, 0.8]);
  });

  it('posts the refund of a credit note once: the refund event plans the very same write key', () => {
    const fromNote = buildPlan({ event: buildEvent('credit_note.created', basilPostPaymentNote()), settings })
      .operations[0];
    const fromRefund = buildPlan({
      event: buildEvent('refund.created', {
        id: 're_cn1',
        object: 'refund',
        amount: 1080,
        currency: 'usd',
        status: 'succeeded',
        created: 1748779200,
      }),
      settings,
    }).operations[0];
    expect(fromRefund?.requestId).toBe(fromNote?.requestId);
    expect(fromRefund?.expectedTotal).toBe(fromNote?.expectedTotal);
  });

  it('splits a credit note that refunds part and credits the rest to the customer balance', () => {
    const note = basilPostPaymentNote({ refunds: [{ refund: 're_part', amount_refunded: 500 }] });
    const plan = buildPlan({ event: buildEvent('credit_note.created', note), settings });
    expect(plan.operations.map((o) => [o.entity, o.stripeId, o.expectedTotal, o.docNumber])).toEqual([
      ['RefundReceipt', 're_part', '5.00', undefined],
      ['CreditMemo', 'cn_post1', '5.80', 'ACME-0001-CN-01'],
    ]);
  });

  it('reads a legacy credit note that refunds its whole total through `refund`', () => {
    const note = basilPostPaymentNote({
      refunds: undefined,
      refund: 're_legacy',
      tax_amounts: [{ amount: 80, inclusive: false }],
      total_taxes: undefined,
    });
    delete note.refunds;
    delete note.total_taxes;
    const [receipt] = buildPlan({ event: buildEvent('credit_note.created', note), settings }).operations;
    expect(receipt).toMatchObject({ entity: 'RefundReceipt', stripeId: 're_legacy', expectedTotal: '10.80' });
  });

  // Issue #15 changed this: a credit note refunded outside Stripe used to book nothing (skipped
  // `credit_note_out_of_band`), which left its revenue and tax in the books. It is a refund from the account the
  // money really left.
  it('books a credit note settled entirely out of band as a refund from accounts.outOfBandRefunds', () => {
    const note = basilPostPaymentNote({ refunds: [], out_of_band_amount: 1080 });
    const withAccount = buildSettings({ accounts: { ...settings.accounts, outOfBandRefunds: '99' } });
    const [receipt] = buildPlan({ event: buildEvent('credit_note.created', note), settings: withAccount }).operations;
    expect(receipt).toMatchObject({
      entity: 'RefundReceipt',
      stripeId: 'cn_post1/out_of_band',
      expectedTotal: '10.80',
    });
    expect(receipt?.body.DepositToAccountRef).toEqual({ value: '99' });
    expect((receipt?.body.Line as { Amount: number }[]).map((l) => l.Amount)).toEqual([10, 0.8]);
    expect(buildPlan({ event: buildEvent('credit_note.created', note), settings }).parked).toEqual({
      reason: 'settings_incomplete',
      detail: 'accounts.outOfBandRefunds',
    });
  });

  it('parks a credit note whose lines do not add up', () => {
    const note = basilPostPaymentNote({ total: 2000, refunds: [] });
    expect(buildPlan({ event: buildEvent('credit_note.created', note), settings }).parked?.reason).toBe(
      'totals_mismatch',
    );
  });

  it('undoes a voided credit note: delete the application, then the CreditMemo (QBO cannot void a CreditMemo)', () => {
    const plan = buildPlan({
      event: buildEvent('credit_note.voided', eventObject('event-credit_note.voided.json')),
      settings,
    });
    expect(plan.operations.map((o) => [o.entity, o.operation, o.target?.$ref])).toEqual([
      ['Payment', 'delete', 'payment:cn_1MxvRqLkdIwHu7ixY0xbUcxk/apply'],
      ['CreditMemo', 'delete', 'creditmemo:cn_1MxvRqLkdIwHu7ixY0xbUcxk'],
    ]);
  });
});
