import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { QboDuplicateError } from '../../../shared/qbo/faults';
import { startHarness } from './harness';
import type { Harness } from './harness';

const fixture = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '../../fixtures/qbo', name), 'utf8')) as Record<string, unknown>;

function keysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.length > 0 ? [keysDeep(value[0])] : [];
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, keysDeep((value as Record<string, unknown>)[k])]),
    );
  return typeof value;
}

describe('QBO simulator: customers', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.simulator.close();
  });

  it('creates a customer with the fields and defaults QBO returns', async () => {
    const request = fixture('customer-create-request.json');
    const created = await h.client.create('Customer', request, { requestId: 'cust-1' });
    const real = (fixture('customer-create-response.json').Customer ?? {}) as Record<string, unknown>;
    expect(Object.keys(created).sort()).toEqual(Object.keys(real).sort());
    expect(created).toMatchObject({ DisplayName: 'Doe5, Jane', SyncToken: '0', Active: true, Balance: 0 });
    expect(created.Id).toMatch(/^\d+$/);
    expect(keysDeep(created.MetaData)).toEqual(keysDeep(real.MetaData));
    expect(await h.client.read('Customer', String(created.Id))).toEqual(created);
  });

  it('finds a customer by DisplayName with an escaped quote, in the real QueryResponse shape', async () => {
    await h.client.create('Customer', { DisplayName: "Amy's Bird Sanctuary" }, { requestId: 'cust-amy' });
    await h.client.create('Customer', { DisplayName: 'Cool Cars' }, { requestId: 'cust-cool' });
    const rows = await h.client.query("select * from Customer where DisplayName = 'Amy\\'s Bird Sanctuary'");
    expect(rows.map((r) => r.DisplayName)).toEqual(["Amy's Bird Sanctuary"]);
    const raw = await fetch(
      `${h.simulator.url}/v3/company/${h.realmId}/query?query=${encodeURIComponent("select * from Customer where DisplayName = 'Cool Cars'")}`,
      { headers: { authorization: `Bearer ${await h.tokens.getAccessToken()}`, accept: 'application/json' } },
    );
    const body = (await raw.json()) as Record<string, unknown>;
    const real = fixture('query-customer-by-displayname-response.json');
    expect(Object.keys(body).sort()).toEqual(Object.keys(real).sort());
    expect(Object.keys(body.QueryResponse as object).sort()).toEqual(Object.keys(real.QueryResponse as object).sort());
  });

  it('a second create with the same DisplayName fails with 6240, which the caller can recognise as "look it up"', async () => {
    await h.client.create('Customer', { DisplayName: 'Doe5, Jane' }, { requestId: 'a' });
    const error = await h.client
      .create('Customer', { DisplayName: 'doe5, jane ' }, { requestId: 'b' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QboDuplicateError);
    expect(error).toMatchObject({ code: 'qbo_6240', failureClass: 'rejected', lookUp: true });
    // A vendor may not take a customer's name either: 6240 spans the name lists.
    await expect(h.client.create('Vendor', { DisplayName: 'Doe5, Jane' }, { requestId: 'c' })).rejects.toMatchObject({
      code: 'qbo_6240',
    });
  });

  it('replays the first response for a repeated requestid instead of creating twice', async () => {
    h.simulator.setRequestIdMode('replay');
    const first = await h.client.create('Customer', { DisplayName: 'Replay Co' }, { requestId: 'same-id' });
    const second = await h.client.create('Customer', { DisplayName: 'Replay Co' }, { requestId: 'same-id' });
    expect(second).toEqual(first);
    expect(h.simulator.entities(h.realmId, 'Customer')).toHaveLength(1);
  });

  it('answers 401 with the real lower-case fault body to an unknown token', async () => {
    const response = await fetch(`${h.simulator.url}/v3/company/${h.realmId}/customer/1`, {
      headers: { authorization: 'Bearer not-a-token', accept: 'application/json' },
    });
    expect(response.status).toBe(401);
    expect(keysDeep(await response.json())).toEqual(keysDeep(fixture('fault-auth-401.json')));
  });
});
