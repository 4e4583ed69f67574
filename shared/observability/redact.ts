import { serializeError } from './serialize-error';

/**
 * The logger's safety net (DESIGN section 10: external ids only). Our code logs ids and codes; this catches what
 * is logged by mistake, at any depth: a Stripe object (`billing_details.name`, `customer_email`,
 * `shipping.address`), a QBO entity (`DisplayName`, `BillAddr`), a token response, a header bag. Keys are compared
 * without case, `_` or `-`, so `customer_email`, `customerEmail` and `Customer-Email` are one key.
 */
const SENSITIVE_KEYS = new Set(
  [
    // secrets and tokens
    'access_token',
    'refresh_token',
    'id_token',
    'token',
    'client_secret',
    'secret',
    'password',
    'authorization',
    'cookie',
    'stripe-signature',
    'x-goog-iap-jwt-assertion',
    // Stripe's personal data
    'email',
    'name',
    'phone',
    'address',
    'shipping',
    'billing_details',
    'customer_email',
    'customer_name',
    'customer_phone',
    'customer_address',
    'customer_shipping',
    'receipt_email',
    'line1',
    'line2',
    'city',
    'postal_code',
    // QBO's personal data
    'DisplayName',
    'PrimaryEmailAddr',
    'PrimaryPhone',
    'Mobile',
    'Fax',
    'GivenName',
    'MiddleName',
    'FamilyName',
    'CompanyName',
    'FullyQualifiedName',
    'PrintOnCheckName',
    'BillAddr',
    'ShipAddr',
    'BillEmail',
    'WebAddr',
  ].map(normalizeKey),
);

/**
 * Strings that are secrets or personal data whatever key holds them. Intuit refresh tokens start `AB11`; the QBO
 * simulator's tokens `sim-at-`/`sim-rt-`; Stripe's secrets `whsec_`, `sk_`, `rk_`; Google and Intuit access
 * tokens are JWTs.
 */
const SENSITIVE_VALUES: Array<[RegExp, string]> = [
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, '[email]'],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, '[token]'],
  [/\bBearer\s+\S+/gi, 'Bearer [token]'],
  [/\b(?:whsec|sk_live|sk_test|rk_live|rk_test)_[A-Za-z0-9]+/g, '[secret]'],
  [/\bAB11[A-Za-z0-9]{30,}/g, '[token]'],
  [/\bsim-(?:at|rt)-[A-Za-z0-9_-]+/g, '[token]'],
];

export const CENSOR = '[redacted]';
const MAX_DEPTH = 12;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[_-]/g, '');
}

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEYS.has(normalizeKey(key));
}

export function redactString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of SENSITIVE_VALUES) out = out.replace(pattern, replacement);
  return out;
}

/**
 * A copy of `value` with sensitive keys censored, sensitive strings masked and errors reduced to their codes
 * (serializeError). Cycles and very deep trees end in a marker instead of a stack overflow.
 */
export function redactDeep(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Error) return serializeError(value);
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (value instanceof Date) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((item) => redactDeep(item, depth + 1, seen));
  else {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>))
      copy[key] =
        isSensitiveKey(key) && item !== null && item !== undefined ? CENSOR : redactDeep(item, depth + 1, seen);
    out = copy;
  }
  seen.delete(value);
  return out;
}
