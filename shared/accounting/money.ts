/**
 * Money at the QBO boundary (DESIGN section 6). Stripe amounts are integers in the currency's minor unit; QBO
 * wants decimals. Everything before the boundary is integer arithmetic; this module is the only place that turns
 * minor units into decimal text and back, and it does so on strings, never through a float division.
 */

const ZERO_DECIMAL = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const THREE_DECIMAL = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

/** Digits after the decimal point for a currency (ISO code, any case). */
export function currencyExponent(currency: string): 0 | 2 | 3 {
  const code = currency.toUpperCase();
  if (ZERO_DECIMAL.has(code)) return 0;
  if (THREE_DECIMAL.has(code)) return 3;
  return 2;
}

/** Integer minor units → decimal string with the currency's exponent, e.g. (12345, 'usd') → "123.45". */
export function minorToDecimal(minor: number | bigint, currency: string): string {
  if (typeof minor === 'number' && !Number.isSafeInteger(minor))
    throw new RangeError(`amount ${minor} is not a safe integer of minor units`);
  const value = BigInt(minor);
  const exponent = currencyExponent(currency);
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  if (exponent === 0) return `${negative ? '-' : ''}${digits}`;
  const padded = digits.padStart(exponent + 1, '0');
  const whole = padded.slice(0, padded.length - exponent);
  const fraction = padded.slice(padded.length - exponent);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

/**
 * Decimal string (as QBO returns it: "123.45", "81.0", "100") → integer minor units. Throws on more fraction
 * digits than the currency has, because silently rounding there would hide a penny mismatch.
 */
export function decimalToMinor(decimal: string, currency: string): bigint {
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (match === null) throw new RangeError(`"${decimal}" is not a decimal amount`);
  const [, sign, whole = '0', rawFraction = ''] = match;
  const exponent = currencyExponent(currency);
  const fraction = rawFraction.replace(/0+$/, '');
  if (fraction.length > exponent) throw new RangeError(`"${decimal}" has more than ${exponent} decimals`);
  const minor = BigInt(whole + fraction.padEnd(exponent, '0'));
  return sign === '-' ? -minor : minor;
}

/**
 * The JSON number QBO's request bodies take. Parsing the exact decimal text gives the double nearest to it, which
 * JSON.stringify prints back as that same text, so no precision is lost on the way to QBO.
 */
export function minorToQboAmount(minor: number | bigint, currency: string): number {
  return Number(minorToDecimal(minor, currency));
}

/** Sum of integer minor units, kept exact (throws past the safe-integer range rather than drifting). */
export function sumMinor(values: readonly number[]): number {
  let total = 0;
  for (const value of values) {
    total += value;
    if (!Number.isSafeInteger(total)) throw new RangeError('amount sum left the safe-integer range');
  }
  return total;
}
