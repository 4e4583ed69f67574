import { createTaxRateLookup } from '../../../shared/consumers/tax-rates';
import { buildSettings } from '../accounting/factories';
import { FakeQbo } from './fakes';

const tenant = buildSettings();
const taxCode = (rates: string[]) => ({
  Name: '20.0% S',
  Active: true,
  SalesTaxRateList: { TaxRateDetail: rates.map((rate) => ({ TaxRateRef: { value: rate }, TaxOrder: 0 })) },
  PurchaseTaxRateList: { TaxRateDetail: [{ TaxRateRef: { value: '99' } }] },
});

describe('the sales tax rate of a QBO tax code (taxrate refs)', () => {
  it('is the first rate of the code’s sales rate list, read once per instance while it is fresh', async () => {
    const qbo = new FakeQbo();
    const code = qbo.seed('TaxCode', taxCode(['7', '8']));
    let now = 0;
    const taxRateOfCode = createTaxRateLookup({ now: () => now, ttlMs: 1_000 });
    expect(await taxRateOfCode(tenant, qbo, String(code.Id))).toBe('7');
    expect(await taxRateOfCode(tenant, qbo, String(code.Id))).toBe('7');
    expect(qbo.requests).toEqual([`query SELECT * FROM TaxCode WHERE Id = '${String(code.Id)}'`]);
    now = 1_000;
    await taxRateOfCode(tenant, qbo, String(code.Id));
    expect(qbo.requests).toHaveLength(2);
  });

  it.each([
    ['a code QBO does not have', () => '12345', 'tax_code_missing'],
    [
      'a code with no sales rate (a purchase-only code)',
      (qbo: FakeQbo) => String(qbo.seed('TaxCode', taxCode([])).Id),
      'tax_code_without_sales_rate',
    ],
    ['a ref that is no QBO id', () => "3' OR Id > '0", 'malformed_ref'],
  ])('refuses %s as a review item, not a retry', async (_name, codeOf, code) => {
    const qbo = new FakeQbo();
    const taxRateOfCode = createTaxRateLookup({ now: () => 0 });
    await expect(taxRateOfCode(tenant, qbo, codeOf(qbo))).rejects.toMatchObject({ failureClass: 'rejected', code });
  });
});
