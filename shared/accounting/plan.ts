import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { HANDLED_EVENT_ENTITY, isHandledEventType, type HandledEventType } from '../stripe/event-types';
import { planCreditNoteCreated, planCreditNoteVoided } from './credit-note';
import { planCustomer } from './customer';
import { isValidTimeZone } from './dates';
import { planInvoiceFinalized, planInvoiceVoided } from './invoice';
import { park, PlanContext, skip, type Plan } from './operation';
import { planCharge, planInvoicePaymentPaid, planLegacyInvoicePaid } from './payment';
import { planPayoutFailed, planPayoutPaid } from './payout';
import { planChargeRefunded, planDispute, planRefund } from './refund';
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

type Recipe = (context: PlanContext, object: StripeRecord) => Plan;

/** Typed over every handled event type, so a new type without a recipe is a compile error (STYLE 7). */
const RECIPES: Record<HandledEventType, Recipe> = {
  'customer.created': planCustomer,
  'customer.updated': planCustomer,
  'invoice.finalized': planInvoiceFinalized,
  'invoice.voided': planInvoiceVoided,
  'invoice.paid': planLegacyInvoicePaid,
  // The same money as invoice.paid / invoice_payment.paid: never a second payment (section 6).
  'invoice.payment_succeeded': () => skip('payment_succeeded_not_a_payment'),
  'invoice_payment.paid': planInvoicePaymentPaid,
  'charge.succeeded': planCharge,
  'charge.refunded': planChargeRefunded,
  'refund.created': planRefund,
  'refund.updated': planRefund,
  'charge.dispute.created': planDispute,
  'charge.dispute.closed': planDispute,
  'credit_note.created': planCreditNoteCreated,
  'credit_note.voided': planCreditNoteVoided,
  'payout.paid': planPayoutPaid,
  'payout.failed': planPayoutFailed,
  'payout.reconciliation_completed': planPayoutPaid,
};

export interface BuildPlanInput {
  event: NormalizedEvent;
  settings: TenantSettings;
  /** The payout's balance transactions (`GET /v1/balance_transactions?payout=…`, all pages), for payout events. */
  balanceTransactions?: readonly unknown[];
}

export function buildPlan(input: BuildPlanInput): Plan {
  const { event, settings } = input;
  // Section 7: an event type we do not handle is acknowledged and audited as skipped/unhandled_type.
  if (!isHandledEventType(event.type)) return skip('unhandled_type');
  // payout_summary books income when the payout lands, so every other recipe would count it twice.
  if (settings.mode === 'payout_summary' && HANDLED_EVENT_ENTITY[event.type] !== 'payout')
    return skip('mode_payout_summary');
  if (!isValidTimeZone(settings.timezone))
    // The detail is a settings key, as for a missing mapping, so the consumer can name it the same way.
    return park('settings_incomplete', 'timezone');
  const context = new PlanContext(event, settings, input.balanceTransactions);
  try {
    return RECIPES[event.type](context, event.object as StripeRecord);
  } catch (error) {
    if (error instanceof InvalidStripeObject) return park('invalid_object', error.detail);
    throw error;
  }
}
