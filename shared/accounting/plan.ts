import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { EVENT_CATALOGUE } from '../catalogue/event-catalogue';
import { isHandledEventType } from '../stripe/event-types';
import { isValidTimeZone } from './dates';
import { park, ParkPlan, PlanContext, skip, type Plan } from './operation';
import type { StripeEnrichment } from './enrichment';
import { InvalidStripeObject, type StripeRecord } from './stripe-fields';

/**
 * The accounting core (DESIGN section 6): a normalized Stripe event + tenant settings (+ the payout's balance
 * transactions) → the QBO writes to make. Pure: no I/O, no clock; the executor resolves `$ref`s and posts.
 * Business cases never throw: they skip (nothing to post, on purpose) or park (cannot be right as it stands).
 */
export {
  PARK_REASONS,
  SKIP_REASONS,
  uuidV5,
  qboDocNumber,
  type ParkReason,
  type Plan,
  type PlannedOperation,
  type QboEntityName,
  type SkipReason,
} from './operation';
export { customerDisplayName, suffixedDisplayName } from './customer';
export { currencyExponent, decimalToMinor, minorToDecimal } from './money';
export { localDate, utcDate } from './dates';

export type { StripeEnrichment } from './enrichment';

export interface BuildPlanInput {
  event: NormalizedEvent;
  settings: TenantSettings;
  /**
   * The payout's balance transactions (`GET /v1/balance_transactions?payout=…`, all pages), for every automatic
   * payout's events: payout.paid, payout.reconciliation_completed, payout.failed and payout.canceled.
   */
  balanceTransactions?: readonly unknown[];
  /** Everything else the enrich stage read from Stripe for this event (see enrichment.ts for who needs what). */
  stripe?: StripeEnrichment;
}

export function buildPlan(input: BuildPlanInput): Plan {
  const { event, settings } = input;
  // Section 7: an event type we do not handle is acknowledged and audited as skipped/unhandled_type.
  if (!isHandledEventType(event.type)) return skip('unhandled_type');
  const entry = EVENT_CATALOGUE[event.type];
  // payout_summary books income when the payout lands, so every other recipe would count it twice.
  if (settings.mode === 'payout_summary' && entry.entity !== 'payout') return skip('mode_payout_summary');
  if (!isValidTimeZone(settings.timezone))
    // The detail is a settings key, as for a missing mapping, so the consumer can name it the same way.
    return park('settings_incomplete', 'timezone');
  const context = new PlanContext(event, settings, input.balanceTransactions, input.stripe);
  try {
    // Dispatch through the catalogue, typed over every handled type (STYLE 7): a type without a recipe is no row.
    return entry.recipe(context, event.object as StripeRecord);
  } catch (error) {
    if (error instanceof InvalidStripeObject) return park('invalid_object', error.detail);
    if (error instanceof ParkPlan) return park(error.reason, error.detail);
    throw error;
  }
}
