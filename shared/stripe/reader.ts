import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { DEPENDENCY_KINDS, isDependencyKind } from '../catalogue/dependency-kinds';
import { normalizeDependency } from '../ingest/normalize';
import type { StripeApiClient, StripeReader } from './ports';

/**
 * The consumers' Stripe reads over the tenant's API client (client.ts: one client per tenant key, the pinned API
 * version, the one retry policy with the consumers' short budget). A tenant whose key is missing fails as auth.
 */
export function createTenantStripeReader(props: {
  clientFor(tenant: TenantSettings): Promise<StripeApiClient>;
  now: () => Date;
}): StripeReader {
  return {
    async listPayoutBalanceTransactions(tenant, payoutId) {
      return (await props.clientFor(tenant)).listPayoutBalanceTransactions(payoutId);
    },
    async listAll(tenant, read) {
      return (await props.clientFor(tenant)).listAll(read);
    },
    async retrieve(tenant, path, id) {
      return (await props.clientFor(tenant)).retrieveObject(path, id);
    },
    async fetchDependency(tenant, ref) {
      // Only the kinds of dependency-kinds.ts stand for an event a consumer can plan; other refs have no fetch.
      if (!isDependencyKind(ref.kind)) return undefined;
      const client = await props.clientFor(tenant);
      const object = await client.retrieveObject(DEPENDENCY_KINDS[ref.kind].path, ref.stripeId);
      if (object === undefined) return undefined;
      return normalizeDependency({ kind: ref.kind, stripeId: ref.stripeId }, object, {
        tenantId: tenant.tenantId,
        stripeAccount: tenant.stripe.accountId,
        now: props.now(),
      });
    },
    async productName(tenant, productId) {
      // A product deleted since the invoice was issued has no name to match: its lines go on defaultItem.
      const product = await (await props.clientFor(tenant)).retrieveObject('products', productId);
      return typeof product?.name === 'string' && product.name !== '' ? product.name : undefined;
    },
    async invoiceForPaymentIntent(tenant, paymentIntentId) {
      const client = await props.clientFor(tenant);
      // One intent can pay several invoices; any open or paid one makes its charge an invoice payment (open: the
      // charge can land before Stripe marks the invoice payment paid). A canceled one no longer pays its invoice.
      for await (const invoicePayment of client.listInvoicePaymentsOfIntent(paymentIntentId)) {
        const invoice = invoicePayment.invoice;
        const invoiceId = typeof invoice === 'string' ? invoice : (invoice as { id?: unknown } | null | undefined)?.id;
        if (invoicePayment.status !== 'canceled' && typeof invoiceId === 'string' && invoiceId !== '') return invoiceId;
      }
      return null;
    },
  };
}
