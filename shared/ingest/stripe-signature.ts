import Stripe from 'stripe';

/** Stripe's own default, and what DESIGN section 7 asks for: a signed timestamp older than 5 minutes is a replay. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * While a tenant rolls its endpoint secret, Stripe signs with the old and the new one (several `v1=` entries) for
 * up to 24 h, and the stored secret may hold both, one per line. Blank lines and surrounding whitespace are
 * dropped: a trailing newline in a secret file must not make every signature fail.
 */
export function parseWebhookSecrets(stored: string | undefined): string[] {
  if (stored === undefined) return [];
  return stored
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

export type SignatureFailure = 'signature_missing' | 'signature_invalid' | 'timestamp_outside_tolerance';

export type SignatureCheck =
  { ok: true; payload: unknown } | { ok: false; reason: SignatureFailure | 'malformed_json' };

/**
 * Verifies `Stripe-Signature` over the raw request bytes with the stripe library (HMAC-SHA256, constant-time
 * compare, every `v1` entry of the header tried) against each secret in turn, then parses the JSON. `nowMs` comes
 * from the caller's clock so the tolerance boundary is testable.
 */
export function verifyStripeSignature(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
  nowMs: number,
): SignatureCheck {
  if (header === undefined || header.trim() === '') return { ok: false, reason: 'signature_missing' };
  for (const secret of secrets) {
    try {
      const payload: unknown = Stripe.webhooks.constructEvent(
        rawBody,
        header,
        secret,
        SIGNATURE_TOLERANCE_SECONDS,
        undefined,
        nowMs,
      );
      return { ok: true, payload };
    } catch (error) {
      if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
        // The library checks the timestamp only after a signature matched, so "stale" means this secret was the
        // right one: another secret cannot make the timestamp younger.
        if (/tolerance/i.test(error.message)) return { ok: false, reason: 'timestamp_outside_tolerance' };
        continue;
      }
      // The signature matched (parsing happens after verification) but the bytes are not JSON we can read.
      return { ok: false, reason: 'malformed_json' };
    }
  }
  return { ok: false, reason: 'signature_invalid' };
}

export interface SignedStripeEvent {
  /** The exact bytes to send as the request body. */
  body: string;
  /** The `Stripe-Signature` header value. */
  signature: string;
}

/**
 * Signs a payload the way Stripe does (`t=<unix seconds>,v1=<hmac>`), with the library's test helper. The
 * benchmark, the demo and the tests drive the webhook function through it. `timestamp` is unix seconds; it
 * defaults to the library's clock.
 */
export function signStripeEvent(
  payload: string | object,
  secret: string,
  options: { timestamp?: number } = {},
): SignedStripeEvent {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload: body,
    secret,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return { body, signature };
}
