import { join } from 'node:path';
import {
  buildScenario,
  createScenarioStripeReader,
  type Scenario,
  type ScenarioEvent,
} from '../../../dev/scenario/scenario';
import type { QboWriter } from '../../../shared/consumers/qbo-port';
import { normalizeStripeEvent } from '../../../shared/ingest/normalize';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { UNVERIFIED_LOCAL_EMULATOR_PUSHES } from '../../../shared/consumers/push-auth';
import { composeConsumer } from '../../../shared/runtime/compose';
import { createQboAccess } from '../../../shared/runtime/qbo-access';
import type { Ledger } from '../../../shared/stores/ports';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

const fixturesDir = join(__dirname, '../../fixtures/stripe');
const TENANT = 'demo';
/** The crashed attempt's lease: long enough that the first redelivery finds it live, short enough for a test. */
const CRASHED_LEASE_MS = 5_000;

/** The instance dying after QBO answered the write and before the ledger commit. */
class ConsumerKilled extends Error {}

function withMarker(stack: LocalStack, entity: string, stripeId: string) {
  return stack.simulator!.entities(stack.tenants[0]!.realmId, entity).filter((o) =>
    // A QBO Customer keeps our marker in Notes (it has no PrivateNote).
    String((entity === 'Customer' ? o.Notes : o.PrivateNote) ?? '')
      .split(/\s+/)
      .includes(`stripe:${stripeId}`),
  );
}

/** The event as the webhook publishes it. */
function normalize(event: ScenarioEvent) {
  const result = normalizeStripeEvent(event, {
    tenantId: TENANT,
    source: 'webhook',
    receivedAt: new Date().toISOString(),
  });
  if (result.kind !== 'normalized') throw new Error(`${event.id} did not normalize`);
  return result.event;
}

/** The Stripe id that owns the event's QBO write (an invoice payment's is its PaymentIntent). */
const ownerOf = (event: ScenarioEvent) => normalize(event).objectId;

async function posted(stack: LocalStack, stripeId: string) {
  return waitFor(async () => {
    const entry = await stack.stores.ledger.get({ tenantId: TENANT, stripeId, operation: 'create' });
    return entry?.state === 'posted' ? entry : undefined;
  }, `${stripeId} to be posted`);
}

async function archived(stack: LocalStack, table: 'audit_records' | 'link_records', where: string) {
  return waitFor(
    async () => ((await stack.archiver.count(table, where)) > 0 ? true : undefined),
    `a ${table} row where ${where}`,
  );
}

/**
 * Another consumer instance that dies between the QBO write and the ledger commit for one Stripe object. Its QBO
 * writes carry a requestid of their own: QBO is reported not to honour requestid reliably, so only the marker probe
 * may stand between the recovery and a second object (the simulator would otherwise replay the first answer).
 */
function startDoomedInstance(stack: LocalStack, scenario: Scenario, doomedStripeId: string) {
  const qboAccess = createQboAccess({
    runtime: stack.runtime,
    baseUrl: stack.qboBaseUrl,
    simulatorUrl: stack.qboBaseUrl,
    timeScale: 0.01,
  });
  const ledger: Ledger = {
    get: (key) => stack.stores.ledger.get(key),
    reserve: (request) => stack.stores.ledger.reserve(request),
    release: (key, owner, outcome) => stack.stores.ledger.release(key, owner, outcome),
    list: (tenantId) => stack.stores.ledger.list(tenantId),
    commit: async (key, owner, result) => {
      if (key.stripeId === doomedStripeId) throw new ConsumerKilled(`killed before committing ${key.stripeId}`);
      return stack.stores.ledger.commit(key, owner, result);
    },
  };
  return (event: ScenarioEvent) => {
    const normalized = normalize(event);
    const consumer = composeConsumer(stack.runtime, normalized.entity, {
      pushAuth: UNVERIFIED_LOCAL_EMULATOR_PUSHES,
      stores: { ...stack.stores, ledger },
      qboFor: async (tenant): Promise<QboWriter> => {
        const client = await qboAccess.clientFor(tenant);
        return {
          create: (entity, body, options) => client.create(entity, body, { requestId: `crashed-${options.requestId}` }),
          read: (entity, id) => client.read(entity, id),
          voidTxn: (entity, target, options) => client.voidTxn(entity, target, options),
          delete: (entity, target, options) => client.delete(entity, target, options),
          query: (sql) => client.query(sql),
        };
      },
      stripe: createScenarioStripeReader(scenario),
      instanceId: 'doomed-instance',
      leaseMs: CRASHED_LEASE_MS,
    });
    return consumer.syncEvent(normalized, { deliveryAttempt: 1 });
  };
}

describe('a consumer killed between the QBO write and the ledger commit', () => {
  let stack: LocalStack;
  let scenario: Scenario;
  /** The n-th customer of the scenario with its first invoice and that invoice's payment. */
  const chain = (n: number) => {
    const customer = scenario.events.filter((e) => e.type === 'customer.created')[n]!;
    const invoice = scenario.events.find(
      (e) => e.type === 'invoice.finalized' && e.data.object.customer === customer.data.object.id,
    )!;
    const payment = scenario.events.find(
      (e) => e.type === 'invoice_payment.paid' && e.data.object.invoice === invoice.data.object.id,
    )!;
    return { customer, invoice, payment };
  };

  beforeAll(async () => {
    scenario = buildScenario({ seed: 13, objects: 8, fixturesDir });
    stack = await startTestStack({ stripe: createScenarioStripeReader(scenario) });
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  // Invoices are found again by DocNumber, payments (no DocNumber) by TxnDate; either must carry the marker.
  it.each([
    { qboEntity: 'Invoice', probe: 'DocNumber', n: 0, crashed: 'invoice' },
    { qboEntity: 'Payment', probe: 'TxnDate', n: 1, crashed: 'payment' },
  ])('a crashed $qboEntity write is found again by $probe and adopted, not posted twice', async (c) => {
    const { customer, invoice, payment } = chain(c.n);
    const [before, event] = c.crashed === 'invoice' ? [[customer], invoice] : [[customer, invoice], payment];
    for (const earlier of before) {
      expect((await deliverStripeEvent(stack, TENANT, earlier)).status).toBe(200);
      await posted(stack, ownerOf(earlier));
    }
    const stripeId = ownerOf(event);
    const expected = scenario.expected.find((x) => x.stripeId === stripeId && x.qboEntity === c.qboEntity)!;
    const writesBefore = stack.simulator!.stats().writes;

    await expect(startDoomedInstance(stack, scenario, stripeId)(event)).rejects.toBeInstanceOf(ConsumerKilled);
    // What the dead instance left: the object in QBO with our marker, the ledger entry pending under its lease.
    expect(withMarker(stack, c.qboEntity, stripeId)).toHaveLength(1);
    const pending = await stack.stores.ledger.get({ tenantId: TENANT, stripeId, operation: 'create' });
    expect(pending).toMatchObject({ state: 'pending', leaseOwner: expect.stringContaining('doomed-instance') });
    expect(pending!.leaseExpiresAt).toBeGreaterThan(Date.now());

    // Pub/Sub redelivers (here: Stripe's retry of the webhook). The live lease sends it back; once it runs out the
    // next delivery takes over, probes QBO and adopts what the dead attempt wrote.
    expect((await deliverStripeEvent(stack, TENANT, event)).status).toBe(200);
    await archived(
      stack,
      'audit_records',
      `"eventId" = '${event.id}' AND "outcome" = 'failed' AND "reason" = 'leased_elsewhere'`,
    );
    const entry = await posted(stack, stripeId);
    const objects = withMarker(stack, c.qboEntity, stripeId);
    expect(objects).toHaveLength(1);
    expect(entry.qboId).toBe(objects[0]!.Id);
    expect(stack.simulator!.stats().writes).toBe(writesBefore + 1);
    expect(Math.round(Number(objects[0]!.TotalAmt) * 100)).toBe(expected.amountMinor);
    await archived(
      stack,
      'audit_records',
      `"stripeId" = '${stripeId}' AND "outcome" = 'posted' AND "reason" = 'recovered' AND "qboId" = '${entry.qboId}'`,
    );
    await archived(stack, 'link_records', `"stripeId" = '${stripeId}' AND "operation" = 'link'`);
    expect(await stack.archiver.count('audit_records', `"stripeId" = '${stripeId}' AND "reason" = 'created'`)).toBe(0);
  });
});
