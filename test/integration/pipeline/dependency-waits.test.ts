import { UNVERIFIED_LOCAL_EMULATOR_PUSHES } from '../../../shared/consumers/push-auth';
import { join } from 'node:path';
import { buildScenario, createScenarioStripeReader, type ScenarioEvent } from '../../../dev/scenario/scenario';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { buildStripeObject, startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { normalizeStripeEvent } from '../../../shared/ingest/normalize';
import { ENTITY_CONSUMER, type Entity } from '../../../shared/messaging/topics';
import { runReplay } from '../../../shared/replay/replay';
import { composeConsumer } from '../../../shared/runtime/compose';
import { createQboAccess } from '../../../shared/runtime/qbo-access';
import { secretNames } from '../../../shared/secrets/secret-store';
import type { WaitList } from '../../../shared/stores/ports';
import { createStripeClientFactory } from '../../../shared/stripe/client';
import type { StripeReader } from '../../../shared/stripe/ports';
import { MemorySecretStore, silentLogger, TEST_STRIPE_KEY } from '../replay/support';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

const fixturesDir = join(__dirname, '../../fixtures/stripe');
const TENANT = 'demo';
/** Pub/Sub's minimum: locally (about one redelivery a second) a message that keeps failing dead-letters in ~5 s. */
const MAX_DELIVERY_ATTEMPTS = 5;
/** How long the owners' backlog holds the dependencies: well past what five attempts, or ten, would last. */
const BACKLOG_MS = 15_000;

class ConsumerKilled extends Error {}

function normalize(event: ScenarioEvent) {
  const result = normalizeStripeEvent(event, {
    tenantId: TENANT,
    source: 'webhook',
    receivedAt: new Date().toISOString(),
  });
  if (result.kind !== 'normalized') throw new Error(`${event.id} did not normalize`);
  return result.event;
}

const quote = (text: string) => `'${text.replace(/'/g, "''")}'`;

describe('dependency waits on the local stack', () => {
  let stack: LocalStack;
  const scenario = buildScenario({ seed: 29, objects: 40, fixturesDir });
  /** Whether the consumers can read Stripe: off, a document cannot fetch its customer nor ask for its invoice. */
  let stripeOnline = false;
  const scenarioReader = createScenarioStripeReader(scenario);
  const reader: StripeReader = {
    ...scenarioReader,
    fetchDependency: (tenant, ref) =>
      stripeOnline ? scenarioReader.fetchDependency(tenant, ref) : Promise.resolve(undefined),
  };

  /** The n-th unit of the scenario: a customer, its invoice, the invoice's payment, and a credit note or refund. */
  const unit = (n: number) => {
    const customer = scenario.events.filter((e) => e.type === 'customer.created')[n]!;
    const customerId = String(customer.data.object.id);
    const ofCustomer = (type: string) =>
      scenario.events.find((e) => e.type === type && e.data.object.customer === customerId);
    const invoice = ofCustomer('invoice.finalized')!;
    const payment = scenario.events.find(
      (e) => e.type === 'invoice_payment.paid' && e.data.object.invoice === invoice.data.object.id,
    )!;
    return { customer, invoice, payment, creditNote: ofCustomer('credit_note.created') };
  };

  const subscription = (entity: Entity) =>
    stack.runtime.pubsub.subscription(`${stack.topicPrefix}${ENTITY_CONSUMER[entity]}`);
  /** The owner's subscription stops pushing: what it receives piles up, as behind a throttled backlog. */
  const pause = (entity: Entity) => subscription(entity).modifyPushConfig({});
  const resume = (entity: Entity) =>
    subscription(entity).modifyPushConfig({ pushEndpoint: stack.urls[ENTITY_CONSUMER[entity]]! });

  const ledgerEntry = (stripeId: string) =>
    stack.stores.ledger.get({ tenantId: TENANT, stripeId, operation: 'create' });
  const posted = (stripeId: string, timeoutMs = 60_000) =>
    waitFor(
      async () => ((await ledgerEntry(stripeId))?.state === 'posted' ? true : undefined),
      `${stripeId} to be posted`,
      timeoutMs,
    );
  const outcomes = (eventId: string) =>
    stack.stores.database.all<{ outcome: string; reason: string }>(
      `SELECT "outcome", "reason" FROM audit_records WHERE "eventId" = ${quote(eventId)} ORDER BY "recordedAt"`,
    );
  const auditedWaiting = (eventId: string) =>
    waitFor(
      async () => ((await outcomes(eventId)).some((row) => row.outcome === 'waiting') ? true : undefined),
      `${eventId} to be audited waiting`,
    );
  const withMarker = (entity: string, stripeId: string) =>
    stack.simulator!.entities(stack.tenants[0]!.realmId, entity).filter((o) =>
      String((entity === 'Customer' ? o.Notes : o.PrivateNote) ?? '')
        .split(/\s+/)
        .includes(`stripe:${stripeId}`),
    );
  const deadLetters = async () => stack.archiver.count('dead_letters');
  const deliver = async (event: ScenarioEvent) =>
    expect((await deliverStripeEvent(stack, TENANT, event)).status).toBe(200);

  beforeAll(async () => {
    stack = await startTestStack({ stripe: reader, maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });
  beforeEach(() => {
    stripeOnline = false;
  });

  it('a credit note and a payment whose customer and invoice sit behind a backlog longer than the delivery budget land once: waiting, then posted', async () => {
    const { customer, invoice, payment, creditNote } = unit(0);
    expect(creditNote).toBeDefined();
    await pause('customer');
    await pause('invoice');
    await deliver(customer);
    await deliver(invoice);
    await deliver(payment);
    await deliver(creditNote!);
    await auditedWaiting(payment.id);
    await auditedWaiting(creditNote!.id);
    // Five attempts would have been spent (and the messages dead-lettered) in about five seconds.
    await new Promise((resolve) => setTimeout(resolve, BACKLOG_MS));
    const paymentId = normalize(payment).objectId;
    const creditNoteId = String(creditNote!.data.object.id);
    expect(await ledgerEntry(paymentId)).toBeUndefined();
    expect(await ledgerEntry(creditNoteId)).toBeUndefined();
    expect((await stack.stores.waits.list(TENANT)).map((wait) => [wait.dependency, wait.eventId]).sort()).toEqual(
      [
        [`customer:${String(customer.data.object.id)}`, creditNote!.id],
        [`invoice:${String(invoice.data.object.id)}`, payment.id],
      ].sort(),
    );

    await resume('customer');
    await resume('invoice');
    await posted(paymentId);
    await posted(creditNoteId);
    expect(withMarker('Payment', paymentId)).toHaveLength(1);
    expect(withMarker('CreditMemo', creditNoteId)).toHaveLength(1);
    expect(withMarker('Invoice', String(invoice.data.object.id))).toHaveLength(1);
    expect(withMarker('Customer', String(customer.data.object.id))).toHaveLength(1);
    for (const event of [payment, creditNote!]) {
      const rows = await waitFor(async () => {
        const found = await outcomes(event.id);
        return found.some((row) => row.outcome === 'posted') ? found : undefined;
      }, `${event.id}'s posted row`);
      expect(rows.map((row) => `${row.outcome}/${row.reason}`)).toEqual([
        'waiting/dependency_pending',
        'posted/created',
      ]);
    }
    expect(await stack.stores.waits.list(TENANT)).toEqual([]);
    expect(await deadLetters()).toBe(0);
  }, 120_000);

  it('with Stripe to ask, a credit note writes its customer itself and a payment asks for its invoice once, into the backlog', async () => {
    stripeOnline = true;
    const { customer, invoice, payment, creditNote } = unit(2);
    expect(creditNote).toBeDefined();
    const invoiceId = String(invoice.data.object.id);
    const creditNoteId = String(creditNote!.data.object.id);
    await pause('customer');
    await pause('invoice');
    await deliver(customer);
    await deliver(invoice);
    await deliver(creditNote!);
    // Stripe retries a webhook it did not hear back from: the same wait, not a second request.
    await deliver(payment);
    await deliver(payment);
    await posted(creditNoteId);
    expect(await outcomes(creditNote!.id)).not.toContainEqual(expect.objectContaining({ outcome: 'waiting' }));
    expect(withMarker('Customer', String(customer.data.object.id))).toHaveLength(1);
    await auditedWaiting(payment.id);

    await resume('customer');
    await resume('invoice');
    await posted(normalize(payment).objectId);
    expect(withMarker('Payment', normalize(payment).objectId)).toHaveLength(1);
    expect(withMarker('Customer', String(customer.data.object.id))).toHaveLength(1);
    const requests = await stack.archiver.count(
      'events_archive',
      `"source" = 'dependency' AND "objectId" = ${quote(invoiceId)}`,
    );
    expect(requests).toBe(1);
    expect(await deadLetters()).toBe(0);
  }, 120_000);

  describe('an owner that dies between its commit and republishing its waiters', () => {
    let standIn: StripeStandIn;
    beforeAll(async () => {
      standIn = await startStripeStandIn({
        apiKeys: [TEST_STRIPE_KEY],
        objects: [buildStripeObject('customer', { id: 'cus_unrelated', created: 1 })],
      });
    });
    afterAll(async () => {
      await standIn?.close();
    });

    it('leaves its waiters in the wait-list, and the replay sweep republishes them', async () => {
      const { customer, invoice, payment } = unit(3);
      const invoiceId = String(invoice.data.object.id);
      const paymentId = normalize(payment).objectId;
      await deliver(customer);
      await posted(String(customer.data.object.id));
      await deliver(payment);
      await auditedWaiting(payment.id);

      // sync-invoice on another instance: the invoice is committed, then the instance dies before its waiters go out.
      const waits: WaitList = {
        ...stack.stores.waits,
        add: (wait, now) => stack.stores.waits.add(wait, now),
        setRequested: (tenantId, dependency, at) => stack.stores.waits.setRequested(tenantId, dependency, at),
        remove: (tenantId, dependency, ids) => stack.stores.waits.remove(tenantId, dependency, ids),
        list: (tenantId) => stack.stores.waits.list(tenantId),
        waiters: async (tenantId, dependency) => {
          if (dependency === `invoice:${invoiceId}`) throw new ConsumerKilled('killed after the commit');
          return stack.stores.waits.waiters(tenantId, dependency);
        },
      };
      const qboAccess = createQboAccess({
        runtime: stack.runtime,
        baseUrl: stack.qboBaseUrl,
        simulatorUrl: stack.qboBaseUrl,
        timeScale: 0.01,
      });
      const doomed = composeConsumer(stack.runtime, 'invoice', {
        stores: { ...stack.stores, waits },
        qboAccess,
        stripe: null,
        instanceId: 'doomed-instance',
        pushAuth: UNVERIFIED_LOCAL_EMULATOR_PUSHES,
      });
      await expect(doomed.syncEvent(normalize(invoice), { deliveryAttempt: 1 })).rejects.toBeInstanceOf(ConsumerKilled);
      expect((await ledgerEntry(invoiceId))?.state).toBe('posted');
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await ledgerEntry(paymentId)).toBeUndefined();
      expect((await stack.stores.waits.list(TENANT)).map((wait) => wait.eventId)).toEqual([payment.id]);

      const secrets = new MemorySecretStore();
      secrets.values.set(secretNames.stripeApiKey(TENANT), TEST_STRIPE_KEY);
      const stripe = createStripeClientFactory({ secrets, apiBase: standIn.url, logger: silentLogger });
      await runReplay(
        {
          functionName: 'replay',
          tenants: stack.stores.tenants,
          ledger: stack.stores.ledger,
          syncState: stack.stores.syncState,
          reviewQueue: stack.stores.reviewQueue,
          waitList: stack.stores.waits,
          publisher: stack.runtime.publisher,
          audit: stack.runtime.audit,
          validators: stack.runtime.validators,
          stripeFor: (tenant) => stripe.clientFor(tenant),
          logger: silentLogger,
          topicPrefix: stack.topicPrefix,
          now: () => new Date(),
        },
        { schemaVersion: 1, tenantId: TENANT, requestedAt: new Date().toISOString(), requestedBy: 'test' },
      );
      await posted(paymentId);
      expect(withMarker('Payment', paymentId)).toHaveLength(1);
      expect(withMarker('Invoice', invoiceId)).toHaveLength(1);
      expect(await stack.stores.waits.list(TENANT)).toEqual([]);
      const rows = await waitFor(async () => {
        const found = await outcomes(payment.id);
        return found.some((row) => row.outcome === 'posted') ? found : undefined;
      }, `${payment.id}'s posted row`);
      expect(rows.map((row) => row.outcome)).toEqual(['waiting', 'posted']);
    }, 120_000);
  });

  it('a real failure still dead-letters after the delivery budget, and locally the dead letter writes its audit row', async () => {
    const { customer, invoice } = unit(4);
    await deliver(customer);
    await posted(String(customer.data.object.id));
    stack.simulator!.injectFault({ kind: '5xx', entity: 'Invoice', probability: 1 });
    try {
      await deliver(invoice);
      const row = await waitFor(
        async () =>
          (
            await stack.stores.database.all<{ reason: string; function: string; stripeId: string }>(
              `SELECT "reason", "function", "stripeId" FROM audit_records
               WHERE "eventId" = ${quote(invoice.id)} AND "outcome" = 'dead_lettered'`,
            )
          )[0],
        `${invoice.id} to be audited dead_lettered`,
        90_000,
      );
      const failed = await outcomes(invoice.id);
      expect(row).toEqual({
        reason: failed.filter((r) => r.outcome === 'failed').at(-1)!.reason,
        function: 'sync-invoice',
        stripeId: String(invoice.data.object.id),
      });
      expect(await stack.archiver.count('dead_letters', `"eventId" = ${quote(invoice.id)}`)).toBe(1);
    } finally {
      stack.simulator!.clearFaults();
    }
  }, 120_000);
});
