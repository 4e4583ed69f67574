import type Stripe from 'stripe';

/**
 * The one Stripe API version this project speaks (DESIGN section 6). Every Stripe client we construct passes it as
 * `apiVersion`, and tenants' webhook endpoints should be created with it, so objects fetched by replay/backfill have
 * the same shape as the webhook events a tenant receives.
 *
 * It is the version the installed `stripe` package (v23) is generated for: `2026-10-28.endive`, a basil+ version
 * (invoice payments live in `invoice_payment`, taxes in `total_taxes`, no `invoice.charge`). The type is tied to
 * the package's own constant, so upgrading `stripe` to a package built for another version fails to compile until
 * someone reads the changelog and moves this pin on purpose.
 *
 * Events from older endpoints still arrive in their own (legacy) shape: the normalizer accepts both, so the pin is
 * about what we *request*, not about what we can *read*.
 */
export const STRIPE_API_VERSION: typeof Stripe.API_VERSION = '2026-10-28.endive';

/** The first API version with the basil shapes (`invoice_payment`, `total_taxes`, no `invoice.charge`). */
export const STRIPE_BASIL_API_VERSION = '2025-03-31.basil';
