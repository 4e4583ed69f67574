import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildScenario, type ScenarioEvent } from '../../../dev/scenario/scenario';
import { startLocalStack, type LocalStack } from '../../../dev/local-stack/stack';
import { startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { secretNames } from '../../../shared/secrets/secret-store';
import { deliverStripeEvent, waitFor } from '../../support/stack';

const fixturesDir = join(__dirname, '../../fixtures/stripe');
const STRIPE_KEY = 'sk_test_start_0000000000000000';

/**
 * `stripe-qbo start` passes no Stripe reader (dev/cli/start.ts): the composition builds one from the runtime, as
 * the deployed consumers have, reading each tenant's key from the local secrets and STRIPE_API_BASE. Here the
 * Stripe API is the stand-in, and a payout's deposit lines come from it.
 */
describe('stripe-qbo start: the consumers read Stripe with the tenant key', () => {
  let standIn: StripeStandIn;
  let stack: LocalStack;
  let payout: ScenarioEvent;

  beforeAll(async () => {
    const scenario = buildScenario({ seed: 7, objects: 30, fixturesDir });
    payout = scenario.events.find((event) => event.type === 'payout.paid')!;
    const payoutId = String(payout.data.object.id);
    standIn = await startStripeStandIn({ apiKeys: [STRIPE_KEY], objects: [payout.data.object] });
    standIn.addPayoutTransactions(payoutId, scenario.balanceTransactions.get(payoutId)!);
    const dir = mkdtempSync(join(tmpdir(), 'stripe-qbo-start-'));
    // As dev/cli/start.ts starts it, on free ports and an in-memory store.
    stack = await startLocalStack({
      rootDir: process.cwd(),
      webhookPort: 0,
      duckdbPath: ':memory:',
      topicPrefix: `t${randomUUID().slice(0, 8)}-`,
      writeStackJson: false,
      qboTimeScale: 0.01,
      env: { ...process.env, SECRETS_DIR: join(dir, 'secrets'), LOG_LEVEL: 'error', STRIPE_API_BASE: standIn.url },
    });
    await stack.runtime.secrets.write(secretNames.stripeApiKey('demo'), STRIPE_KEY);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await standIn?.close();
  });

  it("posts an automatic payout as a deposit whose lines are the payout's balance transactions", async () => {
    const payoutId = String(payout.data.object.id);
    expect((await deliverStripeEvent(stack, 'demo', payout)).status).toBe(200);
    const entry = await waitFor(async () => {
      const found = await stack.stores.ledger.get({ tenantId: 'demo', stripeId: payoutId, operation: 'create' });
      return found?.state === 'posted' ? found : undefined;
    }, 'the payout to be posted');
    const deposit = stack.simulator!.entities(stack.tenants[0]!.realmId, 'Deposit').find((d) => d.Id === entry.qboId);
    expect(Math.round(Number(deposit!.TotalAmt) * 100)).toBe(payout.data.object.amount);
    expect(standIn.requests()).toContainEqual(
      expect.objectContaining({
        path: '/v1/balance_transactions',
        query: expect.objectContaining({ payout: payoutId }),
      }),
    );
  });
});
