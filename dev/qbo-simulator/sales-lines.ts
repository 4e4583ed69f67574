import type { SimCompany } from './company';
import { faults } from './fault-bodies';
import { requireRef } from './refs';
import { SimFault, asArray, asRecord, money, num } from './sim-fault';
import { lineTaxCode, transactionTax } from './tax';
import type { TaxedLine } from './tax';

export interface SalesTotals {
  lines: Array<Record<string, unknown>>;
  totalAmt: number;
  tax: Record<string, unknown>;
}

/**
 * Invoice, CreditMemo, SalesReceipt and RefundReceipt lines the way QBO returns them: item lines numbered from 1
 * with the item's name filled in, one SubTotalLine QBO adds itself, then any discount, and
 * TotalAmt = subtotal - discount + tax. Amount must equal UnitPrice × Qty when both are sent (6070).
 */
export function computeSalesLines(company: SimCompany, draft: Record<string, unknown>): SalesTotals {
  const itemLines: Array<Record<string, unknown>> = [];
  const discounts: Array<Record<string, unknown>> = [];
  const taxed: TaxedLine[] = [];
  let subtotal = 0;
  let lineNum = 1;
  for (const line of asArray(draft.Line)) {
    const type = line.DetailType;
    if (type === 'SubTotalLineDetail') continue;
    if (type === 'DiscountLineDetail') {
      discounts.push(line);
      continue;
    }
    if (type === 'DescriptionOnly') {
      itemLines.push({ Id: String(lineNum), LineNum: lineNum++, ...line, Amount: 0 });
      continue;
    }
    if (type !== 'SalesItemLineDetail') throw new SimFault(faults.requiredParam('Line.DetailType'));
    const detail = { ...asRecord(line.SalesItemLineDetail) };
    if (detail.ItemRef === undefined) throw new SimFault(faults.requiredParam('ItemRef'));
    const item = requireRef(company, 'Item', detail, 'ItemRef');
    const unitPrice = num(detail.UnitPrice);
    const qty = num(detail.Qty);
    let amount = num(line.Amount);
    if (amount === undefined && unitPrice !== undefined) amount = money(unitPrice * (qty ?? 1));
    if (amount === undefined) throw new SimFault(faults.requiredParam('Line.Amount'));
    if (unitPrice !== undefined && qty !== undefined && money(unitPrice * qty) !== money(amount))
      throw new SimFault({
        Message: 'Amount is not equal to UnitPrice * Qty',
        Detail: `Amount is not equal to UnitPrice * Qty. Supplied value:${amount}`,
        code: '6070',
        element: '',
      });
    taxed.push({ amount: money(amount), code: lineTaxCode(company, detail, item) });
    subtotal += amount;
    itemLines.push({
      Id: String(lineNum),
      LineNum: lineNum++,
      ...line,
      Amount: money(amount),
      DetailType: 'SalesItemLineDetail',
      SalesItemLineDetail: detail,
    });
  }
  if (itemLines.length === 0) throw new SimFault(faults.requiredParam('Line'));
  subtotal = money(subtotal);
  const lines: Array<Record<string, unknown>> = [
    ...itemLines,
    { Amount: subtotal, DetailType: 'SubTotalLineDetail', SubTotalLineDetail: {} },
  ];
  let discountTotal = 0;
  for (const line of discounts) {
    const detail = { ...asRecord(line.DiscountLineDetail) };
    if (detail.DiscountAccountRef !== undefined) requireRef(company, 'Account', detail, 'DiscountAccountRef');
    const percent = num(detail.DiscountPercent);
    const amount =
      detail.PercentBased === true && percent !== undefined
        ? money((subtotal * percent) / 100)
        : (num(line.Amount) ?? 0);
    discountTotal += amount;
    lines.push({ ...line, Amount: amount, DetailType: 'DiscountLineDetail', DiscountLineDetail: detail });
  }
  const tax = transactionTax(company, draft, taxed, subtotal, money(discountTotal));
  return { lines, totalAmt: money(subtotal - discountTotal + (num(tax.TotalTax) ?? 0)), tax };
}
