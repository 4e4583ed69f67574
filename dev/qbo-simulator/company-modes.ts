import type { SimEntityName } from './entities';

/**
 * How a seeded company is set up, and so which rules apply to it. Defaults: a US company on manual sales tax,
 * custom transaction numbers on with duplicate-number warnings (6140), auto-apply credit on, no multicurrency.
 */
export interface CompanySettings {
  /** Preferences.SalesFormsPrefs.CustomTxnNumbers: off → QBO numbers sales forms itself and ignores a DocNumber sent. */
  customTxnNumbers: boolean;
  /** "Warn if duplicate number is used": a reused DocNumber on the same kind of form → 6140. */
  uniqueDocNumbers: boolean;
  /** Preferences.SalesFormsPrefs.AutoApplyCredit. */
  autoApplyCredit: boolean;
  /** Preferences.CurrencyPrefs.MultiCurrencyEnabled: off → a CurrencyRef other than the home currency → 6000. */
  multicurrency: boolean;
  homeCurrency: string;
  /** CompanyInfo.Country. */
  country: string;
  /**
   * `us-automated` (automated sales tax, US companies since 2017), `us-manual` (the older US model), `vat` (UK VAT,
   * CA/AU GST: every sales line needs a TaxCodeRef, else 6000).
   */
  tax: 'us-automated' | 'us-manual' | 'vat';
}

export const DEFAULT_SETTINGS: CompanySettings = {
  customTxnNumbers: true,
  uniqueDocNumbers: true,
  autoApplyCredit: true,
  multicurrency: false,
  homeCurrency: 'USD',
  country: 'US',
  tax: 'us-manual',
};

const CURRENCY_NAMES: Record<string, string> = {
  USD: 'United States Dollar',
  GBP: 'British Pound Sterling',
  CAD: 'Canadian Dollar',
  AUD: 'Australian Dollar',
  EUR: 'Euro',
};

export function currencyRef(code: string): { value: string; name: string } {
  return { value: code, name: CURRENCY_NAMES[code] ?? code };
}

/** The settings objects QBO serves for the company, built from its mode (ids as QBO gives them: "1"). */
export function settingsEntities(
  realmId: string,
  settings: CompanySettings,
): Partial<Record<SimEntityName, Array<Record<string, unknown>>>> {
  const preferences = {
    Id: '1',
    SalesFormsPrefs: {
      CustomTxnNumbers: settings.customTxnNumbers,
      AutoApplyCredit: settings.autoApplyCredit,
      AllowDiscount: true,
      AllowDeposit: true,
    },
    CurrencyPrefs: {
      MultiCurrencyEnabled: settings.multicurrency,
      HomeCurrency: { value: settings.homeCurrency },
    },
    TaxPrefs: { UsingSalesTax: true, PartnerTaxEnabled: settings.tax === 'us-automated' },
  };
  const companyInfo = {
    Id: '1',
    CompanyName: `Simulated company ${realmId}`,
    Country: settings.country,
    SupportedLanguages: 'en',
    NameValue: [{ Name: 'IsMultiCurrencyEnabled', Value: String(settings.multicurrency) }],
  };
  const taxCodes =
    settings.tax === 'vat'
      ? [
          taxCode('3', '20.0% S', '1', true),
          taxCode('4', '0.0% Z', '2', true),
          taxCode('5', 'Exempt', '3', false),
          taxCode('6', 'No VAT', undefined, false),
        ]
      : [taxCode('2', 'California', '1', true)];
  const taxRates =
    settings.tax === 'vat'
      ? [taxRate('1', '20.0% S', 20), taxRate('2', '0.0% Z', 0), taxRate('3', 'Exempt', 0)]
      : [taxRate('1', 'California', 8)];
  return { Preferences: [preferences], CompanyInfo: [companyInfo], TaxCode: taxCodes, TaxRate: taxRates };
}

function taxCode(id: string, name: string, rateId: string | undefined, taxable: boolean): Record<string, unknown> {
  return {
    Id: id,
    Name: name,
    Description: name,
    Active: true,
    Taxable: taxable,
    TaxGroup: false,
    SalesTaxRateList: {
      TaxRateDetail:
        rateId === undefined
          ? []
          : [{ TaxRateRef: { value: rateId, name }, TaxTypeApplicable: 'TaxOnAmount', TaxOrder: 0 }],
    },
    PurchaseTaxRateList: { TaxRateDetail: [] },
  };
}

function taxRate(id: string, name: string, rate: number): Record<string, unknown> {
  return { Id: id, Name: name, Description: name, Active: true, RateValue: rate, AgencyRef: { value: '1' } };
}
