import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import { buildPlan, type Plan, type PlannedOperation } from '../../../shared/accounting/plan';
import { buildEvent, buildInvoice, buildSettings, fixture } from './factories';

type QboLine = { DetailType: string; Amount: number; Description?: string } & Record<string, Record<string, unknown>>;
const linesOf = (operation: PlannedOperation | undefined): QboLine[] => (operation?.body.Line ?? []) as QboLine[];
const taxCodes = (operation: PlannedOperation | undefined) =>
  linesOf(operation)
    .filter((line) => line.DetailType === 'SalesItemLineDetail')
    .map((line) => (line.SalesItemLineDetail as { TaxCodeRef?: { value: string } }).TaxCodeRef?.value);

function only(plan: Plan): PlannedOperation {
  expect(plan.parked).toBeUndefined();
  expect(plan.operations).toHaveLength(1);
  return plan.operations[0] as PlannedOperation;
}

/** The real multi-line invoice (Stripe Tax, one exclusive rate) and its rate id. */
const multiline = fixture('object-invoice-multiline-discount-tax.json');
const RATE = 'txr_1REBcPKXBGcbgpbZad52Yd7V';

const vat = (tax: TenantSettings['tax'] = {}): TenantSettings =>
  buildSettings({ tax: { regime: 'vat', defaultTaxCode: '20', exemptTaxCode: '30', ...tax } });

/** QBO's TotalAmt in a VAT company: lines − discount + TxnTaxDetail.TotalTax. */
function vatTotalCents(operation: PlannedOperation): number {
  const lines = linesOf(operation).reduce(
    (sum, line) => sum + (line.DetailType === 'DiscountLineDetail' ? -1 : 1) * Math.round(line.Amount * 100),
    0,
  );
  const detail = operation.body.TxnTaxDetail as { TotalTax: number };
  return lines + Math.round(detail.TotalTax * 100);
}

describe('sales tax, us regime (the default): QBO never computes tax', () => {
  it('marks every sales line NON, keeps Stripe’s tax on the tax item, and states a zero TxnTaxDetail', () => {
    const invoice = only(buildPlan({ event: buildEvent('invoice.finalized', multiline), settings: buildSettings() }));
    expect(taxCodes(invoice)).toEqual(['NON', 'NON', 'NON']);
    expect(linesOf(invoice).at(-1)).toMatchObject({ Amount: 18.05, SalesItemLineDetail: { ItemRef: { value: '2' } } });
    expect(invoice.body.TxnTaxDetail).toEqual({ TotalTax: 0 });
    expect(invoice.body.GlobalTaxCalculation).toBeUndefined();
  });

  it('does the same on a standalone charge’s SalesReceipt and a refund’s RefundReceipt', () => {
    const charge = {
      id: 'ch_1',
      object: 'charge',
      amount: 5000,
      amount_captured: 5000,
      captured: true,
      status: 'succeeded',
      currency: 'usd',
      invoice: null,
      created: 1748779200,
    };
    const receipt = only(buildPlan({ event: buildEvent('charge.succeeded', charge), settings: buildSettings() }));
    expect(taxCodes(receipt)).toEqual(['NON']);
    expect(receipt.body.TxnTaxDetail).toEqual({ TotalTax: 0 });
    const refund = fixture<{ data: { object: Record<string, unknown> } }>('event-refund.created.json').data.object;
    const refundReceipt = only(buildPlan({ event: buildEvent('refund.created', refund), settings: buildSettings() }));
    expect(taxCodes(refundReceipt)).toEqual(['NON']);
  });
});

describe('sales tax, vat regime: Stripe’s amounts stated per rate', () => {
  it('maps each line’s Stripe rate to its QBO TaxCode and puts the tax in TxnTaxDetail, not on a line', () => {
    const invoice = only(
      buildPlan({
        event: buildEvent('invoice.finalized', multiline),
        settings: vat({ taxCodeByRate: { [RATE]: '11' } }),
      }),
    );
    expect(taxCodes(invoice)).toEqual(['11', '11']);
    expect(linesOf(invoice).map((line) => line.DetailType)).toEqual([
      'SalesItemLineDetail',
      'SalesItemLineDetail',
      'DiscountLineDetail',
    ]);
    expect(invoice.body.GlobalTaxCalculation).toBe('TaxExcluded');
    expect(invoice.body.TxnTaxDetail).toEqual({
      TotalTax: 18.05,
      TaxLine: [
        {
          DetailType: 'TaxLineDetail',
          Amount: 18.05,
          TaxLineDetail: { TaxRateRef: { $ref: 'taxrate:11' }, PercentBased: true, NetAmountTaxable: 227.07 },
        },
      ],
    });
    expect(vatTotalCents(invoice)).toBe(24512);
    expect(invoice.expectedTotal).toBe('245.12');
  });

  it('gives a taxed line whose rate is not mapped the default code, and an untaxed line the exempt code', () => {
    const invoice = buildInvoice({
      lineSpecs: [{ amount: 1000, taxes: [{ amount: 200 }] }, { amount: 500 }],
    });
    const operation = only(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings: vat() }));
    expect(taxCodes(operation)).toEqual(['20', '30']);
    expect((operation.body.TxnTaxDetail as { TotalTax: number }).TotalTax).toBe(2);
    expect(vatTotalCents(operation)).toBe(1700);
  });

  it('keeps the code of a zero-rated line whose rate is mapped', () => {
    const invoice = buildInvoice({ lineSpecs: [{ amount: 1000 }] });
    const line = (invoice.lines as { data: Record<string, unknown>[] }).data[0] as Record<string, unknown>;
    line.taxes = [{ amount: 0, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: 'txr_zero' } }];
    const operation = only(
      buildPlan({
        event: buildEvent('invoice.finalized', invoice),
        settings: vat({ taxCodeByRate: { txr_zero: '40' } }),
      }),
    );
    expect(taxCodes(operation)).toEqual(['40']);
  });

  it('names the missing default and exempt codes together', () => {
    const invoice = buildInvoice({ lineSpecs: [{ amount: 1000, taxes: [{ amount: 200 }] }, { amount: 500 }] });
    const bare = buildSettings({ tax: { regime: 'vat' } });
    expect(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings: bare }).parked).toEqual({
      reason: 'settings_incomplete',
      detail: 'tax.defaultTaxCode,tax.exemptTaxCode',
    });
  });

  it('parks a line taxed at two rates that map to different QBO codes: QBO takes one code per line', () => {
    const invoice = buildInvoice({ lineSpecs: [{ amount: 1000 }] });
    const line = (invoice.lines as { data: Record<string, unknown>[] }).data[0] as Record<string, unknown>;
    line.taxes = [
      { amount: 50, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: 'txr_state' } },
      { amount: 20, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: 'txr_city' } },
    ];
    invoice.total_taxes = line.taxes;
    invoice.total = 1070;
    const plan = buildPlan({
      event: buildEvent('invoice.finalized', invoice),
      settings: vat({ taxCodeByRate: { txr_state: '11', txr_city: '12' } }),
    });
    expect(plan.parked).toEqual({
      reason: 'tax_code_ambiguous',
      detail: 'line 1: Stripe rates map to QBO tax codes 11,12',
    });
  });

  it('books a credit note’s tax the same way, and an untaxed receipt on the exempt code', () => {
    const note = {
      id: 'cn_vat',
      object: 'credit_note',
      type: 'pre_payment',
      number: 'ACME-0001-CN-01',
      currency: 'usd',
      customer: 'cus_test1',
      invoice: 'in_test1',
      created: 1748779200,
      lines: {
        object: 'list',
        data: [
          {
            amount: 1000,
            quantity: 1,
            description: 'Widget',
            taxes: [
              { amount: 200, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: RATE }, taxable_amount: 1000 },
            ],
          },
        ],
      },
      total_taxes: [
        { amount: 200, tax_behavior: 'exclusive', tax_rate_details: { tax_rate: RATE }, taxable_amount: 1000 },
      ],
      total: 1200,
      refunds: [],
      pre_payment_amount: 1200,
      post_payment_amount: 0,
    };
    const [memo] = buildPlan({
      event: buildEvent('credit_note.created', note),
      settings: vat({ taxCodeByRate: { [RATE]: '11' } }),
    }).operations;
    expect(taxCodes(memo)).toEqual(['11']);
    expect((memo?.body.TxnTaxDetail as { TotalTax: number }).TotalTax).toBe(2);
    const refund = fixture<{ data: { object: Record<string, unknown> } }>('event-refund.created.json').data.object;
    expect(taxCodes(only(buildPlan({ event: buildEvent('refund.created', refund), settings: vat() })))).toEqual(['30']);
  });
});

describe('line descriptions', () => {
  it('does not prefix the quantity twice when Stripe’s description already starts with it', () => {
    const invoice = buildInvoice({
      lineSpecs: [{ amount: 1000, quantity: 3, description: '3 × Seats (at $3.33 / month)' }],
    });
    const [line] = linesOf(
      only(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings: buildSettings() })),
    );
    expect(line?.Description).toBe('3 × Seats (at $3.33 / month)');
    expect(line?.SalesItemLineDetail).toMatchObject({ Qty: 1, UnitPrice: 10 });
  });
});

describe('invoices with more lines than the event carries', () => {
  const firstPage = buildInvoice({
    lineSpecs: [{ amount: 1000 }, { amount: 2000 }],
    total: 6000,
  });
  (firstPage.lines as Record<string, unknown>).has_more = true;
  const allLines = buildInvoice({ lineSpecs: [{ amount: 1000 }, { amount: 2000 }, { amount: 3000 }] }).lines as {
    data: unknown[];
  };

  it('parks invoice_lines_incomplete without the full list, instead of a totals mismatch', () => {
    const plan = buildPlan({ event: buildEvent('invoice.finalized', firstPage), settings: buildSettings() });
    expect(plan.parked?.reason).toBe('invoice_lines_incomplete');
    expect(plan.parked?.detail).toContain('GET /v1/invoices/in_test1/lines');
  });

  it('posts every line once the enrich stage supplies them', () => {
    const operation = only(
      buildPlan({
        event: buildEvent('invoice.finalized', firstPage),
        settings: buildSettings(),
        stripe: { invoiceLines: allLines.data },
      }),
    );
    expect(linesOf(operation).map((line) => line.Amount)).toEqual([10, 20, 30]);
    expect(operation.expectedTotal).toBe('60.00');
  });

  it('parks credit_note_lines_incomplete for a credit note likewise', () => {
    const note = {
      id: 'cn_long',
      object: 'credit_note',
      type: 'post_payment',
      currency: 'usd',
      customer: 'cus_test1',
      created: 1748779200,
      lines: { object: 'list', data: [{ amount: 1000, quantity: 1 }], has_more: true },
      total: 5000,
      refunds: [],
    };
    expect(
      buildPlan({ event: buildEvent('credit_note.created', note), settings: buildSettings() }).parked?.reason,
    ).toBe('credit_note_lines_incomplete');
  });
});
