import { minorToQboAmount, minorToDecimal } from './money';
import type { PlanContext, QboRef } from './operation';
import {
  InvalidStripeObject,
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
export interface SalesDocumentLine {
  /** Minor units before discounts and without any tax (inclusive tax taken out). */
  amount: number;
  quantity: number | undefined;
  description: string | undefined;
  productId: string | undefined;
  periodStart: number | undefined;
}

export interface SalesDocumentMoney {
  lines: SalesDocumentLine[];
  /** Discounts and other pre-tax credits, positive. */
  discount: number;
  /** All tax, inclusive and exclusive: it all belongs on the tax item. */
  tax: number;
  shipping: number;
  total: number;
  /** True when the snapshot's line list is only a first page (`has_more`). */
  linesTruncated: boolean;
}

interface TaxEntry {
  amount: number;
  inclusive: boolean;
}

/** basil `taxes[]` ({amount, tax_behavior}) or legacy `tax_amounts[]` ({amount, inclusive}). */
function readTaxes(holder: StripeRecord, basilKey: string, legacyKey: string): TaxEntry[] | undefined {
  const basil = holder[basilKey];
  if (Array.isArray(basil))
    return basil.filter(isRecord).map((tax) => ({
      amount: requireInteger(tax, 'amount'),
      inclusive: tax.tax_behavior === 'inclusive',
    }));
  const legacy = holder[legacyKey];
  if (Array.isArray(legacy))
    return legacy
      .filter(isRecord)
      .map((tax) => ({ amount: requireInteger(tax, 'amount'), inclusive: tax.inclusive === true }));
  return undefined;
}

function lineProduct(line: StripeRecord): string | undefined {
  const basil = optRecord(optRecord(line, 'pricing') ?? {}, 'price_details');
  if (basil !== undefined) return refId(basil.product);
  const price = optRecord(line, 'price') ?? optRecord(line, 'plan');
  return price === undefined ? undefined : refId(price.product);
}

function readLine(line: StripeRecord): SalesDocumentLine {
  const inclusiveTax = (readTaxes(line, 'taxes', 'tax_amounts') ?? [])
    .filter((tax) => tax.inclusive)
    .reduce((sum, tax) => sum + tax.amount, 0);
  const quantity = optInteger(line, 'quantity');
  const period = optRecord(line, 'period');
  return {
    amount: requireInteger(line, 'amount') - inclusiveTax,
    quantity: quantity !== undefined && quantity > 0 ? quantity : undefined,
    description: optString(line, 'description'),
    productId: lineProduct(line),
    periodStart: period === undefined ? undefined : optInteger(period, 'start'),
  };
}

export function readInvoiceMoney(invoice: StripeRecord): SalesDocumentMoney {
  const taxes = readTaxes(invoice, 'total_taxes', 'total_tax_amounts');
  const tax = taxes === undefined ? (optInteger(invoice, 'tax') ?? 0) : taxes.reduce((sum, t) => sum + t.amount, 0);
  // basil's total_pretax_credit_amounts lists discounts and credit grants; legacy only had discounts.
  const pretaxCredits = listRecords(invoice.total_pretax_credit_amounts);
  const discount =
    pretaxCredits.length > 0 ? sumAmounts(pretaxCredits) : sumAmounts(listRecords(invoice.total_discount_amounts));
  return {
    lines: listRecords(invoice.lines).map(readLine),
    discount,
    tax,
    shipping: optInteger(invoice, 'amount_shipping') ?? 0,
    total: requireInteger(invoice, 'total'),
    linesTruncated: isRecord(invoice.lines) && invoice.lines.has_more === true,
  };
}

/** A credit note's lines carry no product; its tax and discounts follow the invoice's two generations. */
export function readCreditNoteMoney(creditNote: StripeRecord): SalesDocumentMoney {
  const taxes = readTaxes(creditNote, 'total_taxes', 'tax_amounts') ?? [];
  const pretaxCredits = listRecords(creditNote.pretax_credit_amounts);
  const discount =
    pretaxCredits.length > 0
      ? sumAmounts(pretaxCredits)
      : Array.isArray(creditNote.discount_amounts)
        ? sumAmounts(listRecords(creditNote.discount_amounts))
        : (optInteger(creditNote, 'discount_amount') ?? 0);
  return {
    lines: listRecords(creditNote.lines).map(readLine),
    discount,
    tax: taxes.reduce((sum, t) => sum + t.amount, 0),
    shipping: optInteger(creditNote, 'amount_shipping') ?? 0,
    total: requireInteger(creditNote, 'total'),
    linesTruncated: isRecord(creditNote.lines) && creditNote.lines.has_more === true,
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

/**
 * QBO checks Amount = Qty × UnitPrice. When the line amount does not divide evenly by the quantity (an inclusive
 * tax taken out, a tiered price), we post Qty 1 at the full amount and keep the quantity in the description:
 * the money stays exact and QBO never rounds.
 */
export function salesItemLine(
  currency: string,
  line: {
    amount: number;
    quantity?: number | undefined;
    description?: string | undefined;
    /** A settings id, or an `item:<product>` $ref the executor resolves (PlanContext.productItem). */
    itemRef: { value: string } | QboRef;
    serviceDate?: string | undefined;
  },
): Record<string, unknown> {
  const evenQuantity = line.quantity !== undefined && line.amount % line.quantity === 0;
  const qty = evenQuantity ? (line.quantity ?? 1) : 1;
  const unitPrice = line.amount / qty; // exact: qty divides amount
  const description =
    !evenQuantity && line.quantity !== undefined && line.quantity !== 1
      ? `${line.quantity} × ${line.description ?? ''}`.trim()
      : line.description;
  const detail: Record<string, unknown> = {
    ItemRef: line.itemRef,
    Qty: qty,
    UnitPrice: minorToQboAmount(unitPrice, currency),
  };
  if (line.serviceDate !== undefined) detail.ServiceDate = line.serviceDate;
  const qboLine: Record<string, unknown> = {
    DetailType: 'SalesItemLineDetail',
    Amount: minorToQboAmount(line.amount, currency),
    SalesItemLineDetail: detail,
  };
  // QBO limits line descriptions to 4000 characters.
  if (description !== undefined && description !== '') qboLine.Description = description.slice(0, 4000);
  return qboLine;
}

/**
 * The QBO lines for a sales document: one SalesItemLine per Stripe line, shipping on the default item, then one
 * discount line (QBO applies a discount line to the lines above it), then tax on `taxItem` after the discount so
 * the discount never reduces the tax (Stripe has already computed tax on the discounted amount).
 */
export function buildSalesLines(
  context: PlanContext,
  money: SalesDocumentMoney,
  currency: string,
): Record<string, unknown>[] {
  const lines = money.lines.map((line) =>
    salesItemLine(currency, {
      amount: line.amount,
      quantity: line.quantity,
      description: line.description,
      itemRef: context.productItem(line.productId),
      serviceDate: line.periodStart === undefined ? undefined : context.date(line.periodStart),
    }),
  );
  if (money.shipping !== 0)
    lines.push(
      salesItemLine(currency, {
        amount: money.shipping,
        description: 'Shipping',
        itemRef: context.item('defaultItem'),
      }),
    );
  if (money.discount !== 0)
    lines.push({
      DetailType: 'DiscountLineDetail',
      Amount: minorToQboAmount(money.discount, currency),
      DiscountLineDetail: { PercentBased: false, DiscountAccountRef: context.account('discountAccount') },
    });
  if (money.tax !== 0)
    lines.push(
      salesItemLine(currency, { amount: money.tax, description: 'Sales tax', itemRef: context.item('taxItem') }),
    );
  if (lines.length === 0) throw new InvalidStripeObject('document has no lines');
  return lines;
}
