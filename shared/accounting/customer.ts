import { buildOperation, finishPlan, isBeforeGoLive, skip, type Plan, type PlanContext } from './operation';
import { optInteger, optString, requireString, type StripeRecord } from './stripe-fields';

/**
 * customer → a lean QBO Customer (DESIGN section 6): DisplayName, email, currency. `customer.updated` plans the
 * same create: the ledger turns it into `already_linked` once the customer exists. We do not rename QBO customers
 * from Stripe, because the books' names are the accountant's (and a rename can collide with another name, 6240).
 */
export function planCustomer(context: PlanContext, customer: StripeRecord): Plan {
  const customerId = requireString(customer, 'id');
  if (isBeforeGoLive(context, optInteger(customer, 'created'))) return skip('before_go_live');
  const email = optString(customer, 'email')?.trim();
  const body: Record<string, unknown> = { DisplayName: customerDisplayName(customer) };
  if (email !== undefined && email !== '') body.PrimaryEmailAddr = { Address: email.slice(0, 100) };
  const stripeCurrency = optString(customer, 'currency')?.toUpperCase();
  // In a single-currency company every customer is in the home currency; the invoices park if they are not.
  const currency =
    context.settings.qbo.multicurrency && stripeCurrency !== undefined ? stripeCurrency : context.settings.homeCurrency;
  const operation = buildOperation(context, {
    entity: 'Customer',
    stripeId: customerId,
    stripeObject: 'customer',
    currency,
    body,
  });
  // QBO's Customer has no PrivateNote (a 2010 fault: the XSD gives Customer `Notes`, Transaction `PrivateNote`), so
  // the recovery marker goes in Notes (DESIGN section 5).
  const { PrivateNote: marker, ...rest } = operation.body;
  operation.body = { ...rest, Notes: marker };
  return finishPlan(context, [operation]);
}

/** QBO's DisplayName limit. */
const DISPLAY_NAME_MAX = 500;

/**
 * DisplayName: name, else email, else the Stripe id (section 6). QBO rejects a colon in names (it separates
 * sub-customers in FullyQualifiedName) and control characters, so those become spaces.
 */
export function customerDisplayName(customer: StripeRecord): string {
  const candidates = [optString(customer, 'name'), optString(customer, 'email'), requireString(customer, 'id')];
  for (const candidate of candidates) {
    const cleaned = (candidate ?? '')
      .replace(/[:\p{Cc}]/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (cleaned !== '') return cleaned.slice(0, DISPLAY_NAME_MAX);
  }
  return requireString(customer, 'id');
}

/** The 6240 fallback: the name is taken by a customer that is not ours, so we add the Stripe id. */
export function suffixedDisplayName(displayName: string, stripeCustomerId: string): string {
  const suffix = ` (${stripeCustomerId})`;
  return displayName.slice(0, DISPLAY_NAME_MAX - suffix.length) + suffix;
}

const LEGAL_SUFFIXES = new Set([
  'inc',
  'incorporated',
  'llc',
  'llp',
  'ltd',
  'limited',
  'corp',
  'corporation',
  'co',
  'company',
  'plc',
  'gmbh',
]);

/**
 * Name normalization for matching (section 6): case, accents, punctuation and whitespace folded, `&` read as
 * "and", and legal-form words (Inc, LLC, Ltd…) dropped wherever they stand, so "Acme, Inc." = "ACME inc" = "Acme".
 */
export function normalizeCustomerName(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    // "L.L.C." and "Co." lose their dots before the split so they fold like "llc" and "co".
    .replace(/[.'’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((word) => word !== '' && !LEGAL_SUFFIXES.has(word));
  return words.join(' ');
}

export interface QboCustomerCandidate {
  Id: string;
  DisplayName: string;
  PrimaryEmailAddr?: { Address?: string };
}

export type CustomerMatch =
  | { kind: 'exact'; qboId: string; by: 'email' | 'name' }
  | { kind: 'near'; qboIds: string[]; why: string }
  | { kind: 'none' };

function normalizeEmail(email: string | undefined): string | undefined {
  const trimmed = email?.trim().toLowerCase();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** Levenshtein distance, bounded: we only care whether it is ≤ 2. */
function editDistanceAtMost(a: string, b: string, limit: number): boolean {
  if (Math.abs(a.length - b.length) > limit) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > limit) return false;
    previous = current;
  }
  return (previous[b.length] ?? limit + 1) <= limit;
}

/**
 * Classifies existing QBO customers against a Stripe customer (section 6: exact matches link, near matches go to
 * review). Rules, strongest first:
 * - exactly one candidate with the same email (case-insensitive) → exact by email;
 * - more than one with that email → near (ambiguous);
 * - exactly one with the same normalized name and no conflicting email (either side has none) → exact by name;
 * - same normalized name but a different email, or several such → near;
 * - normalized names within edit distance 2 (names of 6+ characters) or one containing the other → near;
 * - otherwise none.
 */
export function classifyCustomerMatch(
  stripe: { name?: string | null; email?: string | null; id: string },
  candidates: readonly QboCustomerCandidate[],
): CustomerMatch {
  const email = normalizeEmail(stripe.email ?? undefined);
  if (email !== undefined) {
    const byEmail = candidates.filter((c) => normalizeEmail(c.PrimaryEmailAddr?.Address) === email);
    const [only] = byEmail;
    if (byEmail.length === 1 && only !== undefined) return { kind: 'exact', qboId: only.Id, by: 'email' };
    if (byEmail.length > 1)
      return { kind: 'near', qboIds: byEmail.map((c) => c.Id), why: 'several customers share the email' };
  }
  const name = normalizeCustomerName(stripe.name ?? stripe.email ?? '');
  if (name === '') return { kind: 'none' };
  const sameName = candidates.filter((c) => normalizeCustomerName(c.DisplayName) === name);
  const compatible = sameName.filter(
    (c) => email === undefined || normalizeEmail(c.PrimaryEmailAddr?.Address) === undefined,
  );
  const [onlyCompatible] = compatible;
  if (sameName.length === 1 && compatible.length === 1 && onlyCompatible !== undefined)
    return { kind: 'exact', qboId: onlyCompatible.Id, by: 'name' };
  if (sameName.length > 0)
    return {
      kind: 'near',
      qboIds: sameName.map((c) => c.Id),
      why: sameName.length > 1 ? 'several customers share the name' : 'same name, different email',
    };
  const near = candidates.filter((c) => {
    const other = normalizeCustomerName(c.DisplayName);
    if (other === '') return false;
    if (name.length >= 6 && other.length >= 6 && editDistanceAtMost(name, other, 2)) return true;
    return Math.min(name.length, other.length) >= 4 && (name.includes(other) || other.includes(name));
  });
  return near.length > 0 ? { kind: 'near', qboIds: near.map((c) => c.Id), why: 'similar name' } : { kind: 'none' };
}
