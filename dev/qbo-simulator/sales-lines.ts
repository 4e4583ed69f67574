import type { SimEntityName } from './entities';
import type { SimCompany } from './company';
import { faults } from './fault-bodies';
import { SimFault, asArray, asRecord, money, num, refValue } from './sim-fault';
import type { SimRecord } from './sim-fault';

/**
 * A reference field, when present, must point at an existing object (2500 "Invalid Reference Id") that is active
 * (610 "Object Not Found : Something you're trying to use has been made inactive", the text of the real fault in
 * fixtures/qbo/batch-response.json). QBO fills in the `name`. Returns the target, or undefined when the field is
 * absent.
 */
export function requireRef(
  company: SimCompany,
  entity: SimEntityName,
  holder: Record<string, unknown>,
  field: string,
  nameField = 'Name',
): SimRecord | undefined {
  const raw = holder[field];
  if (raw === undefined) return undefined;
  const id = refValue(raw);
  const target = id === undefined ? undefined : company.find(entity, id);
  if (id === undefined || !target) throw new SimFault(faults.invalidReference(field, id ?? ''));
  if (target.Active === false) throw new SimFault(faults.objectNotFound());
  const name = target[nameField] ?? target.Name;
  holder[field] = typeof name === 'string' ? { value: id, name } : { value: id };
  return target;
}

export const optionalRef = requireRef;

/**
 * A US company takes the pseudo tax codes `TAX`/`NON` (NON when none is sent). A VAT/GST company needs a real
 * TaxCode on every sales line: without one QBO refuses the form with a 6000 business-rule fault.
 */
function applyLineTaxCode(company: SimCompany, detail: Record<string, unknown>): void {
  if (company.settings.tax === 'vat') {
    if (detail.TaxCodeRef === undefined)
      throw new SimFault(faults.businessRule('Make sure all your transactions have a VAT rate before you save.'));
    requireRef(company, 'TaxCode', detail, 'TaxCodeRef');
    return;
  }
  const code = refValue(detail.TaxCodeRef);
  if (code === undefined) detail.TaxCodeRef = { value: 'NON' };
  else if (code !== 'TAX' && code !== 'NON') requireRef(company, 'TaxCode', detail, 'TaxCodeRef');
}

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
    requireRef(company, 'Item', detail, 'ItemRef');
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
    applyLineTaxCode(company, detail);
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
  const tax = { ...asRecord(draft.TxnTaxDetail) };
  const totalTax = money(num(tax.TotalTax) ?? 0);
  tax.TotalTax = totalTax;
  return { lines, totalAmt: money(subtotal - discountTotal + totalTax), tax };
}
