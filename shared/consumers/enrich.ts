import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { refId } from '../accounting/stripe-fields';
import type { Ledger } from '../stores/ports';
import type { StripeReader } from '../stripe/ports';
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
  /**
   * The customer a document names, as Stripe has it now, when QBO does not have it yet and the document's own
   * snapshot cannot describe it (a credit note carries no customer fields): planning ensures it from this.
   */
  customer?: Record<string, unknown>;
  // Slot for an invoice's full line list: an event's invoice snapshot carries its first lines only (`lines` is a
  // list with `has_more`). When the invoice recipe takes the full list, `enrich` reads the remaining pages here.
}

/**
 * Stage `enrich`. With no reader wired (tests, tools) the event goes on as Stripe sent it: a payout without its
 * balance transactions and a basil charge without its invoice, which the recipes then park for review, and a
 * credit note whose customer is not posted, which waits for sync-customer. `ledger` says what is posted already.
 */
export async function enrich(
  event: NormalizedEvent,
  tenant: TenantSettings,
  stripe: StripeReader | undefined,
  ledger?: Pick<Ledger, 'get'>,
): Promise<Enrichment> {
  if (!stripe) return { event };
  const balanceTransactions = await payoutBalanceTransactions(event, tenant, stripe);
  const snapshot = await withChargeInvoice(event, tenant, stripe);
  const customer = ledger ? await unpostedCustomer(snapshot, tenant, stripe, ledger) : undefined;
  return {
    event: snapshot,
    ...(balanceTransactions ? { balanceTransactions } : {}),
    ...(customer ? { customer } : {}),
  };
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

/**
 * A payout's deposit lines are its balance transactions. Manual payouts have none (Stripe refuses `payout=` for
 * them: they post as a transfer), and a failed payout reverses what was posted, so neither is asked for.
 */
async function payoutBalanceTransactions(
  event: NormalizedEvent,
  tenant: TenantSettings,
  stripe: StripeReader,
): Promise<unknown[] | undefined> {
  const payout = event.object as Record<string, unknown>;
  if (event.entity !== 'payout' || payout.automatic === false || event.type === 'payout.failed') return undefined;
  return stripe.listPayoutBalanceTransactions(tenant, event.objectId);
}

/**
 * Basil+ charges dropped `invoice`, so `planCharge` cannot tell a standalone sale from an invoice payment that
 * `invoice_payment.paid` posts: the invoice payments of the charge's PaymentIntent say which.
 */
async function withChargeInvoice(
  event: NormalizedEvent,
  tenant: TenantSettings,
  stripe: StripeReader,
): Promise<NormalizedEvent> {
  const charge = event.object as Record<string, unknown>;
  if (event.type !== 'charge.succeeded' || 'invoice' in charge) return event;
  const paymentIntentId = refId(charge.payment_intent);
  if (paymentIntentId === undefined) return event;
  const invoice = await stripe.invoiceForPaymentIntent(tenant, paymentIntentId);
  return { ...event, object: { ...event.object, invoice } };
}
