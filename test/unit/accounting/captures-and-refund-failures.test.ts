import { buildPlan, type PlannedOperation } from '../../../shared/accounting/plan';
import { buildEvent, buildInvoice, buildSettings, fixture } from './factories';

const settings = buildSettings();
type EventFile = { data: { object: Record<string, unknown> } };
type QboLine = { Amount: number; Description?: string } & Record<string, Record<string, unknown>>;
const linesOf = (operation: PlannedOperation | undefined): QboLine[] => (operation?.body.Line ?? []) as QboLine[];

/** Stripe's API-reference charge (uncaptured, 100 authorised), as a manual capture takes it. */
const authorised = fixture('object-charge.json');

describe('manual capture', () => {
  it('books nothing for the authorisation, then the captured amount when charge.captured arrives', () => {
    expect(buildPlan({ event: buildEvent('charge.succeeded', authorised), settings }).skipped).toEqual({
      reason: 'charge_not_succeeded',
    });
    const captured = { ...authorised, amount: 1000, captured: true, amount_captured: 750 };
    const plan = buildPlan({ event: buildEvent('charge.captured', captured), settings });
    expect(plan.operations.map((o) => [o.entity, o.stripeId, o.expectedTotal])).toEqual([
      ['SalesReceipt', 'ch_1PgafuB7WZ01zgkWXYmPNZs8', '7.50'],
    ]);
    expect(String(plan.operations[0]?.body.PrivateNote)).toContain('captured 750 of 1000 authorised');
  });

  it('plans the same write for charge.captured and a charge.succeeded that reports the capture', () => {
    const captured = { ...authorised, captured: true, amount_captured: 100 };
    const a = buildPlan({ event: buildEvent('charge.captured', captured), settings }).operations[0];
    const b = buildPlan({ event: buildEvent('charge.succeeded', captured), settings }).operations[0];
    expect(a?.requestId).toBe(b?.requestId);
    expect(a?.body).toEqual(b?.body);
  });

  it('books nothing for the refund that only releases an uncaptured authorisation', () => {
    const refund: Record<string, unknown> = {
      ...fixture<EventFile>('event-refund.created.json').data.object,
      charge: authorised.id,
    };
    const plan = buildPlan({
      event: buildEvent('refund.created', refund),
      settings,
      stripe: { charge: authorised, creditNoteOfRefund: { [String(refund.id)]: null } },
    });
    expect(plan.skipped).toEqual({ reason: 'refund_of_uncaptured_charge' });
  });
});

describe('refund receipts name what Stripe knows', () => {
  const refund = fixture<EventFile>('event-refund.created.json').data.object;
  const charge = { id: refund.charge, object: 'charge', customer: 'cus_test1', captured: true, amount: 5000 };

  it('names the refunded charge’s customer and the item its invoice sold', () => {
    const invoice = buildInvoice({ lineSpecs: [{ amount: 5000, product: 'prod_X' }] });
    const [receipt] = buildPlan({
      event: buildEvent('refund.created', refund),
      settings,
      stripe: { charge, invoice, creditNoteOfRefund: { [String(refund.id)]: null } },
    }).operations;
    expect(receipt?.body.CustomerRef).toEqual({ $ref: 'customer:cus_test1' });
    expect(linesOf(receipt)[0]?.SalesItemLineDetail).toMatchObject({ ItemRef: { value: '5' } });
  });

  it('falls back to defaultItem when the invoice sold several products, or the charge paid none', () => {
    const invoice = buildInvoice({
      lineSpecs: [
        { amount: 2500, product: 'prod_X' },
        { amount: 2500, product: 'prod_Y' },
      ],
    });
    for (const sold of [invoice, null]) {
      const [receipt] = buildPlan({
        event: buildEvent('refund.created', refund),
        settings,
        stripe: { charge, invoice: sold, creditNoteOfRefund: { [String(refund.id)]: null } },
      }).operations;
      expect(linesOf(receipt)[0]?.SalesItemLineDetail).toMatchObject({ ItemRef: { value: '1' } });
    }
  });

  it('parks an enriched refund event that does not say whether a credit note made the refund', () => {
    const plan = buildPlan({ event: buildEvent('refund.created', refund), settings, stripe: { charge } });
    expect(plan.parked?.reason).toBe('credit_note_lookup_required');
  });
});

describe('a refund that fails after it was booked', () => {
  const refund = fixture<EventFile>('event-refund.updated.json').data.object;
  const failed = { ...refund, status: 'failed', failure_reason: 'expired_or_canceled_card' };
  const onFailure = (type: string) => buildEvent(type, failed, '2023-09-02T10:00:00.000Z');

  it.each(['refund.failed', 'refund.updated', 'charge.refund.updated'])(
    '%s books the receipt, then reverses it with a SalesReceipt of its own, dated on the failure',
    (type) => {
      const plan = buildPlan({ event: onFailure(type), settings });
      expect(plan.operations.map((o) => [o.entity, o.stripeId, o.expectedTotal, o.txnDate, o.target?.$ref])).toEqual([
        ['RefundReceipt', 're_1Nispe2eZvKYlo2Cd31jOCgZ', '10.00', '2023-08-25', undefined],
        [
          'SalesReceipt',
          're_1Nispe2eZvKYlo2Cd31jOCgZ/failed',
          '10.00',
          '2023-09-02',
          'refundreceipt:re_1Nispe2eZvKYlo2Cd31jOCgZ',
        ],
      ]);
      const [receipt, reversal] = plan.operations as [PlannedOperation, PlannedOperation];
      // The mirror of the receipt: same lines, customer and tax into the same clearing account.
      expect(reversal.body.Line).toEqual(receipt.body.Line);
      expect(reversal.body.DepositToAccountRef).toEqual(receipt.body.DepositToAccountRef);
      expect(reversal.body.TxnTaxDetail).toEqual(receipt.body.TxnTaxDetail);
      expect(String(reversal.body.PrivateNote)).toBe(
        'stripe:re_1Nispe2eZvKYlo2Cd31jOCgZ/failed refund re_1Nispe2eZvKYlo2Cd31jOCgZ failed (expired_or_canceled_card)',
      );
    },
  );

  it('plans the receipt refund.created plans, so whichever arrives first the books end the same', () => {
    const created = buildPlan({ event: buildEvent('refund.created', refund), settings }).operations[0];
    const fromFailure = buildPlan({ event: onFailure('refund.failed'), settings }).operations[0];
    expect(fromFailure?.requestId).toBe(created?.requestId);
    expect(fromFailure?.body).toEqual(created?.body);
  });

  it('leaves a refund.created that already shows the failure to the failure event', () => {
    expect(buildPlan({ event: buildEvent('refund.created', failed), settings }).skipped).toEqual({
      reason: 'refund_not_succeeded',
    });
  });
});
