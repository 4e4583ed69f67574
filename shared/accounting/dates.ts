/**
 * Dates for QBO's TxnDate (DESIGN section 6): a Stripe unix timestamp is a moment, and the books want the calendar
 * day it was in the tenant's time zone. Payout `arrival_date` is different: Stripe encodes a calendar date as
 * midnight UTC, so converting it to a zone west of UTC would move it to the previous day.
 */

/** Unix seconds → YYYY-MM-DD in the IANA zone. Throws RangeError for an unknown zone. */
export function localDate(unixSeconds: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(new Date(unixSeconds * 1000));
  const part = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}

/** Unix seconds of a Stripe calendar date (midnight UTC) → its UTC YYYY-MM-DD. */
export function utcDate(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

/** True when the zone is one Intl knows; checked once per plan so a bad setting parks instead of throwing. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}
