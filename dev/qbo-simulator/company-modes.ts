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
  /**
   * Units of home currency per unit of each currency, for transactions that send no ExchangeRate (QBO keeps its own
   * rate table per company; these stand in for it). Defaults: MARKET_RATES_IN_USD converted to the home currency.
   */
  exchangeRates?: Record<string, number>;
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

/** Indicative rates (USD per unit) for the default rate table; not market data, only plausible magnitudes. */
const MARKET_RATES_IN_USD: Record<string, number> = { USD: 1, EUR: 1.1, GBP: 1.27, CAD: 0.73, AUD: 0.66, JPY: 0.0067 };

/** Home-currency units per unit of `currency`: the seeded table, else the default one; undefined when unknown. */
export function exchangeRateOf(settings: CompanySettings, currency: string): number | undefined {
  if (currency === settings.homeCurrency) return 1;
  const seeded = settings.exchangeRates?.[currency];
  if (seeded !== undefined) return seeded;
  const foreign = MARKET_RATES_IN_USD[currency];
  const home = MARKET_RATES_IN_USD[settings.homeCurrency];
  return foreign === undefined || home === undefined ? undefined : Math.round((foreign / home) * 1e6) / 1e6;
}

/**
 * The tax code AST assigns to US sales forms, and its rate: the ids of the real taxed sandbox invoice
 * (fixtures/qbo/invoice-taxed-paid-entity.json: TxnTaxCodeRef "2", TaxRateRef "3", TaxPercent 8).
 */
export const AST_TAX_CODE_ID = '2';
const US_TAX_RATE_ID = '3';

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
      : [taxCode(AST_TAX_CODE_ID, 'California', US_TAX_RATE_ID, true)];
  const taxRates =
    settings.tax === 'vat'
      ? [taxRate('1', '20.0% S', 20), taxRate('2', '0.0% Z', 0), taxRate('3', 'Exempt', 0)]
      : [taxRate(US_TAX_RATE_ID, 'California', 8)];
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
