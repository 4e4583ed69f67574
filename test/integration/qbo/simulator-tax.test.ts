import { DEMO_ACCOUNT_IDS, DEMO_COMPANY, DEMO_ITEM_IDS } from '../../../dev/qbo-simulator/server';
import type { CompanySettings } from '../../../dev/qbo-simulator/company';
import type { QboValidationError } from '../../../shared/qbo/faults';
import { qboFixture, shapeOf } from './fixtures';
import { startHarness } from './harness';
import type { Harness } from './harness';

/**
 * Sales tax per company mode (dev/qbo-simulator/tax.ts names the sources). What matters to the product: in a US
 * company on automated sales tax, a form sent without TxnTaxDetail gets tax on its taxable lines and its TotalAmt
 * grows past the plan (a totals mismatch); lines marked NON with a TxnTaxDetail sent post exactly what was sent.
 */
describe('QBO simulator: sales tax', () => {
  let h: Harness;
  let seq = 0;
  const rid = () => `tax-${++seq}`;
  afterEach(async () => {
    await h.simulator.close();
  });

  const start = async (settings: Partial<CompanySettings>) => {
    h = await startHarness();
    h.simulator.seedCompany(h.realmId, { ...DEMO_COMPANY, settings });
    const customer = await h.client.create('Customer', { DisplayName: 'Tax Co' }, { requestId: rid() });
    // A product the accountant marked taxable, as a Stripe product's item of the same name may be.
    const item = await h.client.create(
      'Item',
      { Name: 'Widget', Type: 'Service', Taxable: true, IncomeAccountRef: { value: DEMO_ACCOUNT_IDS.sales } },
      { requestId: rid() },
    );
    return { customerId: String(customer.Id), taxableItem: String(item.Id) };
  };
  const line = (amount: number, itemId: string, taxCode?: string) => ({
    Amount: amount,
    DetailType: 'SalesItemLineDetail',
    SalesItemLineDetail: { ItemRef: { value: itemId }, ...(taxCode ? { TaxCodeRef: { value: taxCode } } : {}) },
  });
  const invoice = (customerId: string, lines: unknown[], extra: Record<string, unknown> = {}) =>
    h.client.create('Invoice', { CustomerRef: { value: customerId }, Line: lines, ...extra }, { requestId: rid() });

  describe('US, automated sales tax (Intuit: AST computes tax unless an amount is sent, which it honors)', () => {
    it('a taxable line and no TxnTaxDetail: QBO adds tax and TotalAmt grows past what was sent', async () => {
      const { customerId, taxableItem } = await start({ tax: 'us-automated' });
      const created = await invoice(customerId, [line(100, taxableItem), line(50, DEMO_ITEM_IDS.services)]);
      expect(created.TotalAmt).toBe(158);
      expect(created.Balance).toBe(158);
      // The line took its item's taxability; the other item is not taxable.
      expect(
        (created.Line as Array<{ SalesItemLineDetail?: { TaxCodeRef?: unknown } }>).map(
          (l) => l.SalesItemLineDetail?.TaxCodeRef,
        ),
      ).toEqual([{ value: 'TAX' }, { value: 'NON' }, undefined]);
      const real = qboFixture('invoice-taxed-paid-entity.json').TxnTaxDetail as Record<string, unknown>;
      expect(shapeOf(created.TxnTaxDetail)).toEqual(shapeOf(real));
      expect(created.TxnTaxDetail).toEqual({
        TxnTaxCodeRef: { value: '2' },
        TotalTax: 8,
        TaxLine: [
          {
            Amount: 8,
            DetailType: 'TaxLineDetail',
            TaxLineDetail: { TaxRateRef: { value: '3' }, PercentBased: true, TaxPercent: 8, NetAmountTaxable: 100 },
          },
        ],
      });
    });

    it('every line NON and a TxnTaxDetail sent: TotalAmt is what was sent (the recipe for US companies)', async () => {
      const { customerId, taxableItem } = await start({ tax: 'us-automated' });
      const created = await invoice(customerId, [line(100, taxableItem, 'NON')], { TxnTaxDetail: { TotalTax: 0 } });
      expect(created.TotalAmt).toBe(100);
      expect(created.TxnTaxDetail).toEqual({ TotalTax: 0 });
    });

    it('an explicit tax amount is honored, not recomputed', async () => {
      const { customerId, taxableItem } = await start({ tax: 'us-automated' });
      const created = await invoice(customerId, [line(100, taxableItem, 'TAX')], { TxnTaxDetail: { TotalTax: 7.25 } });
      expect(created.TotalAmt).toBe(107.25);
      expect(created.TxnTaxDetail).toMatchObject({ TxnTaxCodeRef: { value: '2' }, TotalTax: 7.25 });
    });

    it('with ApplyTaxAfterDiscount the discount comes off the taxable base first', async () => {
      const { customerId, taxableItem } = await start({ tax: 'us-automated' });
      const discount = {
        Amount: 50,
        DetailType: 'DiscountLineDetail',
        DiscountLineDetail: { PercentBased: false, DiscountAccountRef: { value: DEMO_ACCOUNT_IDS.discounts } },
      };
      const after = await invoice(customerId, [line(100, taxableItem), discount], { ApplyTaxAfterDiscount: true });
      expect(after.TotalAmt).toBe(54);
      const before = await invoice(customerId, [line(100, taxableItem), discount]);
      expect(before.TotalAmt).toBe(58);
    });
  });

  describe('US, manual sales tax (the model before AST)', () => {
    it('adds no tax unless TxnTaxDetail asks: an amount is kept, a tax code alone is computed on TAX lines', async () => {
      const { customerId, taxableItem } = await start({ tax: 'us-manual' });
      expect((await invoice(customerId, [line(100, taxableItem)])).TotalAmt).toBe(100);
      expect((await invoice(customerId, [line(100, taxableItem)], { TxnTaxDetail: { TotalTax: 3 } })).TotalAmt).toBe(
        103,
      );
      const byCode = await invoice(customerId, [line(100, taxableItem), line(10, DEMO_ITEM_IDS.services)], {
        TxnTaxDetail: { TxnTaxCodeRef: { value: '2' } },
      });
      expect(byCode.TotalAmt).toBe(118);
    });
  });

  describe('VAT/GST: every line needs a tax code; TxnTaxDetail per rate', () => {
    it.each([
      ['GB', 'GBP', 'Make sure all your transactions have a VAT rate before you save.'],
      ['CA', 'CAD', 'Make sure all your transactions have a GST/HST rate before you save.'],
    ])('%s: a line without TaxCodeRef is 6000 with the wording QBO uses there', async (country, currency, text) => {
      const { customerId } = await start({ tax: 'vat', country, homeCurrency: currency });
      const error = await invoice(customerId, [line(10, DEMO_ITEM_IDS.services)]).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'qbo_6000' });
      expect((error as QboValidationError).fault?.errors[0]).toMatchObject({
        message: 'A business validation error has occurred while processing your request',
        detail: `Business Validation Error: ${text}`,
        code: '6000',
      });
    });

    it('tax is computed per line from its own code and reported per rate', async () => {
      const { customerId } = await start({ tax: 'vat', country: 'GB', homeCurrency: 'GBP' });
      const created = await invoice(customerId, [
        line(100, DEMO_ITEM_IDS.services, '3'),
        line(50, DEMO_ITEM_IDS.services, '3'),
        line(40, DEMO_ITEM_IDS.services, '4'),
      ]);
      expect(created.TotalAmt).toBe(220);
      expect(created.TxnTaxDetail).toEqual({
        TotalTax: 30,
        TaxLine: [
          {
            Amount: 30,
            DetailType: 'TaxLineDetail',
            TaxLineDetail: { TaxRateRef: { value: '1' }, PercentBased: true, TaxPercent: 20, NetAmountTaxable: 150 },
          },
          {
            Amount: 0,
            DetailType: 'TaxLineDetail',
            TaxLineDetail: { TaxRateRef: { value: '2' }, PercentBased: true, TaxPercent: 0, NetAmountTaxable: 40 },
          },
        ],
      });
    });

    it('a TxnTaxDetail with an amount is kept as sent', async () => {
      const { customerId } = await start({ tax: 'vat', country: 'GB', homeCurrency: 'GBP' });
      const created = await invoice(customerId, [line(100, DEMO_ITEM_IDS.services, '3')], {
        TxnTaxDetail: { TotalTax: 19.99 },
      });
      expect(created.TotalAmt).toBe(119.99);
    });
  });
});
