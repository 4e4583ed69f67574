import { isDependencyKind } from '../../shared/catalogue/dependency-kinds';
import { normalizeDependency } from '../../shared/ingest/normalize';
import type { StripeListRead, StripeObjectRecord, StripeReader, StripeRetrievable } from '../../shared/stripe/ports';
import type { Scenario, StripeRecord } from './scenario';

/** The `object` value each retrievable path answers with (`GET /v1/charges/:id` → a `charge`). */
const OBJECT_OF_PATH: Record<StripeRetrievable, string> = {
  charges: 'charge',
  invoices: 'invoice',
  refunds: 'refund',
  payment_intents: 'payment_intent',
  balance_transactions: 'balance_transaction',
};

const copy = (object: StripeRecord): StripeObjectRecord => structuredClone(object) as StripeObjectRecord;

/** Newest first, as Stripe's list endpoints answer. */
const newestFirst = (objects: StripeRecord[]): StripeRecord[] =>
  [...objects].sort((a, b) => Number(b.created ?? 0) - Number(a.created ?? 0));

function embeddedLines(document: StripeRecord | undefined): StripeRecord[] {
  const data = (document?.lines as { data?: unknown } | undefined)?.data;
  return Array.isArray(data) ? (data as StripeRecord[]) : [];
}

/** A list read answered from the scenario: what `GET` of its endpoint would list, all pages. */
function listFromScenario(scenario: Scenario, read: StripeListRead): StripeRecord[] {
  // Scans, not indexes: tests add objects to the scenario after the reader is made.
  const all = [...scenario.objects.values()];
  switch (read.list) {
    case 'invoice_lines':
      return scenario.lines.get(read.invoiceId) ?? embeddedLines(scenario.objects.get(read.invoiceId));
    case 'credit_note_lines':
      return scenario.lines.get(read.creditNoteId) ?? embeddedLines(scenario.objects.get(read.creditNoteId));
    case 'customer_balance_transactions':
      return newestFirst(
        all.filter((o) => o.object === 'customer_balance_transaction' && o.customer === read.customerId),
      );
    case 'credit_notes_of_invoice':
      return newestFirst(all.filter((o) => o.object === 'credit_note' && o.invoice === read.invoiceId));
  }
}

/**
 * The consumers' Stripe reads served from the scenario, as the Stripe API would answer them: the payout's balance
 * transactions, an object another consumer owns (normalized as `shared/stripe/reader.ts` does it), a product's
 * name, the invoice a PaymentIntent pays (from the scenario's invoice payments), objects by id and the lists the
 * enrich stage reads whole.
 */
export function createScenarioStripeReader(scenario: Scenario, now: () => Date = () => new Date()): StripeReader {
  return {
    async listPayoutBalanceTransactions(_tenant, payoutId) {
      return structuredClone(scenario.balanceTransactions.get(payoutId) ?? []);
    },
    async listAll(_tenant, read) {
      return listFromScenario(scenario, read).map(copy);
    },
    async retrieve(_tenant, path, id) {
      const object = scenario.objects.get(id);
      return object?.object === OBJECT_OF_PATH[path] ? copy(object) : undefined;
    },
    async fetchDependency(tenant, ref) {
      // The same dependency kinds and event types as the production reader (shared/catalogue/dependency-kinds.ts);
      // an object of another kind does not normalize, as a wrong answer from Stripe would not.
      if (!isDependencyKind(ref.kind)) return undefined;
      const object = scenario.objects.get(ref.stripeId);
      if (!object) return undefined;
      return normalizeDependency({ kind: ref.kind, stripeId: ref.stripeId }, structuredClone(object), {
        tenantId: tenant.tenantId,
        stripeAccount: tenant.stripe.accountId,
        now: now(),
      });
    },
    async productName(_tenant, productId) {
      const product = scenario.objects.get(productId);
      return product?.object === 'product' && typeof product.name === 'string' ? product.name : undefined;
    },
    async invoiceForPaymentIntent(_tenant, paymentIntentId) {
      for (const object of scenario.objects.values()) {
        if (object.object !== 'invoice_payment' || object.status === 'canceled') continue;
        const payment = object.payment as { payment_intent?: unknown } | undefined;
        if (payment?.payment_intent === paymentIntentId && typeof object.invoice === 'string') return object.invoice;
      }
      return null;
    },
  };
}
