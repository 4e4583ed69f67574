import type { BackfillEntity } from '../../schemas/backfill-command.schema';
import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';

/**
 * What the rest of the product reads from Stripe, as two small ports (STYLE rule 3): `StripeApiClient`, one tenant's
 * account (replay, backfill, and underneath the reader), and `StripeReader`, the consumers' tenant-keyed reads.
 * The adapter is client.ts (transport, rate limit, the one retry policy of retry-policy.ts) and reader.ts; tests and
 * the dev scenario implement the same interfaces.
 */

export type StripeObjectRecord = Record<string, unknown> & { id: string; object: string };

export interface StripeListPage {
  data: StripeObjectRecord[];
  hasMore: boolean;
  /** The id to pass as `startingAfter` for the next page (undefined on an empty page). */
  lastId: string | undefined;
}

export interface ListObjectsOptions {
  /** Unix seconds, inclusive. */
  createdGte?: number;
  /** Unix seconds, exclusive. */
  createdLt?: number;
  startingAfter?: string;
  /** 1..100; default 100 (Stripe's default of 10 would cost ten times the requests). */
  limit?: number;
}

/** One tenant's Stripe account. Failures are classified (errors.ts); a retryable one has been retried already. */
export interface StripeApiClient {
  /** One page of a list, newest first, for callers that checkpoint between pages (backfill). */
  listObjects(entity: BackfillEntity, options?: ListObjectsOptions): Promise<StripeListPage>;
  /** Every object of a list in the range, page after page. */
  iterateObjects(
    entity: BackfillEntity,
    options?: Omit<ListObjectsOptions, 'startingAfter'>,
  ): AsyncIterable<StripeObjectRecord>;
  /** Events created at or after `createdGte` (Stripe keeps 30 days), optionally only the given types (≤ 20). */
  listEvents(options: { createdGte: number; types?: readonly string[] }): AsyncIterable<StripeObjectRecord>;
  /** What an automatic payout paid out. A manual payout fails with Stripe's 400 (PermanentError). */
  listPayoutBalanceTransactions(payoutId: string): Promise<StripeObjectRecord[]>;
  /** `GET /v1/<path>/<id>`: the object, or undefined when Stripe has no such object (404 `resource_missing`). */
  retrieveObject(path: string, id: string): Promise<StripeObjectRecord | undefined>;
  /** The invoice payments of a PaymentIntent (`GET /v1/invoice_payments?payment[payment_intent]=`). */
  listInvoicePaymentsOfIntent(paymentIntentId: string): AsyncIterable<StripeObjectRecord>;
  /** Every page of a sub-list or filtered list the recipes need whole (see StripeListRead). */
  listAll(read: StripeListRead): Promise<StripeObjectRecord[]>;
}

/**
 * The lists a plan may need in full, each one Stripe endpoint (docs.stripe.com/api): an invoice's lines, a credit
 * note's lines, a customer's balance transactions, the credit notes of an invoice. Named rather than free paths so
 * the adapter, the stand-in and the scenario answer the same closed set.
 */
export type StripeListRead =
  | { list: 'invoice_lines'; invoiceId: string }
  | { list: 'credit_note_lines'; creditNoteId: string }
  | { list: 'customer_balance_transactions'; customerId: string }
  | { list: 'credit_notes_of_invoice'; invoiceId: string };

/** The objects a plan may need by id (`GET /v1/<path>/<id>`). */
export const STRIPE_RETRIEVABLE = [
  'charges',
  'invoices',
  'refunds',
  'payment_intents',
  'balance_transactions',
] as const;
export type StripeRetrievable = (typeof STRIPE_RETRIEVABLE)[number];

/** `GET` path and query of a list read, as client.ts sends it and the stand-in serves it. */
export function listReadPath(read: StripeListRead): { path: string; params: Record<string, string> } {
  switch (read.list) {
    case 'invoice_lines':
      return { path: `/v1/invoices/${encodeURIComponent(read.invoiceId)}/lines`, params: {} };
    case 'credit_note_lines':
      return { path: `/v1/credit_notes/${encodeURIComponent(read.creditNoteId)}/lines`, params: {} };
    case 'customer_balance_transactions':
      return { path: `/v1/customers/${encodeURIComponent(read.customerId)}/balance_transactions`, params: {} };
    case 'credit_notes_of_invoice':
      return { path: '/v1/credit_notes', params: { invoice: read.invoiceId } };
  }
}

/** A plan's reference to an object another consumer owns (the consumers' PlanRef has this shape). */
export interface StripeDependencyRef {
  kind: string;
  stripeId: string;
}

/**
 * Reads from Stripe that some plans need (the consumers' enrich stage, shared/consumers/enrich.ts, decides which
 * an event needs): a payout's balance transactions, an object another consumer owns, whole lists and single
 * objects the recipes are handed (shared/accounting/enrichment.ts).
 */
export interface StripeReader {
  listPayoutBalanceTransactions(tenant: TenantSettings, payoutId: string): Promise<unknown[]>;
  /** Every object of the list, all pages. */
  listAll(tenant: TenantSettings, read: StripeListRead): Promise<StripeObjectRecord[]>;
  /** One object by id, or undefined when Stripe has no such object (404 `resource_missing`). */
  retrieve(tenant: TenantSettings, path: StripeRetrievable, id: string): Promise<StripeObjectRecord | undefined>;
  /** A normalized event (source `dependency`) for the object behind a ref, or undefined when Stripe has none. */
  fetchDependency(tenant: TenantSettings, ref: StripeDependencyRef): Promise<NormalizedEvent | undefined>;
  /** A product's name (its QBO item is the item of the same name), or undefined when Stripe has no such product. */
  productName(tenant: TenantSettings, productId: string): Promise<string | undefined>;
  /** The invoice a PaymentIntent pays (an open or paid invoice payment of it), or null when it pays none. */
  invoiceForPaymentIntent(tenant: TenantSettings, paymentIntentId: string): Promise<string | null>;
}
