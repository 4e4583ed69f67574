import { buildPlan } from '../../../shared/accounting/plan';
import { createExecutor } from '../../../shared/consumers/execute';
import { buildEvent, buildSettings } from '../accounting/factories';
import { FakeQbo, MemoryLedger, MemorySyncState } from './fakes';

const tenant = buildSettings();
const customerCreate = (id: string, email: string) =>
  buildPlan({
    event: buildEvent('customer.created', { id, object: 'customer', name: `Buyer ${id}`, email, created: 1748779200 }),
    settings: tenant,
  }).operations[0]!;

function setUp() {
  const ledger = new MemoryLedger();
  const executor = createExecutor({
    ledger,
    syncState: new MemorySyncState(),
    instanceId: 'unit',
    now: () => new Date('2026-01-15T12:00:00.000Z'),
  });
  const qbo = new FakeQbo();
  const event = buildEvent('customer.created', { id: 'cus_1', object: 'customer' });
  return { ledger, executor, qbo, context: executor.writeContext(tenant, qbo, event, 3) };
}

describe('execute', () => {
  it('writes once and commits the QBO id; the same write again is already posted', async () => {
    const { ledger, executor, qbo, context } = setUp();
    const operation = customerCreate('cus_1', 'one@example.com');
    const first = await executor.execute(context, operation, operation.body, undefined);
    expect(first).toMatchObject({ kind: 'posted', recovered: false });
    expect(await ledger.get({ tenantId: 'acme', stripeId: 'cus_1', operation: 'create' })).toMatchObject({
      state: 'posted',
      qboId: qbo.entities('Customer')[0]!.Id,
    });
    expect(await executor.execute(context, operation, operation.body, undefined)).toMatchObject({
      kind: 'already_posted',
    });
    expect(qbo.entities('Customer')).toHaveLength(1);
  });

  it('a second Stripe customer with the same email becomes the QBO customer the first one created', async () => {
    const { executor, qbo, context } = setUp();
    const first = customerCreate('cus_1', 'shared@example.com');
    const second = customerCreate('cus_2', 'Shared@Example.com');
    await executor.execute(context, first, first.body, undefined);
    const linked = await executor.execute(context, second, second.body, undefined);
    expect(linked).toMatchObject({ kind: 'posted', recovered: true, qbo: { Id: qbo.entities('Customer')[0]!.Id } });
    expect(qbo.entities('Customer')).toHaveLength(1);
  });

  it('leases per delivery: the lease owner names the instance, the event and the attempt', () => {
    const { context } = setUp();
    expect(context.leaseOwner).toMatch(/^unit:evt_cus_1:3:[0-9a-f]{8}$/);
    expect(context).toMatchObject({ tenantId: 'acme', realmId: tenant.qbo.realmId });
  });
});
