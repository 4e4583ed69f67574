import type { SalesDocumentLine, SalesDocumentMoney, TaxEntry } from './sales-money';

/**
 * Shares `value` out in proportion to `weights` (all ≥ 0), as integers that add up to `value` exactly: each share
 * is rounded down, and the units left over go to the largest remainders (ties to the earlier share), so the split
 * is deterministic and a share whose weight is the whole gets the whole.
 */
export function shareOut(value: number, weights: readonly number[]): number[] {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total === 0) return weights.map((_, index) => (index === 0 ? value : 0));
  const magnitude = Math.abs(value);
  const exact = weights.map((weight) => (BigInt(magnitude) * BigInt(weight)) / BigInt(total));
  const remainders = weights.map((weight, index) => ({
    index,
    remainder: (BigInt(magnitude) * BigInt(weight)) % BigInt(total),
  }));
  let left = BigInt(magnitude) - exact.reduce((sum, share) => sum + share, 0n);
  const shares = exact.map(Number);
  remainders.sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1));
  for (const { index } of remainders) {
    if (left === 0n) break;
    shares[index] = (shares[index] ?? 0) + 1;
    left -= 1n;
  }
  return shares.map((share) => share * Math.sign(value || 1));
}

function shareTaxes(taxes: readonly TaxEntry[], weights: readonly number[]): TaxEntry[][] {
  const parts: TaxEntry[][] = weights.map(() => []);
  for (const tax of taxes) {
    const amounts = shareOut(tax.amount, weights);
    const taxable = tax.taxableAmount === undefined ? undefined : shareOut(tax.taxableAmount, weights);
    amounts.forEach((amount, index) =>
      parts[index]?.push({ ...tax, amount, taxableAmount: taxable === undefined ? undefined : taxable[index] }),
    );
  }
  return parts;
}

/**
 * Splits a sales document into portions of the given amounts (they sum to its total), each a document of its own
 * whose lines, discount, shipping and tax add up to exactly its amount: each tax rate, the discount and shipping are
 * shared pro rata, and the lines take the rest pro rata too (a rounding unit lands on a portion's largest line). So a
 * credit note refunded in part and credited in part books its tax in both parts, and the parts' tax adds up to the
 * note's. A portion that is the whole document is the document, lines, quantities and all.
 */
export function splitDocument(money: SalesDocumentMoney, amounts: readonly number[]): SalesDocumentMoney[] {
  if (amounts.length === 1 && amounts[0] === money.total) return [money];
  const weights = amounts.map((amount) => Math.max(amount, 0));
  const taxParts = shareTaxes(money.taxes, weights);
  const discounts = shareOut(money.discount, weights);
  const shippings = shareOut(money.shipping, weights);
  const lineParts = money.lines.map((line) => shareOut(line.amount, weights));
  return amounts.map((amount, portion) => {
    const whole = amount === money.total;
    const taxes = taxParts[portion] ?? [];
    const tax = taxes.reduce((sum, entry) => sum + entry.amount, 0);
    const discount = discounts[portion] ?? 0;
    let shipping = shippings[portion] ?? 0;
    const lines: SalesDocumentLine[] = money.lines.map((line, index) => ({
      ...line,
      amount: lineParts[index]?.[portion] ?? 0,
      quantity: whole ? line.quantity : undefined,
      // A line's own taxes decide its tax code (tax.ts), which the portion keeps.
      taxes: line.taxes,
    }));
    const sum = lines.reduce((total, line) => total + line.amount, 0) - discount + shipping + tax;
    const drift = amount - sum;
    if (drift !== 0) {
      const largest = lines.reduce<SalesDocumentLine | undefined>(
        (best, line) => (best === undefined || Math.abs(line.amount) > Math.abs(best.amount) ? line : best),
        undefined,
      );
      if (largest !== undefined) largest.amount += drift;
      else shipping += drift;
    }
    return {
      lines: lines.filter((line) => line.amount !== 0),
      discount,
      tax,
      taxes,
      shipping,
      shippingTaxes: money.shippingTaxes,
      total: amount,
      linesTruncated: money.linesTruncated,
    };
  });
}
