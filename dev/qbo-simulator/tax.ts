import type { SimCompany } from './company';
import { AST_TAX_CODE_ID } from './company-modes';
import { faults } from './fault-bodies';
import { requireRef } from './refs';
import { SimFault, asArray, asRecord, money, num, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * Sales tax on a sales form, per the company's tax mode (company-modes.ts).
 *
 * US companies mark each line with the pseudo tax codes `TAX`/`NON` (Intuit, "Manage sales tax for US locales"). A
 * line sent without one takes its item's `Taxable` flag, as QBO's form does when an item is picked (inferred from
 * QBO's behaviour, not a recorded exchange).
 * - `us-automated` (AST, every US company created since 10 Nov 2017): "The AST engine assigns the appropriate tax code
 *   to sales transaction objects and automatically calculates the tax amount. Whenever an explicit tax amount is sent
 *   in the transaction request the AST engine honors the amount and prorates it across tax rates in the AST-assigned
 *   tax code" (Intuit developer blog, "Using QuickBooks Online API for automated sales tax", 2017-12-11). So a form
 *   sent without `TxnTaxDetail.TotalTax` gets tax on its taxable lines and its TotalAmt grows; with it, the amount
 *   sent is kept.
 * - `us-manual` (the model before AST): tax is what `TxnTaxDetail` says; a `TxnTaxCodeRef` without `TotalTax` is
 *   computed from that code's rates on the `TAX` lines, nothing at all is no tax.
 * - `vat` (UK VAT, CA/AU GST): every line needs a real TaxCode, else 6000 "Make sure all your transactions have a VAT
 *   rate before you save." (UK: intuit/quickbooks-online-mcp-server issue #94; CA: "… a GST/HST rate …", ruckus/
 *   quickbooks-ruby #351 and activepieces #8539, the latter with the whole body). Without `TotalTax`, TxnTaxDetail
 *   holds one TaxLine per rate (Intuit, "Manage sales tax for non-US locales"); `GlobalTaxCalculation` is taken as
 *   TaxExcluded (TaxInclusive is not modelled).
 * The returned TxnTaxDetail has the shape of the real taxed invoice in fixtures/qbo/invoice-taxed-paid-entity.json
 * (TxnTaxCodeRef, TotalTax, TaxLine[] of TaxLineDetail with TaxRateRef, PercentBased, TaxPercent, NetAmountTaxable).
 */
interface TaxedLine {
  amount: number;
  /** The TaxCode id or the US pseudo code. */
  code: string;
}

const VAT_WORD: Record<string, string> = { GB: 'VAT', CA: 'GST/HST', AU: 'GST' };

/** Sets the line's TaxCodeRef the way QBO stores it and returns the code that decides its tax. */
export function lineTaxCode(company: SimCompany, detail: Record<string, unknown>, item: SimRecord | undefined): string {
  if (company.settings.tax === 'vat') {
    if (detail.TaxCodeRef === undefined)
      throw new SimFault(
        faults.businessRule(
          `Make sure all your transactions have a ${VAT_WORD[company.settings.country] ?? 'VAT'} rate before you save.`,
        ),
      );
    requireRef(company, 'TaxCode', detail, 'TaxCodeRef');
    return refValue(detail.TaxCodeRef) ?? '';
  }
  const code = refValue(detail.TaxCodeRef);
  if (code === undefined) {
    const fromItem = item?.Taxable === true ? 'TAX' : 'NON';
    detail.TaxCodeRef = { value: fromItem };
    return fromItem;
  }
  if (code !== 'TAX' && code !== 'NON') requireRef(company, 'TaxCode', detail, 'TaxCodeRef');
  return code;
}

interface Rate {
  id: string;
  name: string;
  percent: number;
}

function ratesOf(company: SimCompany, taxCodeId: string): Rate[] {
  const code = company.find('TaxCode', taxCodeId);
  if (!code || code.Taxable === false) return [];
  return asArray(asRecord(code.SalesTaxRateList).TaxRateDetail).flatMap((detail) => {
    const rate = company.find('TaxRate', refValue(detail.TaxRateRef) ?? '');
    return rate ? [{ id: rate.Id, name: String(rate.Name ?? ''), percent: num(rate.RateValue) ?? 0 }] : [];
  });
}

function taxLine(rate: Rate, amount: number, netTaxable: number): Record<string, unknown> {
  return {
    Amount: money(amount),
    DetailType: 'TaxLineDetail',
    TaxLineDetail: {
      TaxRateRef: { value: rate.id },
      PercentBased: true,
      TaxPercent: rate.percent,
      NetAmountTaxable: money(netTaxable),
    },
  };
}

/** US: one tax code for the whole form, applied to its TAX lines (less their share of a discount taken first). */
function usTax(
  company: SimCompany,
  sent: Record<string, unknown>,
  lines: TaxedLine[],
  discountShare: number,
): Record<string, unknown> {
  const sentTotal = num(sent.TotalTax);
  const automated = company.settings.tax === 'us-automated';
  const codeId = automated ? AST_TAX_CODE_ID : refValue(sent.TxnTaxCodeRef);
  const taxable = money(lines.filter((l) => l.code === 'TAX').reduce((sum, l) => sum + l.amount, 0) * discountShare);
  if (codeId === undefined || (!automated && sentTotal !== undefined)) return { ...sent, TotalTax: sentTotal ?? 0 };
  const rates = ratesOf(company, codeId);
  const percent = rates.reduce((sum, r) => sum + r.percent, 0);
  const totalTax = money(sentTotal ?? (taxable * percent) / 100);
  // Nothing taxable and nothing to honor: QBO answers the bare {"TotalTax":0} (fixtures/qbo/invoice-create-response.json).
  if (taxable === 0 && totalTax === 0) return { TotalTax: 0 };
  // An amount sent is spread over the code's rates in proportion to them (AST "prorates it across tax rates").
  const shares = rates.map((r) => (percent === 0 ? 1 / rates.length : r.percent / percent));
  return {
    TxnTaxCodeRef: { value: codeId },
    TotalTax: totalTax,
    TaxLine: rates.map((rate, i) => taxLine(rate, totalTax * (shares[i] ?? 0), taxable)),
  };
}

/** VAT/GST: tax per line from its own code, one TaxLine per rate. */
function vatTax(company: SimCompany, sent: Record<string, unknown>, lines: TaxedLine[]): Record<string, unknown> {
  const sentTotal = num(sent.TotalTax);
  if (sentTotal !== undefined) return { ...sent, TotalTax: money(sentTotal) };
  const byRate = new Map<string, { rate: Rate; net: number; tax: number }>();
  for (const line of lines) {
    for (const rate of ratesOf(company, line.code)) {
      const entry = byRate.get(rate.id) ?? { rate, net: 0, tax: 0 };
      entry.net += line.amount;
      entry.tax += (line.amount * rate.percent) / 100;
      byRate.set(rate.id, entry);
    }
  }
  const taxLines = [...byRate.values()].map(({ rate, net, tax }) => taxLine(rate, tax, net));
  return {
    TotalTax: money(taxLines.reduce((sum, l) => sum + Number(l.Amount), 0)),
    TaxLine: taxLines,
  };
}

/**
 * The form's TxnTaxDetail. `discount` is the form's discount total; it lowers the taxable base only when
 * ApplyTaxAfterDiscount is true (Intuit: "If false or null, calculate the sales tax first, and then apply the
 * discount").
 */
export function transactionTax(
  company: SimCompany,
  draft: Record<string, unknown>,
  lines: TaxedLine[],
  subtotal: number,
  discount: number,
): Record<string, unknown> {
  const sent = draft.TxnTaxDetail === undefined ? {} : { ...asRecord(draft.TxnTaxDetail) };
  if (company.settings.tax === 'vat') return vatTax(company, sent, lines);
  const share = draft.ApplyTaxAfterDiscount === true && subtotal > 0 ? Math.max(0, 1 - discount / subtotal) : 1;
  return usTax(company, sent, lines, share);
}

export type { TaxedLine };
