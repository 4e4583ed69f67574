import { minorToDecimal } from './money';
import {
  isRecord,
  listRecords,
  optInteger,
  optRecord,
  optString,
  refId,
  requireInteger,
  sumAmounts,
  type StripeRecord,
} from './stripe-fields';

/**
 * One shape for the money of an invoice or a credit note, read from either API generation (DESIGN section 6):
 * basil+ (2025-03-31) has `total_taxes`, `lines.data[].taxes` and `pricing`; legacy has `tax`, `total_tax_amounts`,
 * `lines.data[].tax_amounts` and `price`/`plan`. Some snapshots carry both sets; basil's wins because it is the one
 * Stripe still maintains.
 */
export interface TaxEntry {
  amount: number;
  inclusive: boolean;
  /** The Stripe tax rate (`txr_…`), which the `vat` regime maps to a QBO TaxCode. */
  rateId: string | undefined;
  taxableAmount: number | undefined;
}

export interface SalesDocumentLine {
  /** Minor units before discounts and without any tax (inclusive tax taken out). */
  amount: number;
  quantity: number | undefined;
  description: string | undefined;
  productId: string | undefined;
  periodStart: number | undefined;
  /** This line's taxes, inclusive and exclusive. */
  taxes: TaxEntry[];
}

export interface SalesDocumentMoney {
  lines: SalesDocumentLine[];
  /** Discounts and other pre-tax credits, positive. */
  discount: number;
  /** All tax, inclusive and exclusive: it all belongs on the tax item (or in TxnTaxDetail). */
  tax: number;
  /** The document's taxes per rate (they sum to `tax`). */
  taxes: TaxEntry[];
  shipping: number;
  /** Shipping's own taxes, when Stripe lists them. */
  shippingTaxes: TaxEntry[];
  total: number;
  /** True when the snapshot's line list is only a first page (`has_more`). */
  linesTruncated: boolean;
}

/** basil `taxes[]` ({amount, tax_behavior, tax_rate_details}) or legacy `tax_amounts[]` ({amount, inclusive, tax_rate}). */
export function readTaxes(holder: StripeRecord, basilKey: string, legacyKey: string): TaxEntry[] | undefined {
  const basil = holder[basilKey];
  if (Array.isArray(basil))
    return basil.filter(isRecord).map((tax) => ({
      amount: requireInteger(tax, 'amount'),
      inclusive: tax.tax_behavior === 'inclusive',
      rateId: refId(optRecord(tax, 'tax_rate_details')?.tax_rate),
      taxableAmount: optInteger(tax, 'taxable_amount'),
    }));
  const legacy = holder[legacyKey];
  if (Array.isArray(legacy))
    return legacy.filter(isRecord).map((tax) => ({
      amount: requireInteger(tax, 'amount'),
      inclusive: tax.inclusive === true,
      rateId: refId(tax.tax_rate),
      taxableAmount: optInteger(tax, 'taxable_amount'),
    }));
  return undefined;
}

function lineProduct(line: StripeRecord): string | undefined {
  const basil = optRecord(optRecord(line, 'pricing') ?? {}, 'price_details');
  if (basil !== undefined) return refId(basil.product);
  const price = optRecord(line, 'price') ?? optRecord(line, 'plan');
  return price === undefined ? undefined : refId(price.product);
}

function readLine(line: StripeRecord): SalesDocumentLine {
  const taxes = readTaxes(line, 'taxes', 'tax_amounts') ?? [];
  const inclusiveTax = taxes.filter((tax) => tax.inclusive).reduce((sum, tax) => sum + tax.amount, 0);
  const quantity = optInteger(line, 'quantity');
  const period = optRecord(line, 'period');
  return {
    amount: requireInteger(line, 'amount') - inclusiveTax,
    quantity: quantity !== undefined && quantity > 0 ? quantity : undefined,
    description: optString(line, 'description'),
    productId: lineProduct(line),
    periodStart: period === undefined ? undefined : optInteger(period, 'start'),
    taxes,
  };
}

const sumOf = (taxes: readonly TaxEntry[]): number => taxes.reduce((sum, tax) => sum + tax.amount, 0);

/**
 * The lines of a document: the full list when the enrich stage read it (the snapshot holds only the first page
 * when `lines.has_more`), else the snapshot's.
 */
function documentLines(document: StripeRecord, fullList: readonly unknown[] | undefined) {
  const truncated = isRecord(document.lines) && document.lines.has_more === true;
  if (truncated && fullList !== undefined) return { lines: fullList.filter(isRecord), truncated: false };
  return { lines: listRecords(document.lines), truncated };
}

/** `shipping_cost.taxes[]`: {amount, rate: TaxRate object}. */
function shippingTaxesOf(document: StripeRecord): TaxEntry[] {
  const shipping = optRecord(document, 'shipping_cost');
  return listRecords(shipping?.taxes).map((tax) => {
    const rate = optRecord(tax, 'rate');
    return {
      amount: requireInteger(tax, 'amount'),
      inclusive: rate?.inclusive === true,
      rateId: refId(rate ?? tax.rate),
      taxableAmount: optInteger(tax, 'taxable_amount'),
    };
  });
}

export function readInvoiceMoney(invoice: StripeRecord, fullLines?: readonly unknown[]): SalesDocumentMoney {
  const taxes = readTaxes(invoice, 'total_taxes', 'total_tax_amounts');
  const tax = taxes === undefined ? (optInteger(invoice, 'tax') ?? 0) : sumOf(taxes);
  // basil's total_pretax_credit_amounts lists discounts and credit grants; legacy only had discounts.
  const pretaxCredits = listRecords(invoice.total_pretax_credit_amounts);
  const discount =
    pretaxCredits.length > 0 ? sumAmounts(pretaxCredits) : sumAmounts(listRecords(invoice.total_discount_amounts));
  const { lines, truncated } = documentLines(invoice, fullLines);
  return {
    lines: lines.map(readLine),
    discount,
    tax,
    taxes: taxes ?? (tax === 0 ? [] : [{ amount: tax, inclusive: false, rateId: undefined, taxableAmount: undefined }]),
    shipping: optInteger(invoice, 'amount_shipping') ?? 0,
    shippingTaxes: shippingTaxesOf(invoice),
    total: requireInteger(invoice, 'total'),
    linesTruncated: truncated,
  };
}

/** A credit note's lines carry no product; its tax and discounts follow the invoice's two generations. */
export function readCreditNoteMoney(creditNote: StripeRecord, fullLines?: readonly unknown[]): SalesDocumentMoney {
  const taxes = readTaxes(creditNote, 'total_taxes', 'tax_amounts') ?? [];
  const pretaxCredits = listRecords(creditNote.pretax_credit_amounts);
  const discount =
    pretaxCredits.length > 0
      ? sumAmounts(pretaxCredits)
      : Array.isArray(creditNote.discount_amounts)
        ? sumAmounts(listRecords(creditNote.discount_amounts))
        : (optInteger(creditNote, 'discount_amount') ?? 0);
  const { lines, truncated } = documentLines(creditNote, fullLines);
  return {
    lines: lines.map(readLine),
    discount,
    tax: sumOf(taxes),
    taxes,
    shipping: optInteger(creditNote, 'amount_shipping') ?? 0,
    shippingTaxes: shippingTaxesOf(creditNote),
    total: requireInteger(creditNote, 'total'),
    linesTruncated: truncated,
  };
}

/** What the QBO lines add up to: lines − discount + tax + shipping. */
export function documentSum(money: SalesDocumentMoney): number {
  return money.lines.reduce((sum, line) => sum + line.amount, 0) - money.discount + money.tax + money.shipping;
}

/** Why the lines cannot be posted as they are, or undefined when they sum to the Stripe total. */
export function documentMismatch(money: SalesDocumentMoney, currency: string): string | undefined {
  const sum = documentSum(money);
  if (sum === money.total) return undefined;
  const truncated = money.linesTruncated ? ' (the snapshot holds only the first page of lines)' : '';
  return `lines sum to ${minorToDecimal(sum, currency)}, Stripe total is ${minorToDecimal(money.total, currency)}${truncated}`;
}
