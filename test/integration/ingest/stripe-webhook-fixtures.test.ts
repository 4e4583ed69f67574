import request from 'supertest';
import { signStripeEvent } from '../../../shared/ingest/stripe-signature';
import { CONNECT_WEBHOOK_SECRET_NAME } from '../../../shared/ingest/webhook-handler';
import { ENTITY_TOPIC } from '../../../shared/messaging/topics';
import { secretNames } from '../../../shared/secrets/secret-store';
import { EVENT_CATALOGUE } from '../../../shared/catalogue/event-catalogue';
import { isHandledEventType } from '../../../shared/stripe/event-types';
import { buildTenantSettings } from '../../support/tenants';
import { createOpenApiResponseChecker } from './openapi-responses';
import { WebhookHarness, eventFixtures } from './support';

const TENANT_SECRET = 'whsec_tenant_acme_test';
const CONNECT_SECRET = 'whsec_connect_platform_test';

/** The objectId (ordering key) each fixture must get: the Stripe id that owns the QBO write. */
const EXPECTED_OBJECT_ID: Record<string, string> = {
  'event-charge.dispute.created.json': 'dp_1MLuxQJDPojXS6LNrukJCBBG',
  'event-charge.refunded.json': 're_3Kl36gJDPojXS6LN0eP4yPDz',
  'event-credit_note.created.json': 'cn_1MxvRqLkdIwHu7ixY0xbUcxk',
  'event-credit_note.voided.json': 'cn_1MxvRqLkdIwHu7ixY0xbUcxk',
  'event-customer.created.json': 'cus_00000000000000',
  'event-customer.updated.json': 'cus_IhGfebO16cMIGN',
  'event-invoice.finalized.json': 'in_1KJdKkJDPojXS6LNSwSWkZSN',
  // Zero-total legacy invoice: no charge or intent, so the invoice id is the key.
  'event-invoice.paid.json': 'in_1KJqKBJDPojXS6LNJbvLUgEy',
  // basil+ (2025-04-30): no charge/payment_intent on the invoice any more.
  'event-invoice.payment_succeeded.json': 'billing_page_permissions--Event.list.2.json',
  'event-invoice.voided.json': 'in_1KJqKBJDPojXS6LNJbvLUgEy',
  'event-invoice_payment.paid.json': 'pi_103Q0w2eZvKYlo2C364X582Z',
  'event-payout.failed.json': 'po_1CgNDoAcSPl6ox0ljXdVYWx3',
  'event-payout.paid.json': 'po_1CdprNLlCJ9CeQRefEuMMLo6',
  'event-refund.created.json': 're_1Nispe2eZvKYlo2Cd31jOCgZ',
  'event-refund.updated.json': 're_1Nispe2eZvKYlo2Cd31jOCgZ',
};

describe('every Stripe event fixture goes through the webhook function', () => {
  const harness = new WebhookHarness();
  const checkAgainstOpenApi = createOpenApiResponseChecker();

  beforeAll(async () => {
    await harness.start();
    await harness.secrets.write(secretNames.stripeWebhookSecret('acme'), TENANT_SECRET);
    await harness.secrets.write(CONNECT_WEBHOOK_SECRET_NAME, CONNECT_SECRET);
    await harness.stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
    // The payout fixtures are live-mode Connect events from two connected accounts.
    for (const [tenantId, accountId] of [
      ['brazil-one', 'acct_1CdjXFAcSPl6ox0l'],
      ['brazil-two', 'acct_1CZ5vkLlCJ9CeQRe'],
    ] as const)
      await harness.stores.tenants.put(
        buildTenantSettings({ tenantId, homeCurrency: 'BRL', stripe: { accountId, livemode: true } }),
      );
  });
  afterAll(() => harness.stop());

  test.each(eventFixtures())('$file', async ({ file, body, event }) => {
    const type = event.type as string;
    const connect = typeof event.account === 'string';
    const signed = signStripeEvent(body, connect ? CONNECT_SECRET : TENANT_SECRET, {
      timestamp: Math.floor(harness.clock.getTime() / 1000),
    });

    const response = await request(harness.server())
      .post(connect ? '/' : '/acme')
      .set('content-type', 'application/json; charset=utf-8')
      .set('stripe-signature', signed.signature)
      .send(signed.body);

    expect(response.status).toBe(200);
    checkAgainstOpenApi(connect ? '/' : '/{tenantId}', response.status, response.body);
    if (!isHandledEventType(type)) {
      // e.g. invoice.updated: acknowledged and audited, never published.
      expect(response.body).toEqual({
        received: true,
        outcome: 'skipped',
        eventId: event.id,
        reason: 'unhandled_type',
      });
      expect(harness.audit.records.at(-1)).toMatchObject({ outcome: 'skipped', reason: 'unhandled_type' });
      return;
    }
    expect(response.body).toEqual({ received: true, outcome: 'published', eventId: event.id });

    const entity = EVENT_CATALOGUE[type].entity;
    const [message, ...extra] = await harness.pull(entity);
    expect(extra).toHaveLength(0);
    expect(message).toBeDefined();
    const data = message!.data;
    expect(harness.validators.normalizedEvent.is(data)).toBe(true);
    expect(data).toMatchObject({ schemaVersion: 1, eventId: event.id, type, entity, source: 'webhook' });
    expect(data.objectId).toBe(EXPECTED_OBJECT_ID[file]);
    expect(data.object).toEqual((event.data as { object: unknown }).object);
    expect(message!.orderingKey).toBe(data.objectId);
    expect(message!.attributes).toEqual({
      tenantId: data.tenantId,
      entity,
      eventType: type,
      source: 'webhook',
    });
    expect(harness.publisher.published.at(-1)?.topic).toBe(`${harness.prefix}${ENTITY_TOPIC[entity]}`);
  });
});
