import { CustomerDirectory } from '../../../shared/consumers/customer-directory';
import { customerMatcher, queryLookup, type CustomerLookup } from '../../../shared/consumers/customer-matching';
import type { QboWriter } from '../../../shared/consumers/qbo-port';
import { startHarness, type Harness } from './harness';

/**
 * DESIGN section 6's customer rules against the simulator through the real QBO client, once through QBO queries
 * and once through an instance's customer directory: both must decide alike, and the directory must cost fewer
 * requests and still see a customer an accountant created a moment ago.
 */
describe('matching a Stripe customer to an existing QBO customer', () => {
  let h: Harness;
  let queries: string[];
  let qbo: QboWriter;
  let clock: number;
  let seq = 0;

  const createCustomer = async (name: string, email?: string) =>
    h.client.create(
      'Customer',
      { DisplayName: name, ...(email ? { PrimaryEmailAddr: { Address: email } } : {}) },
      { requestId: `customer-${++seq}` },
    );

  beforeEach(async () => {
    h = await startHarness();
    queries = [];
    clock = Date.parse('2026-01-01T00:00:00Z');
    qbo = {
      ...h.client,
      query: (sql: string) => {
        queries.push(sql);
        return h.client.query(sql);
      },
    };
  });
  afterEach(async () => {
    await h.simulator.close();
  });

  const lookups: Array<[string, () => CustomerLookup]> = [
    ['by query', () => queryLookup(qbo)],
    ['by directory', () => new CustomerDirectory({ now: () => clock, warmupMatches: 0 }).lookupFor('acme:realm', qbo)],
  ];

  describe.each(lookups)('%s', (_name, lookup) => {
    const match = (body: Record<string, unknown>, stripeId = 'cus_new') => customerMatcher(lookup(), body, stripeId)();

    it('links the customer with the same email, whatever its name', async () => {
      const existing = await createCustomer('Amy Lee (billing)', 'amy@example.com');
      const found = await match({ DisplayName: 'Amy Lee', PrimaryEmailAddr: { Address: 'Amy@Example.com' } });
      expect(found?.Id).toBe(existing.Id);
    });

    it('links the customer with the same name when no email conflicts', async () => {
      const existing = await createCustomer('Birch Bakery');
      expect((await match({ DisplayName: 'Birch Bakery', PrimaryEmailAddr: { Address: 'b@birch.test' } }))?.Id).toBe(
        existing.Id,
      );
    });

    it('suffixes our name with the Stripe id when another customer with another email holds it', async () => {
      await createCustomer('Cedar Co', 'owner@cedar.test');
      const body = { DisplayName: 'Cedar Co', PrimaryEmailAddr: { Address: 'other@cedar.test' } };
      expect(await match(body, 'cus_cedar2')).toBeUndefined();
      expect(body.DisplayName).toBe('Cedar Co (cus_cedar2)');
    });

    it('parks a near-identical name for a person, and two customers sharing an email as ambiguous', async () => {
      await createCustomer('Dune Surf, Inc.');
      await expect(match({ DisplayName: 'Dune Surf' })).rejects.toMatchObject({ code: 'customer_near_match' });
      await createCustomer('Elm One', 'shared@elm.test');
      await createCustomer('Elm Two', 'shared@elm.test');
      await expect(
        match({ DisplayName: 'Elm Three', PrimaryEmailAddr: { Address: 'shared@elm.test' } }),
      ).rejects.toMatchObject({ code: 'customer_ambiguous' });
    });

    it('finds nothing for a new customer', async () => {
      await createCustomer('Fir Farm', 'fir@farm.test');
      expect(await match({ DisplayName: 'Gale Gardens', PrimaryEmailAddr: { Address: 'g@gale.test' } })).toBe(
        undefined,
      );
    });
  });

  it('the directory answers many matches with one load and a refresh per window, and sees new customers', async () => {
    for (let i = 0; i < 5; i += 1) await createCustomer(`Existing ${i}`, `e${i}@example.com`);
    const directory = new CustomerDirectory({ now: () => clock, warmupMatches: 2, refreshMs: 5_000 });
    const matchNew = (i: number) =>
      customerMatcher(
        directory.lookupFor('acme:realm', qbo),
        { DisplayName: `New ${i}`, PrimaryEmailAddr: { Address: `n${i}@example.com` } },
        `cus_${i}`,
      )();
    // Warming up: two matches by query (email, name, similar name).
    await matchNew(0);
    await matchNew(1);
    expect(queries).toHaveLength(6);
    queries = [];
    for (let i = 2; i < 30; i += 1) await matchNew(i);
    expect(queries).toHaveLength(1); // the load
    // One page of the whole list, ordered: QBO has no default order to page by.
    expect(queries[0]).toMatch(/^SELECT \* FROM Customer ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000$/);

    // An accountant creates a customer; after the refresh window the directory sees it with one request.
    const typedIn = await createCustomer('Hazel Hardware', 'hazel@hardware.test');
    clock += 5_000;
    queries = [];
    const found = await customerMatcher(
      directory.lookupFor('acme:realm', qbo),
      { DisplayName: 'Hazel Hardware Store', PrimaryEmailAddr: { Address: 'hazel@hardware.test' } },
      'cus_hazel',
    )();
    expect(found?.Id).toBe(typedIn.Id);
    expect(queries).toHaveLength(1);
    expect(queries[0]).toMatch(/WHERE MetaData\.LastUpdatedTime >= '/);

    // One this instance created is known at once, before any refresh.
    const ours = await createCustomer('Iris Imports', 'iris@imports.test');
    directory.remember('acme:realm', ours);
    queries = [];
    const again = await customerMatcher(
      directory.lookupFor('acme:realm', qbo),
      { DisplayName: 'Iris Imports', PrimaryEmailAddr: { Address: 'iris@imports.test' } },
      'cus_iris',
    )();
    expect(again?.Id).toBe(ours.Id);
    expect(queries).toHaveLength(0);
  });
});
