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
