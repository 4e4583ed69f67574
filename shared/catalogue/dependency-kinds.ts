import type { HandledEventType } from '../stripe/event-types';

/**
 * What a consumer may ask another consumer for (DESIGN section 2, "one writer per QBO object kind"): a plan's
 * `{"$ref":"<kind>:<stripe id>"}` whose QBO object is not posted yet. Per kind: the Stripe API path that retrieves
 * the object (`GET /v1/<path>/<id>`) and the event type a fetched object stands for, so the owning consumer plans it
 * as it would plan that event. The kinds are the `$ref` prefixes the recipes write (`refTo` lower-cases the QBO
 * entity), so the table reads the same names the consumer parses.
 *
 * The other ref kinds are no dependency: `item` resolves to the QBO item of the product's name; a reversal's target
 * (`deposit`, `transfer`, `journalentry`, `refundreceipt`) that was never posted means there is nothing to reverse;
 * `payment` names the credit-note recipe's own application (undone by its void); `taxrate:<QBO TaxCode id>` is the
 * sales TaxRate of a QBO TaxCode, which the executor reads from QBO. `creditmemo` is no dependency either: a credit
 * note's own plans create it before they apply it, and an invoice that used the customer's credit balance waits for
 * the credit note's own event (Stripe sent it before the invoice) rather than asking for it.
 */
export const DEPENDENCY_KINDS = {
  customer: { path: 'customers', eventType: 'customer.created' },
  // A voided invoice is fetched as finalized too: the void needs the Invoice it voids.
  invoice: { path: 'invoices', eventType: 'invoice.finalized' },
} as const satisfies Record<string, { path: string; eventType: HandledEventType }>;

export type DependencyKind = keyof typeof DEPENDENCY_KINDS;

export function isDependencyKind(kind: string): kind is DependencyKind {
  return Object.prototype.hasOwnProperty.call(DEPENDENCY_KINDS, kind);
}
