import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/pipeline', name), 'utf8')) as Record<string, unknown> & {
    data: { object: Record<string, unknown> };
  };

describe('walking skeleton: a Stripe customer.created reaches QBO once', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it('creates one QBO Customer, a posted ledger entry and audit rows, even when Stripe delivers the event twice', async () => {
    const event = fixture('event-customer.created.json');
    const customerId = String(event.data.object.id);
    const realmId = stack.tenants[0]!.realmId;

    const first = await deliverStripeEvent(stack, 'demo', event);
    expect(first.status).toBe(200);
    const entry = await waitFor(async () => {
      const found = await stack.stores.ledger.get({ tenantId: 'demo', stripeId: customerId, operation: 'create' });
      return found?.state === 'posted' ? found : undefined;
    }, 'the customer to be posted');

    const second = await deliverStripeEvent(stack, 'demo', event);
    expect(second.status).toBe(200);
    await waitFor(
      async () => ((await stack.archiver.count('audit_records', `"reason" = 'already_linked'`)) > 0 ? true : undefined),
      'the duplicate delivery to be audited as already_linked',
    );

    const customers = stack
      .simulator!.entities(realmId, 'Customer')
      .filter((c) => String(c.Notes ?? '').includes(`stripe:${customerId}`));
    expect(customers).toHaveLength(1);
    expect(customers[0]!.Id).toBe(entry.qboId);
    await waitFor(
      async () =>
        (await stack.archiver.count('link_records', `"stripeId" = '${customerId}'`)) === 1 ? true : undefined,
      'one link record',
    );
    expect(await stack.archiver.count('audit_records', `"outcome" = 'posted' AND "stripeId" = '${customerId}'`)).toBe(
      1,
    );
  });
});
