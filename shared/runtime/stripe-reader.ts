import Stripe from 'stripe';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { StripeReader } from '../consumers/entity-consumer';
import type { PlanRef } from '../consumers/ref-resolver';
import { normalizeStripeEvent } from '../ingest/normalize';
import { secretNames } from '../secrets/secret-store';
import { STRIPE_API_VERSION } from '../stripe/api-version';
import { AuthError } from '../errors';
import type { Runtime } from './runtime';

/** The event type a fetched object stands for when a consumer asks for it as a dependency. */
const DEPENDENCY_EVENT_TYPE: Record<string, { path: string; type: string }> = {
  customer: { path: 'customers', type: 'customer.created' },
  invoice: { path: 'invoices', type: 'invoice.finalized' },
  charge: { path: 'charges', type: 'charge.succeeded' },
  credit_note: { path: 'credit_notes', type: 'credit_note.created' },
};

export function stripeClientOptions(apiBase: string | undefined): Stripe.StripeConfig {
  const options: Stripe.StripeConfig = { apiVersion: STRIPE_API_VERSION, maxNetworkRetries: 3, timeout: 20_000 };
  if (apiBase) {
    const url = new URL(apiBase);
    options.host = url.hostname;
    options.port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    options.protocol = url.protocol === 'https:' ? 'https' : 'http';
  }
  return options;
}

/**
 * Stripe reads for the consumers, one client per tenant key (pinned API version, the library's own retries on
 * 429/5xx with backoff). A tenant whose key is missing fails as auth: a person must add it.
 */
export function createStripeReader(runtime: Pick<Runtime, 'config' | 'secrets' | 'now'>): StripeReader {
  const clients = new Map<string, Stripe>();
  const clientFor = async (tenant: TenantSettings): Promise<Stripe> => {
    const cached = clients.get(tenant.tenantId);
    if (cached) return cached;
    const key = await runtime.secrets.read(secretNames.stripeApiKey(tenant.tenantId));
    if (!key) throw new AuthError(`no Stripe API key for tenant ${tenant.tenantId}`, { code: 'stripe_key_missing' });
    const client = new Stripe(key, stripeClientOptions(runtime.config.stripeApiBase));
    clients.set(tenant.tenantId, client);
    return client;
  };
  const accountOptions = (tenant: TenantSettings) =>
    tenant.stripe.accountId ? { stripeAccount: tenant.stripe.accountId } : {};

  return {
    async listPayoutBalanceTransactions(tenant, payoutId) {
      const stripe = await clientFor(tenant);
      const all: unknown[] = [];
      for await (const transaction of stripe.balanceTransactions.list(
        { payout: payoutId, limit: 100 },
        accountOptions(tenant),
      ))
        all.push(transaction);
      return all;
    },
    async fetchDependency(tenant, ref: PlanRef) {
      const route = DEPENDENCY_EVENT_TYPE[ref.kind];
      if (!route) return undefined;
      const stripe = await clientFor(tenant);
      const object = (await stripe.rawRequest(
        'GET',
        `/v1/${route.path}/${encodeURIComponent(ref.stripeId)}`,
        {},
        accountOptions(tenant),
      )) as unknown as Record<string, unknown>;
      const now = runtime.now();
      const created = typeof object.created === 'number' ? object.created : Math.floor(now.getTime() / 1000);
      const result = normalizeStripeEvent(
        {
          id: `dep_${ref.kind}_${ref.stripeId}`,
          object: 'event',
          type: route.type,
          created,
          livemode: Boolean(object.livemode),
          ...(tenant.stripe.accountId ? { account: tenant.stripe.accountId } : {}),
          data: { object },
        },
        { tenantId: tenant.tenantId, source: 'dependency', receivedAt: now.toISOString() },
      );
      return result.kind === 'normalized' ? result.event : undefined;
    },
    async productName(tenant, productId) {
      const stripe = await clientFor(tenant);
      try {
        const product = await stripe.products.retrieve(productId, {}, accountOptions(tenant));
        return product.name === '' ? undefined : product.name;
      } catch (error) {
        // A product deleted since the invoice was issued has no name to match: its lines go on defaultItem.
        if (error instanceof Stripe.errors.StripeError && error.code === 'resource_missing') return undefined;
        throw error;
      }
    },
    async invoiceForPaymentIntent(tenant, paymentIntentId) {
      const stripe = await clientFor(tenant);
      // One intent can pay several invoices; any open or paid one makes its charge an invoice payment (open: the
      // charge can land before Stripe marks the invoice payment paid). A canceled one no longer pays its invoice.
      for await (const invoicePayment of stripe.invoicePayments.list(
        { payment: { type: 'payment_intent', payment_intent: paymentIntentId }, limit: 10 },
        accountOptions(tenant),
      )) {
        const invoiceId =
          typeof invoicePayment.invoice === 'string' ? invoicePayment.invoice : invoicePayment.invoice.id;
        if (invoicePayment.status !== 'canceled' && invoiceId) return invoiceId;
      }
      return null;
    },
  };
}
