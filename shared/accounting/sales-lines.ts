import { minorToQboAmount } from './money';
import type { PlanContext, QboRef } from './operation';
import type { SalesDocumentMoney, TaxEntry } from './sales-money';
import { InvalidStripeObject } from './stripe-fields';
import { lineTaxCode, taxRegime, transactionTax } from './tax';

export {
  documentMismatch,
  documentSum,
  readCreditNoteMoney,
  readInvoiceMoney,
  type SalesDocumentLine,
  type SalesDocumentMoney,
  type TaxEntry,
} from './sales-money';

/** Stripe's own descriptions of quantity lines already start "3 × …": prefixing ours would read "3 × 3 × …". */
const QUANTITY_PREFIX = /^\s*\d+\s*[×x]\s/;

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
    /** The tax regime's code for this line (tax.ts); absent only where no regime applies. */
    taxCodeRef?: { value: string } | undefined;
  },
): Record<string, unknown> {
  const evenQuantity = line.quantity !== undefined && line.amount % line.quantity === 0;
  const qty = evenQuantity ? (line.quantity ?? 1) : 1;
  const unitPrice = line.amount / qty; // exact: qty divides amount
  const description =
    !evenQuantity && line.quantity !== undefined && line.quantity !== 1 && !QUANTITY_PREFIX.test(line.description ?? '')
      ? `${line.quantity} × ${line.description ?? ''}`.trim()
      : line.description;
  const detail: Record<string, unknown> = {
    ItemRef: line.itemRef,
    Qty: qty,
    UnitPrice: minorToQboAmount(unitPrice, currency),
  };
  if (line.serviceDate !== undefined) detail.ServiceDate = line.serviceDate;
  if (line.taxCodeRef !== undefined) detail.TaxCodeRef = line.taxCodeRef;
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
 * The QBO lines and tax fields of a sales document: one SalesItemLine per Stripe line, shipping on the default
 * item, then one discount line (QBO applies a discount line to the lines above it); in the `us` regime tax is a
 * line on `taxItem` after the discount, so the discount never reduces the tax (Stripe has already computed tax on
 * the discounted amount); in the `vat` regime it is TxnTaxDetail (tax.ts).
 */
export function buildSalesBody(
  context: PlanContext,
  money: SalesDocumentMoney,
  currency: string,
): Record<string, unknown> {
  const code = (taxes: readonly TaxEntry[], description: string) => lineTaxCode(context, taxes, description);
  const lines = money.lines.map((line, index) =>
    salesItemLine(currency, {
      amount: line.amount,
      quantity: line.quantity,
      description: line.description,
      itemRef: context.productItem(line.productId),
      serviceDate: line.periodStart === undefined ? undefined : context.date(line.periodStart),
      taxCodeRef: code(line.taxes, `line ${index + 1}`),
    }),
  );
  if (money.shipping !== 0)
    lines.push(
      salesItemLine(currency, {
        amount: money.shipping,
        description: 'Shipping',
        itemRef: context.item('defaultItem'),
        taxCodeRef: code(money.shippingTaxes, 'shipping'),
      }),
    );
  if (money.discount !== 0)
    lines.push({
      DetailType: 'DiscountLineDetail',
      Amount: minorToQboAmount(money.discount, currency),
      DiscountLineDetail: { PercentBased: false, DiscountAccountRef: context.account('discountAccount') },
    });
  if (money.tax !== 0 && taxRegime(context) === 'us')
    lines.push(
      salesItemLine(currency, {
        amount: money.tax,
        description: 'Sales tax',
        itemRef: context.item('taxItem'),
        taxCodeRef: code([], 'sales tax'),
      }),
    );
  if (lines.length === 0) throw new InvalidStripeObject('document has no lines');
  return { Line: lines, ...transactionTax(context, currency, money) };
}

/**
 * A sales document Stripe computed no tax for (a standalone charge's receipt, a plain refund): its lines are
 * untaxed in either regime, and QBO is told so.
 */
export function untaxedSalesBody(
  context: PlanContext,
  currency: string,
  lines: readonly Parameters<typeof salesItemLine>[1][],
): Record<string, unknown> {
  const taxCodeRef = lineTaxCode(context, [], 'line');
  return {
    Line: lines.map((line) => salesItemLine(currency, { ...line, taxCodeRef })),
    ...transactionTax(context, currency, undefined),
  };
}
