import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { refId } from '../accounting/stripe-fields';
import type { StripeReader } from '../stripe/ports';

/**
 * What planning sees: the event, plus everything about it that only Stripe's API can tell. The recipes are pure,
 * so every Stripe read a plan needs happens in `enrich`, before planning, where a reader can see it.
 */
export interface Enrichment {
  /** The event as planning sees it: Stripe's snapshot, completed where the snapshot leaves a question open. */
  event: NormalizedEvent;
  /** An automatic payout's balance transactions (`GET /v1/balance_transactions?payout=…`, every page). */
  balanceTransactions?: unknown[];
  // Slot for an invoice's full line list: an event's invoice snapshot carries its first lines only (`lines` is a
  // list with `has_more`). When the invoice recipe takes the full list, `enrich` reads the remaining pages here.
}

/**
 * Stage `enrich`. With no reader wired (tests, tools) the event goes on as Stripe sent it: a payout without its
 * balance transactions and a basil charge without its invoice, which the recipes then park for review.
 */
export async function enrich(
  event: NormalizedEvent,
  tenant: TenantSettings,
  stripe: StripeReader | undefined,
): Promise<Enrichment> {
  if (!stripe) return { event };
  const balanceTransactions = await payoutBalanceTransactions(event, tenant, stripe);
  const snapshot = await withChargeInvoice(event, tenant, stripe);
  return { event: snapshot, ...(balanceTransactions ? { balanceTransactions } : {}) };
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
