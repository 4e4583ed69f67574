import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { StripeEnrichment } from '../accounting/enrichment';
import { refId } from '../accounting/stripe-fields';
import type { Ledger } from '../stores/ports';
import type { StripeReader } from '../stripe/ports';
import { readForEvent } from './enrich-reads';
import { snapshotDescribesCustomer } from './plan';

/**
 * What planning sees: the event, plus everything about it that only Stripe's API can tell. The recipes are pure,
 * so every Stripe read a plan needs happens in `enrich`, before planning, where a reader can see it.
 */
export interface Enrichment {
  /** The event as planning sees it: Stripe's snapshot, completed where the snapshot leaves a question open. */
  event: NormalizedEvent;
  /** An automatic payout's balance transactions (`GET /v1/balance_transactions?payout=…`, every page). */
  balanceTransactions?: unknown[];
  /** The rest of what the recipes are handed from Stripe (lines past the first page, settlements, credit notes …). */
  stripe?: StripeEnrichment;
  /**
   * The customer a document names, as Stripe has it now, when QBO does not have it yet and the document's own
   * snapshot cannot describe it (a credit note carries no customer fields): planning ensures it from this.
   */
  customer?: Record<string, unknown>;
}

/**
 * Stage `enrich`: the reads each event type needs (enrich-reads.ts, one row per type), and the customer of a
 * document whose snapshot cannot describe it. With no reader wired (tests, tools) the event goes on as Stripe sent
 * it: a payout without its balance transactions and a basil charge without its invoice, which the recipes then park
 * for review, and a credit note whose customer is not posted, which waits for sync-customer. `ledger` says what is
 * posted already.
 */
export async function enrich(
  event: NormalizedEvent,
  tenant: TenantSettings,
  stripe: StripeReader | undefined,
  ledger?: Pick<Ledger, 'get'>,
): Promise<Enrichment> {
  if (!stripe) return { event };
  const reads = await readForEvent(event, tenant, stripe);
  const customer = ledger ? await unpostedCustomer(reads.event, tenant, stripe, ledger) : undefined;
  return { ...reads, ...(customer ? { customer } : {}) };
}

/**
 * A document whose customer QBO does not have yet writes it itself, through the same write protocol, instead of
 * waiting for sync-customer's backlog (DESIGN section 2: any consumer may ensure a Customer). One Stripe read is
 * cheaper than a wait behind QBO's throttle: a post-payment credit note used to wait a median 86 s for it.
 */
async function unpostedCustomer(
  event: NormalizedEvent,
  tenant: TenantSettings,
  stripe: StripeReader,
  ledger: Pick<Ledger, 'get'>,
): Promise<Record<string, unknown> | undefined> {
  const object = event.object as Record<string, unknown>;
  const customerId = refId(object.customer);
  if (customerId === undefined || event.entity === 'customer' || snapshotDescribesCustomer(object)) return undefined;
  const entry = await ledger.get({ tenantId: tenant.tenantId, stripeId: customerId, operation: 'create' });
  if (entry?.state === 'posted') return undefined;
  const fetched = await stripe.fetchDependency(tenant, { kind: 'customer', stripeId: customerId });
  return fetched?.object as Record<string, unknown> | undefined;
}
