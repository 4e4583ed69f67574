import fc from 'fast-check';
import { buildPlan, type Plan, type PlannedOperation } from '../../../shared/accounting/plan';
import { buildEvent, buildInvoice, buildSettings, fixture } from './factories';

const settings = buildSettings();

function onlyOperation(plan: Plan): PlannedOperation {
  expect(plan.parked).toBeUndefined();
  expect(plan.skipped).toBeUndefined();
  expect(plan.operations).toHaveLength(1);
  return plan.operations[0] as PlannedOperation;
}

type QboLine = { DetailType: string; Amount: number; Description?: string } & Record<string, Record<string, unknown>>;
const linesOf = (operation: PlannedOperation): QboLine[] => operation.body.Line as QboLine[];

/** What QBO computes for TotalAmt from our lines: sales lines minus discount lines, in integer cents. */
function qboTotalCents(lines: readonly QboLine[], exponent = 2): number {
  const scale = 10 ** exponent;
  return lines.reduce(
    (sum, line) => sum + (line.DetailType === 'DiscountLineDetail' ? -1 : 1) * Math.round(line.Amount * scale),
    0,
  );
}

function withoutKeys(object: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !keys.includes(key)));
}

describe('invoice.finalized → Invoice', () => {
  const multiline = fixture('object-invoice-multiline-discount-tax.json');
  const lines = multiline.lines as { data: Record<string, unknown>[] };
  // The real fixture carries both generations; strip one set at a time so each reader is proved on its own.
  const basilOnly = {
    ...withoutKeys(multiline, ['tax', 'total_tax_amounts', 'discount']),
    lines: { ...lines, data: lines.data.map((l) => withoutKeys(l, ['tax_amounts', 'price', 'plan'])) },
  };
  const legacyOnly = {
    ...withoutKeys(multiline, ['total_taxes', 'total_pretax_credit_amounts']),
    lines: { ...lines, data: lines.data.map((l) => withoutKeys(l, ['taxes', 'pricing', 'pretax_credit_amounts'])) },
  };

  it.each([
    ['both shapes', multiline],
    ['basil+ fields only', basilOnly],
    ['legacy fields only', legacyOnly],
  ])('posts the real multi-line invoice with discount and tax (%s) to the cent', (_label, invoice) => {
    const operation = onlyOperation(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings }));
    expect(operation).toMatchObject({
      entity: 'Invoice',
      operation: 'create',
      stripeId: 'in_1RFFohKXBGcbgpbZk9MxzDMc',
      expectedTotal: '245.12',
      docNumber: '228BBE4A-0001',
      currency: 'USD',
    });
    const qboLines = linesOf(operation);
    expect(qboLines.map((l) => [l.DetailType, l.Amount])).toEqual([
      ['SalesItemLineDetail', 174],
      ['SalesItemLineDetail', 87],
      ['DiscountLineDetail', 33.93],
      ['SalesItemLineDetail', 18.05],
    ]);
    // The fixture's product has no mapping in the settings: the consumer resolves the item of the same name.
    expect(qboLines[0]?.SalesItemLineDetail).toMatchObject({
      ItemRef: { $ref: 'item:prod_IxQQWtyij0rvGp' },
      Qty: 6,
      UnitPrice: 29,
    });
    expect(qboLines[2]?.DiscountLineDetail).toEqual({ PercentBased: false, DiscountAccountRef: { value: '86' } });
    expect(qboLines[3]?.SalesItemLineDetail).toMatchObject({ ItemRef: { value: '2' } });
    expect(qboTotalCents(qboLines)).toBe(24512);
    expect(operation.body).toMatchObject({
      CustomerRef: { $ref: 'customer:cus_S9YwWMaQEgeJYO' },
      DocNumber: '228BBE4A-0001',
      PrivateNote: 'stripe:in_1RFFohKXBGcbgpbZk9MxzDMc',
    });
  });

  it('maps a line to the item of its Stripe product, else leaves the item of the same name to the consumer', () => {
    const invoice = buildInvoice({
      lineSpecs: [
        { amount: 500, product: 'prod_X' },
        { amount: 700, product: 'prod_unmapped' },
        { amount: 300, product: 'prod_unmapped' },
      ],
    });
    const qboLines = linesOf(onlyOperation(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings })));
    expect(qboLines.map((l) => (l.SalesItemLineDetail as { ItemRef: unknown }).ItemRef)).toEqual([
      { value: '5' },
      { $ref: 'item:prod_unmapped' },
      { $ref: 'item:prod_unmapped' },
    ]);
  });

  it('puts a line that names no product (a one-off amount) on defaultItem', () => {
    const invoice = buildInvoice({ lineSpecs: [{ amount: 700 }] });
    const line = (invoice.lines as { data: Record<string, unknown>[] }).data[0]!;
    delete line.pricing;
    const [qboLine] = linesOf(onlyOperation(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings })));
    expect(qboLine?.SalesItemLineDetail).toMatchObject({ ItemRef: { value: '1' } });
  });

  it('still requires defaultItem for an unmapped product, because it is the fallback of the name lookup', () => {
    const invoice = buildInvoice({ lineSpecs: [{ amount: 700, product: 'prod_unmapped' }] });
    const noDefault = buildSettings({ items: { taxItem: '2', byStripeProduct: { prod_X: '5' } } });
    expect(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings: noDefault })).toEqual({
      operations: [],
      parked: { reason: 'settings_incomplete', detail: 'items.defaultItem' },
    });
  });

  it('needs no defaultItem when every product is mapped', () => {
    const invoice = buildInvoice({ lineSpecs: [{ amount: 700, product: 'prod_X' }] });
    const mappedOnly = buildSettings({ items: { taxItem: '2', byStripeProduct: { prod_X: '5' } } });
    const [qboLine] = linesOf(
      onlyOperation(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings: mappedOnly })),
    );
    expect(qboLine?.SalesItemLineDetail).toMatchObject({ ItemRef: { value: '5' } });
  });

  it('dates the invoice and each ServiceDate in the tenant time zone (03:30 UTC is yesterday in Los Angeles)', () => {
    const t = Date.parse('2025-03-10T03:30:00Z') / 1000;
    const invoice = buildInvoice({
      status_transitions: { finalized_at: t },
      lineSpecs: [{ amount: 1000, periodStart: t }],
    });
    const la = buildSettings({ timezone: 'America/Los_Angeles' });
    const operation = onlyOperation(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings: la }));
    expect(operation.txnDate).toBe('2025-03-09');
    expect(operation.body.TxnDate).toBe('2025-03-09');
    // charge_automatically with no due_date: due on receipt, not QBO's default terms.
    expect(operation.body.DueDate).toBe('2025-03-09');
    expect(linesOf(operation)[0]?.SalesItemLineDetail).toMatchObject({ ServiceDate: '2025-03-09' });
  });

  it.each([
    ['JPY', 1500, 1500, '1500'],
    ['KWD', 12345, 12.345, '12.345'],
  ])('writes %s amounts with the currency exponent', (currency, minor, qboAmount, expected) => {
    const invoice = buildInvoice({ currency: currency.toLowerCase(), lineSpecs: [{ amount: minor }] });
    const multicurrency = buildSettings({ qbo: { realmId: '1', environment: 'sandbox', multicurrency: true } });
    const operation = onlyOperation(
      buildPlan({ event: buildEvent('invoice.finalized', invoice), settings: multicurrency }),
    );
    expect(operation.expectedTotal).toBe(expected);
    expect(linesOf(operation)[0]?.Amount).toBe(qboAmount);
    expect(operation.body.CurrencyRef).toEqual({ value: currency });
  });

  it('takes inclusive tax out of the line and puts all tax on the tax item (legacy inclusive rate)', () => {
    const invoice = buildInvoice({
      lineSpecs: [{ amount: 2000, quantity: 1, taxes: [{ amount: 261, inclusive: true }] }],
    });
    expect(invoice.total).toBe(2000);
    const qboLines = linesOf(onlyOperation(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings })));
    expect(qboLines.map((l) => l.Amount)).toEqual([17.39, 2.61]);
  });

  it('posts Qty 1 at the full amount when the quantity does not divide the amount, so QBO never rounds', () => {
    const invoice = buildInvoice({ lineSpecs: [{ amount: 1000, quantity: 3, description: 'Seats' }] });
    const [line] = linesOf(onlyOperation(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings })));
    expect(line?.SalesItemLineDetail).toMatchObject({ Qty: 1, UnitPrice: 10 });
    expect(line?.Description).toBe('3 × Seats');
  });

  it('truncates a long Stripe number to the last 21 characters for DocNumber', () => {
    const invoice = buildInvoice({ number: 'VERYLONGCUSTOMERPREFIX-000123' });
    const operation = onlyOperation(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings }));
    expect(operation.docNumber).toBe('GCUSTOMERPREFIX-000123'.slice(-21));
    expect(operation.docNumber).toHaveLength(21);
  });

  it('skips a zero invoice of zero lines (a free tier) — the real legacy fixture', () => {
    const event = fixture<{ data: { object: Record<string, unknown> } }>('event-invoice.finalized.json');
    expect(buildPlan({ event: buildEvent('invoice.finalized', event.data.object), settings }).skipped).toEqual({
      reason: 'zero_amount',
    });
  });

  it('skips an invoice created before the go-live cutoff', () => {
    const plan = buildPlan({
      event: buildEvent('invoice.finalized', buildInvoice()),
      settings: buildSettings({ goLiveAt: '2030-01-01T00:00:00Z' }),
    });
    expect(plan).toEqual({ operations: [], skipped: { reason: 'before_go_live' } });
  });

  it('parks with every missing setting named when the discount and tax mappings are absent', () => {
    const invoice = buildInvoice({ lineSpecs: [{ amount: 1000, taxes: [{ amount: 80 }] }], discounts: [100] });
    const bare = buildSettings({ accounts: { stripeClearing: '35' }, items: { defaultItem: '1' } });
    expect(buildPlan({ event: buildEvent('invoice.finalized', invoice), settings: bare })).toEqual({
      operations: [],
      parked: { reason: 'settings_incomplete', detail: 'accounts.discountAccount,items.taxItem' },
    });
  });

  it('parks a foreign-currency invoice when the QBO company has no multicurrency', () => {
    const plan = buildPlan({ event: buildEvent('invoice.finalized', buildInvoice({ currency: 'eur' })), settings });
    expect(plan.parked?.reason).toBe('currency_unsupported');
  });

  it('parks an invoice whose lines do not sum to its total', () => {
    const plan = buildPlan({ event: buildEvent('invoice.finalized', buildInvoice({ total: 99999 })), settings });
    expect(plan.parked).toMatchObject({ reason: 'totals_mismatch' });
    expect(plan.parked?.detail).toContain('999.99');
  });

  it('parks an invoice that proration credits took below zero: QBO invoices cannot be negative', () => {
    const plan = buildPlan({
      event: buildEvent('invoice.finalized', buildInvoice({ lineSpecs: [{ amount: -500 }] })),
      settings,
    });
    expect(plan.parked?.reason).toBe('negative_total');
  });

  it('parks a structurally broken invoice instead of throwing', () => {
    const plan = buildPlan({
      event: buildEvent('invoice.finalized', { id: 'in_x', object: 'invoice', currency: 'usd' }),
      settings,
    });
    expect(plan.parked?.reason).toBe('invalid_object');
  });

  it('property: lines + discount + tax = total, for generated multi-line invoices', () => {
    const lineArb = fc.record({
      amount: fc.integer({ min: -50_000, max: 5_000_000 }),
      quantity: fc.integer({ min: 1, max: 50 }),
      tax: fc.integer({ min: 0, max: 100_000 }),
      inclusive: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(lineArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 20_000 }), { maxLength: 3 }),
        fc.constantFrom('usd', 'jpy', 'kwd'),
        (specs, discounts, currency) => {
          const invoice = buildInvoice({
            currency,
            discounts,
            lineSpecs: specs.map((s) => ({
              amount: s.amount,
              quantity: s.quantity,
              taxes: [{ amount: s.tax, inclusive: s.inclusive }],
            })),
          });
          fc.pre((invoice.total as number) >= 0);
          const multicurrency = buildSettings({ qbo: { realmId: '1', environment: 'sandbox', multicurrency: true } });
          const operation = onlyOperation(
            buildPlan({ event: buildEvent('invoice.finalized', invoice), settings: multicurrency }),
          );
          const exponent = currency === 'jpy' ? 0 : currency === 'kwd' ? 3 : 2;
          expect(qboTotalCents(linesOf(operation), exponent)).toBe(invoice.total);
          for (const line of linesOf(operation)) {
            const detail = line.SalesItemLineDetail as { Qty?: number; UnitPrice?: number } | undefined;
            if (detail?.Qty !== undefined && detail.UnitPrice !== undefined)
              expect(Math.round(detail.Qty * detail.UnitPrice * 10 ** exponent)).toBe(
                Math.round(line.Amount * 10 ** exponent),
              );
          }
        },
      ),
    );
  });
});

describe('invoice.voided → void', () => {
  it('voids the Invoice we created, by $ref', () => {
    const event = fixture<{ data: { object: Record<string, unknown> } }>('event-invoice.voided.json');
    const operation = onlyOperation(buildPlan({ event: buildEvent('invoice.voided', event.data.object), settings }));
    expect(operation).toMatchObject({
      entity: 'Invoice',
      operation: 'void',
      stripeId: 'in_1KJqKBJDPojXS6LNJbvLUgEy',
      target: { $ref: 'invoice:in_1KJqKBJDPojXS6LNJbvLUgEy' },
    });
    expect(String(operation.body.PrivateNote)).toMatch(/^stripe:in_1KJqKBJDPojXS6LNJbvLUgEy/);
  });
});

describe('tenant mode', () => {
  it('skips every non-payout event in payout_summary mode', () => {
    const plan = buildPlan({
      event: buildEvent('invoice.finalized', buildInvoice()),
      settings: buildSettings({ mode: 'payout_summary' }),
    });
    expect(plan.skipped).toEqual({ reason: 'mode_payout_summary' });
  });

  it('parks a tenant whose time zone Intl does not know, naming the setting', () => {
    const plan = buildPlan({
      event: buildEvent('invoice.finalized', buildInvoice()),
      settings: buildSettings({ timezone: 'Mars/Olympus' }),
    });
    expect(plan.parked).toEqual({ reason: 'settings_incomplete', detail: 'timezone' });
  });

  it('skips an event type no recipe handles', () => {
    expect(buildPlan({ event: buildEvent('invoice.updated', buildInvoice()), settings }).skipped).toEqual({
      reason: 'unhandled_type',
    });
  });
});
