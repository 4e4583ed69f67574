/**
 * The deployed source's main module: loading it registers every function with functions-framework, and each
 * Cloud Function picks its own by entry point (syncCustomer, …, replay, backfill, console). Handlers build their runtime
 * lazily, so loading the others costs nothing but module load. The public endpoints are not here: they run their
 * own bounded server (functions/stripe-webhook.ts, shared/ingest/public-server.ts).
 */
import './sync-customer';
import './sync-invoice';
import './sync-payment';
import './sync-refund';
import './sync-credit-note';
import './sync-payout';
import './replay';
import './backfill';
import './console';
