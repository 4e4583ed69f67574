import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildScenario,
  createScenarioStripeReader,
  type Scenario,
  type ScenarioEvent,
} from '../../../dev/scenario/scenario';
import { runConnectQbo } from '../../../shared/cli/commands/connect-qbo';
import { tenantCommand } from '../../../shared/cli/commands/ops';
import { replayCommand } from '../../../shared/cli/commands/replay';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { secretNames } from '../../../shared/secrets/secret-store';
import { startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

const fixturesDir = join(__dirname, '../../fixtures/stripe');
const TENANT = 'demo';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function withMarker(stack: LocalStack, entity: string, stripeId: string) {
  return stack.simulator!.entities(stack.tenants[0]!.realmId, entity).filter((o) =>
    // A QBO Customer keeps our marker in Notes (it has no PrivateNote).
    String((entity === 'Customer' ? o.Notes : o.PrivateNote) ?? '')
      .split(/\s+/)
      .includes(`stripe:${stripeId}`),
  );
}

async function audited(stack: LocalStack, where: string, what = `an audit row where ${where}`) {
  return waitFor(async () => ((await stack.archiver.count('audit_records', where)) > 0 ? true : undefined), what);
}

describe('a revoked QBO grant parks the tenant until it reconnects, then nothing is lost', () => {
  let standIn: StripeStandIn;
  let stack: LocalStack;
  let scenario: Scenario;
  let events: ScenarioEvent[];
  const out = { stdout: () => undefined, stderr: () => undefined };
  const ops = () => ({ ...stack.runtime, stores: stack.stores, topicPrefix: stack.topicPrefix, env: process.env });

  beforeAll(async () => {
    scenario = buildScenario({ seed: 11, objects: 4, fixturesDir });
    // One customer, its invoice, the invoice's payment. Stripe's events API keeps 30 days, so for replay to list them
    // they happened minutes ago; the objects keep their own `created`.
    const now = Math.floor(Date.now() / 1000);
    events = ['customer.created', 'invoice.finalized', 'invoice_payment.paid'].map((type, index) => ({
      ...scenario.events.find((e) => e.type === type)!,
      created: now - 600 + index * 60,
    }));
    standIn = await startStripeStandIn({ events });
    const dir = mkdtempSync(join(tmpdir(), 'stripe-qbo-reauth-'));
    stack = await startTestStack({
      stripe: createScenarioStripeReader(scenario),
      env: { ...process.env, SECRETS_DIR: join(dir, 'secrets'), LOG_LEVEL: 'warn', STRIPE_API_BASE: standIn.url },
    });
    await stack.runtime.secrets.write(secretNames.stripeApiKey(TENANT), 'sk_test_reauth_0000000000000000');
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await standIn?.close();
  });

  it('parks every event while the grant is revoked, and posts each once after connect-qbo, activate and replay', async () => {
    const realmId = stack.tenants[0]!.realmId;
    const [customer, invoice, payment] = events as [ScenarioEvent, ScenarioEvent, ScenarioEvent];
    const writesBefore = stack.simulator!.stats().writes;

    // Someone disconnects the app on QBO's side: the next request gets 401 and the refresh answers invalid_grant.
    stack.simulator!.injectFault({ kind: 'auth_revoked', realmId });
    expect((await deliverStripeEvent(stack, TENANT, customer)).status).toBe(200);
    await waitFor(
      async () => ((await stack.stores.tenants.get(TENANT))?.status === 'needs_reauth' ? true : undefined),
      'the tenant to need reauth',
    );
    // Events that arrive while the tenant waits for a reconnect do not touch QBO at all.
    expect((await deliverStripeEvent(stack, TENANT, invoice)).status).toBe(200);
    expect((await deliverStripeEvent(stack, TENANT, payment)).status).toBe(200);

    const parked = await waitFor(async () => {
      const items = await stack.stores.reviewQueue.list({ tenantId: TENANT, status: 'open' });
      return items.length === 3 ? items : undefined;
    }, 'three items parked');
    expect(parked.map((item) => item.failureClass)).toEqual(['auth', 'auth', 'auth']);
    for (const event of events)
      await audited(
        stack,
        `"eventId" = '${event.id}' AND "outcome" = 'failed' AND "failureClass" = 'auth'`,
        `failed/auth for ${event.type}`,
      );
    for (const event of [invoice, payment])
      await audited(stack, `"eventId" = '${event.id}' AND "outcome" = 'failed' AND "reason" = 'auth'`);
    expect(stack.simulator!.stats().writes).toBe(writesBefore);
    for (const expected of scenario.expected.slice(0, 3))
      expect(withMarker(stack, expected.qboEntity, expected.stripeId)).toHaveLength(0);
    const parkedForAuth = parked.filter((item) => item.reason === 'auth').length;

    // The operator reconnects: connect-qbo's consent flow (the simulator approves at once), then activate.
    await stack.runtime.secrets.write(
      secretNames.qboOAuthClient(),
      JSON.stringify({
        clientId: 'local-stack',
        clientSecret: 'local-stack',
        redirectUri: `http://localhost:${await freePort()}/callback`,
        oauthBaseUrl: stack.qboBaseUrl,
      }),
    );
    const connected = await runConnectQbo(['--tenant', TENANT], {
      ...out,
      readFile: () => Promise.resolve(''),
      env: {},
      cwd: process.cwd(),
      secrets: stack.runtime.secrets,
      openUrl: async (url) => {
        await fetch(url, { redirect: 'follow' });
      },
      callbackTimeoutMs: 10_000,
    });
    expect(connected).toBe(0);
    expect(await tenantCommand(['activate', TENANT], ops(), out)).toBe(0);
    expect((await stack.stores.tenants.get(TENANT))?.status).toBe('active');

    // Recovery is the product's own: a replay lists the missed events and republishes what was parked for auth.
    expect(await replayCommand(['--tenant', TENANT], ops(), out)).toBe(0);
    await audited(stack, `"reason" = 'replay_summary' AND "tenantId" = '${TENANT}'`);
    const [summary] = await stack.stores.database.all<{ detail: string }>(
      `SELECT detail FROM audit_records WHERE reason = 'replay_summary' AND "tenantId" = '${TENANT}'`,
    );
    // Each event goes out once: the parked ones from the review queue, the rest from Stripe's list.
    expect(JSON.parse(summary!.detail)).toMatchObject({
      republished: 3 - parkedForAuth,
      parked: parkedForAuth,
      failed: 0,
    });

    for (const expected of scenario.expected.slice(0, 3)) {
      const entry = await waitFor(async () => {
        const found = await stack.stores.ledger.get({
          tenantId: TENANT,
          stripeId: expected.stripeId,
          operation: 'create',
        });
        return found?.state === 'posted' ? found : undefined;
      }, `${expected.stripeId} to be posted`);
      const objects = withMarker(stack, expected.qboEntity, expected.stripeId);
      expect(objects).toHaveLength(1);
      expect(objects[0]!.Id).toBe(entry.qboId);
      if (expected.amountMinor !== undefined)
        expect(Math.round(Number(objects[0]!.TotalAmt) * 100)).toBe(expected.amountMinor);
      await audited(stack, `"stripeId" = '${expected.stripeId}' AND "outcome" = 'posted'`);
    }
    const open = await waitFor(async () => {
      const items = await stack.stores.reviewQueue.list({ tenantId: TENANT, status: 'open' });
      return items.length === 0 ? items : undefined;
    }, 'every parked item to be resolved');
    expect(open).toEqual([]);
    for (const item of parked) expect((await stack.stores.reviewQueue.get(item.reviewId))?.status).toBe('resolved');
  });
});
