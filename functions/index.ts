/**
 * The deployed source's main module: loading it registers every function with functions-framework, and each
 * Cloud Function picks its own by entry point (stripeWebhook, syncCustomer, …, replay, backfill, console). Handlers build
 * their runtime lazily, so loading the others costs nothing but module load.
 */
import './stripe-webhook';
import './sync-customer';
import './sync-invoice';
import './sync-payment';
import './sync-refund';
import './sync-credit-note';
import './sync-payout';
import './replay';
import './backfill';
import './console';
