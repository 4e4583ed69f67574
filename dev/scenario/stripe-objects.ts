import { STRIPE_API_VERSION } from '../../shared/stripe/api-version';

/**
 * Small Stripe objects and event envelopes for scenario histories, in the shapes of the pinned API version
 * (docs.stripe.com/api): only the fields the normalizer, the enrich stage and the recipes read, plus the ids that
 * link them. The generated bulk history (scenario.ts) and the single flows (flows.ts) share them.
 */

export type StripeRecord = Record<string, unknown>;

/** A Stripe event envelope, as a webhook endpoint on the pinned version receives it (ready for signing). */
export function eventEnvelope(id: string, type: string, created: number, object: StripeRecord) {
  return {
    id,
    object: 'event',
    api_version: STRIPE_API_VERSION,
    type,
    created,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object },
  };
}

/**
 * The charge and PaymentIntent behind an invoice payment, as `GET /v1/charges/:id` and `/v1/payment_intents/:id`
 * answer (basil+: the charge names no invoice; its intent's invoice payment does).
 */
export function paymentObjects(spec: {
  chargeId: string;
  intentId: string;
  customerId: string | null;
  amount: number;
  created: number;
  currency?: string;
  captured?: number;
}): StripeRecord[] {
  const currency = spec.currency ?? 'usd';
  const captured = spec.captured ?? spec.amount;
  return [
    {
      id: spec.chargeId,
      object: 'charge',
      amount: spec.amount,
      amount_captured: captured,
      amount_refunded: 0,
      captured: true,
      paid: true,
      status: 'succeeded',
      currency,
      customer: spec.customerId,
      payment_intent: spec.intentId,
      balance_transaction: `txn_${spec.chargeId}`,
      created: spec.created,
      livemode: false,
    },
    {
      id: spec.intentId,
      object: 'payment_intent',
      amount: spec.amount,
      amount_received: captured,
      currency,
      customer: spec.customerId,
      latest_charge: spec.chargeId,
      status: 'succeeded',
      created: spec.created,
      livemode: false,
    },
  ];
}
