/**
 * Small readers for raw Stripe objects (`NormalizedEvent.object` is the untyped snapshot). A structurally broken
 * object is not a business case: the readers throw InvalidStripeObject, which buildPlan turns into a parked plan
 * with reason `invalid_object`, so a consumer never loops on it.
 */

export type StripeRecord = Record<string, unknown>;

export class InvalidStripeObject extends Error {
  constructor(readonly detail: string) {
    super(`invalid Stripe object: ${detail}`);
    this.name = 'InvalidStripeObject';
  }
}

export function isRecord(value: unknown): value is StripeRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optString(object: StripeRecord, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function requireString(object: StripeRecord, key: string): string {
  const value = optString(object, key);
  if (value === undefined) throw new InvalidStripeObject(`${String(object.object)}.${key} must be a string`);
  return value;
}

export function optInteger(object: StripeRecord, key: string): number | undefined {
  const value = object[key];
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : undefined;
}

export function requireInteger(object: StripeRecord, key: string): number {
  const value = optInteger(object, key);
  if (value === undefined) throw new InvalidStripeObject(`${String(object.object)}.${key} must be an integer`);
  return value;
}

export function optRecord(object: StripeRecord, key: string): StripeRecord | undefined {
  const value = object[key];
  return isRecord(value) ? value : undefined;
}

/** An expandable field: an id, or the expanded object with its id. */
export function refId(value: unknown): string | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (isRecord(value) && typeof value.id === 'string' && value.id !== '') return value.id;
  return undefined;
}

/** The records of a Stripe list (`{object:'list', data:[…]}`) or of a plain array; anything else is empty. */
export function listRecords(value: unknown): StripeRecord[] {
  const data = isRecord(value) ? value.data : value;
  return Array.isArray(data) ? data.filter(isRecord) : [];
}

/** `currency` upper-cased, as QBO's CurrencyRef and our settings spell it. */
export function requireCurrency(object: StripeRecord): string {
  const currency = requireString(object, 'currency');
  if (!/^[a-zA-Z]{3}$/.test(currency)) throw new InvalidStripeObject(`currency "${currency}" is not an ISO code`);
  return currency.toUpperCase();
}

/** Sum of integer `amount` fields over records; a missing or non-integer amount is a broken object. */
export function sumAmounts(records: readonly StripeRecord[], key = 'amount'): number {
  let total = 0;
  for (const record of records) total += requireInteger(record, key);
  return total;
}
