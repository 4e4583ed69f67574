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
}

/** A plan's reference to an object another consumer owns (the consumers' PlanRef has this shape). */
export interface StripeDependencyRef {
  kind: string;
  stripeId: string;
}

/** Reads from Stripe that some plans need: a payout's balance transactions, an object another consumer owns. */
export interface StripeReader {
  listPayoutBalanceTransactions(tenant: TenantSettings, payoutId: string): Promise<unknown[]>;
  /** A normalized event (source `dependency`) for the object behind a ref, or undefined when Stripe has none. */
  fetchDependency(tenant: TenantSettings, ref: StripeDependencyRef): Promise<NormalizedEvent | undefined>;
  /** A product's name (its QBO item is the item of the same name), or undefined when Stripe has no such product. */
  productName(tenant: TenantSettings, productId: string): Promise<string | undefined>;
  /** The invoice a PaymentIntent pays (an open or paid invoice payment of it), or null when it pays none. */
  invoiceForPaymentIntent(tenant: TenantSettings, paymentIntentId: string): Promise<string | null>;
}
