import Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../../../shared/stripe/api-version';
import { parseWebhookSecrets, signStripeEvent, verifyStripeSignature } from '../../../shared/ingest/stripe-signature';

const now = Date.UTC(2026, 0, 15, 12);
const t = Math.floor(now / 1000);
const body = JSON.stringify({ id: 'evt_1', object: 'event' });

describe('Stripe signatures', () => {
  test('a secret file with a trailing newline and two secrets gives both, trimmed', () => {
    expect(parseWebhookSecrets('whsec_a\r\n  whsec_b \n\n')).toEqual(['whsec_a', 'whsec_b']);
    expect(parseWebhookSecrets(undefined)).toEqual([]);
  });

  test('what signStripeEvent signs, verifyStripeSignature accepts', () => {
    const signed = signStripeEvent({ id: 'evt_1', object: 'event' }, 'whsec_a', { timestamp: t });
    expect(signed.body).toBe(body);
    expect(signed.signature).toMatch(new RegExp(`^t=${t},v1=[0-9a-f]{64}$`));
    expect(verifyStripeSignature(Buffer.from(signed.body), signed.signature, ['whsec_b', 'whsec_a'], now)).toEqual({
      ok: true,
      payload: { id: 'evt_1', object: 'event' },
    });
  });

  test.each([
    ['exactly 300 s old', 300, true],
    ['301 s old', 301, false],
  ])('a signature %s → accepted: %s', (_label, age, accepted) => {
    const signed = signStripeEvent(body, 'whsec_a', { timestamp: t - age });
    const result = verifyStripeSignature(Buffer.from(body), signed.signature, ['whsec_a'], now);
    expect(result.ok).toBe(accepted);
    if (!result.ok) expect(result.reason).toBe('timestamp_outside_tolerance');
  });

  test('no secret, no header, or the wrong secret are told apart', () => {
    const signed = signStripeEvent(body, 'whsec_a', { timestamp: t });
    expect(verifyStripeSignature(Buffer.from(body), undefined, ['whsec_a'], now)).toEqual({
      ok: false,
      reason: 'signature_missing',
    });
    expect(verifyStripeSignature(Buffer.from(body), signed.signature, [], now)).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
    expect(verifyStripeSignature(Buffer.from(body), signed.signature, ['whsec_z'], now)).toEqual({
      ok: false,
      reason: 'signature_invalid',
    });
  });
});

test('the pinned API version is the one the installed stripe library is generated for', () => {
  expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
});
