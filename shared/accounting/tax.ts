import { minorToQboAmount } from './money';
import { ParkPlan, type PlanContext, type QboRef } from './operation';
import type { SalesDocumentMoney, TaxEntry } from './sales-money';

/**
 * How Stripe's sales tax reaches QBO (tenant `tax.regime`, DESIGN section 6). Stripe has already computed every
 * tax amount; QBO must never compute one of its own, or TotalAmt drifts from Stripe's total.
 * - `us` (default): every sales line is non-taxable (TaxCodeRef NON) and the transaction carries a zero
 *   TxnTaxDetail, so neither QBO's automated sales tax nor a default tax code adds anything; Stripe's tax is a line
 *   on `items.taxItem`, whose income account is the sales-tax liability.
 * - `vat`: every sales line carries the QBO TaxCode of its Stripe rate (`tax.taxCodeByRate`; a taxed line whose
 *   rate is not mapped takes `tax.defaultTaxCode`, an untaxed one `tax.exemptTaxCode`), and Stripe's amounts go in
 *   TxnTaxDetail, one TaxLine per TaxCode, so the VAT return shows them. There is no tax-item line.
 */
export type TaxRegime = 'us' | 'vat';

export function taxRegime(context: PlanContext): TaxRegime {
  return context.settings.tax?.regime ?? 'us';
}

const US_NON_TAXABLE = { value: 'NON' };

function mappedCode(context: PlanContext, rateId: string | undefined): string | undefined {
  return rateId === undefined ? undefined : context.settings.tax?.taxCodeByRate?.[rateId];
}

/** A taxed amount's code: its rate's mapping, else the tenant's default code for taxed sales. */
function taxedCode(context: PlanContext, rateId: string | undefined): { value: string } {
  const mapped = mappedCode(context, rateId);
  return mapped !== undefined
    ? { value: mapped }
    : context.requireSetting(context.settings.tax?.defaultTaxCode, 'tax.defaultTaxCode');
}

/** The TaxCodeRef of one sales line (`description` names the line when it cannot have one code). */
export function lineTaxCode(context: PlanContext, taxes: readonly TaxEntry[], description: string): { value: string } {
  if (taxRegime(context) === 'us') return US_NON_TAXABLE;
  const mapped = new Set(taxes.flatMap((tax) => mappedCode(context, tax.rateId) ?? []));
  if (mapped.size > 1)
    // QBO takes one TaxCode per line; a line taxed at two mapped rates needs a combined code someone must choose.
    throw new ParkPlan(
      'tax_code_ambiguous',
      `${description}: Stripe rates map to QBO tax codes ${[...mapped].sort().join(',')}`,
    );
  const [only] = mapped;
  if (only !== undefined) return { value: only };
  if (taxes.some((tax) => tax.amount !== 0)) return taxedCode(context, undefined);
  return context.requireSetting(context.settings.tax?.exemptTaxCode, 'tax.exemptTaxCode');
}

/** QBO resolves a TaxCode's sales TaxRate; the executor reads it (see the report on `taxrate:` refs). */
function taxRateOf(code: { value: string }): QboRef {
  return { $ref: `taxrate:${code.value}` };
}

/**
 * The transaction-level tax fields for a document whose taxes Stripe computed. `money` undefined: a document
 * Stripe computed no tax for (a standalone charge, a plain refund).
 */
export function transactionTax(
  context: PlanContext,
  currency: string,
  money: Pick<SalesDocumentMoney, 'taxes' | 'tax'> | undefined,
): Record<string, unknown> {
  if (taxRegime(context) === 'us' || money === undefined || money.tax === 0)
    return {
      TxnTaxDetail: { TotalTax: 0 },
      ...(taxRegime(context) === 'vat' ? { GlobalTaxCalculation: 'TaxExcluded' } : {}),
    };
  const byCode = new Map<string, { amount: number; taxable: number | undefined }>();
  for (const tax of money.taxes) {
    if (tax.amount === 0) continue;
    const code = taxedCode(context, tax.rateId).value;
    const group = byCode.get(code) ?? { amount: 0, taxable: 0 };
    group.amount += tax.amount;
    group.taxable =
      group.taxable === undefined || tax.taxableAmount === undefined ? undefined : group.taxable + tax.taxableAmount;
    byCode.set(code, group);
  }
  const taxLines = [...byCode.entries()].map(([code, group]) => {
    const detail: Record<string, unknown> = { TaxRateRef: taxRateOf({ value: code }), PercentBased: true };
    if (group.taxable !== undefined) detail.NetAmountTaxable = minorToQboAmount(group.taxable, currency);
    return { DetailType: 'TaxLineDetail', Amount: minorToQboAmount(group.amount, currency), TaxLineDetail: detail };
  });
  return {
    // Line amounts exclude tax (inclusive tax is taken out of each line), and Stripe's tax is stated, not computed.
    GlobalTaxCalculation: 'TaxExcluded',
    TxnTaxDetail: { TotalTax: minorToQboAmount(money.tax, currency), TaxLine: taxLines },
  };
}
