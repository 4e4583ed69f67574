import {
  buildPlan,
  classifyCustomerMatch,
  customerDisplayName,
  normalizeCustomerName,
  suffixedDisplayName,
  type QboCustomerCandidate,
} from '../../../shared/accounting/plan';
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

describe('customer name matching', () => {
  it.each([
    ['Acme, Inc.', 'acme'],
    ['ACME   inc', 'acme'],
    ['Acme L.L.C.', 'acme'],
    ['Smith & Sons Ltd', 'smith and sons'],
    ['Café Müller GmbH', 'cafe muller'],
    ["Amy's Bird Sanctuary", 'amys bird sanctuary'],
  ])('normalizes %s to %s', (name, expected) => {
    expect(normalizeCustomerName(name)).toBe(expected);
  });

  const candidates: QboCustomerCandidate[] = [
    { Id: '1', DisplayName: "Amy's Bird Sanctuary", PrimaryEmailAddr: { Address: 'Birds@Intuit.com' } },
    { Id: '2', DisplayName: 'Acme Inc' },
    { Id: '3', DisplayName: 'Globex LLC', PrimaryEmailAddr: { Address: 'ap@globex.com' } },
    { Id: '4', DisplayName: 'Initech' },
    { Id: '5', DisplayName: 'Initech Ltd' },
  ];

  it.each([
    [
      'the same email, any case',
      { id: 'cus_a', name: 'Someone else', email: 'birds@intuit.com' },
      { kind: 'exact', qboId: '1', by: 'email' },
    ],
    [
      'the same normalized name and no email conflict',
      { id: 'cus_b', name: 'ACME, Inc.', email: 'x@acme.io' },
      { kind: 'exact', qboId: '2', by: 'name' },
    ],
    [
      'the same name but a different email',
      { id: 'cus_c', name: 'Globex', email: 'other@globex.com' },
      { kind: 'near', qboIds: ['3'], why: 'same name, different email' },
    ],
    [
      'two customers with that name',
      { id: 'cus_d', name: 'Initech' },
      { kind: 'near', qboIds: ['4', '5'], why: 'several customers share the name' },
    ],
    [
      'a typo away',
      { id: 'cus_e', name: "Amy's Bird Sanctuery" },
      { kind: 'near', qboIds: ['1'], why: 'similar name' },
    ],
    ['nothing alike', { id: 'cus_f', name: 'Umbrella Corp', email: 'u@umbrella.com' }, { kind: 'none' }],
  ])('classifies %s', (_label, stripe, expected) => {
    expect(classifyCustomerMatch(stripe, candidates)).toEqual(expected);
  });
});
