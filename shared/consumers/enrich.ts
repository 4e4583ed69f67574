import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { StripeEnrichment } from '../accounting/enrichment';
import type { StripeReader } from '../stripe/ports';
import { readForEvent } from './enrich-reads';

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
}

/**
 * Stage `enrich`: the reads each event type needs (enrich-reads.ts, one row per type). With no reader wired (tests,
 * tools) the event goes on as Stripe sent it: a payout without its balance transactions and a basil charge without
 * its invoice, which the recipes then park for review.
 */
export async function enrich(
  event: NormalizedEvent,
  tenant: TenantSettings,
  stripe: StripeReader | undefined,
): Promise<Enrichment> {
  if (!stripe) return { event };
  return readForEvent(event, tenant, stripe);
}
