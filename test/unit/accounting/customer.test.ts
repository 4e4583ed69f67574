import { buildPlan, customerDisplayName, suffixedDisplayName } from '../../../shared/accounting/plan';
import { buildEvent, buildSettings, fixture } from './factories';

const settings = buildSettings();
type EventFile = { data: { object: Record<string, unknown> } };

describe('customer → lean QBO Customer', () => {
  it('posts DisplayName, email and the recovery marker from the real customer.updated fixture', () => {
    const customer = fixture<EventFile>('event-customer.updated.json').data.object;
    const [operation] = buildPlan({ event: buildEvent('customer.updated', customer), settings }).operations;
    expect(operation).toMatchObject({
      entity: 'Customer',
      operation: 'create',
      stripeId: 'cus_IhGfebO16cMIGN',
      currency: 'USD',
    });
    expect(operation?.body).toEqual({
      DisplayName: 'Copple',
      PrimaryEmailAddr: { Address: 'billz@supabase.io' },
      Notes: 'stripe:cus_IhGfebO16cMIGN',
    });
  });

  it('plans customer.created and customer.updated as the same ensure-once write', () => {
    const customer = { id: 'cus_1', object: 'customer', name: 'Acme', created: 1748779200 };
    const a = buildPlan({ event: buildEvent('customer.created', customer), settings }).operations[0];
    const b = buildPlan({ event: buildEvent('customer.updated', customer), settings }).operations[0];
    expect(a?.requestId).toBe(b?.requestId);
  });

  it('writes CurrencyRef only for a multicurrency company', () => {
    const customer = { id: 'cus_1', object: 'customer', name: 'Acme', currency: 'eur' };
    const multi = buildSettings({ qbo: { realmId: '1', environment: 'sandbox', multicurrency: true } });
    expect(
      buildPlan({ event: buildEvent('customer.created', customer), settings: multi }).operations[0]?.body.CurrencyRef,
    ).toEqual({ value: 'EUR' });
    expect(
      buildPlan({ event: buildEvent('customer.created', customer), settings }).operations[0]?.body.CurrencyRef,
    ).toBeUndefined();
  });

  it.each([
    [{ id: 'cus_1', object: 'customer', name: 'Acme: West', email: 'a@x.io' }, 'Acme West'],
    [{ id: 'cus_1', object: 'customer', name: '  ', email: 'billing@acme.io' }, 'billing@acme.io'],
    [{ id: 'cus_1', object: 'customer', name: null, email: null }, 'cus_1'],
  ])('DisplayName of %p is %s (name, else email, else id; no colon)', (customer, expected) => {
    expect(customerDisplayName(customer)).toBe(expected);
  });

  it('suffixes the Stripe id when the name is taken by someone else (6240)', () => {
    expect(suffixedDisplayName('Acme', 'cus_1')).toBe('Acme (cus_1)');
    expect(suffixedDisplayName('x'.repeat(600), 'cus_1')).toHaveLength(500);
  });
});
