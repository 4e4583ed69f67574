import { QboValidationError, classifyQboFault, parseQboFault } from '../../../shared/qbo/faults';
import { qboFixture, shapeOf } from './fixtures';
import { startHarness } from './harness';
import type { Harness } from './harness';

describe('QBO simulator: query language subset and batch', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
    for (const [i, name] of ['Cool Cars', 'Amy Birds', 'Bill Windsurf', 'Cool Beans', 'Dukes Basketball'].entries())
      await h.client.create(
        'Customer',
        { DisplayName: name, CompanyName: i % 2 === 0 ? 'even' : 'odd' },
        { requestId: `c${i}` },
      );
  });
  afterEach(async () => {
    await h.simulator.close();
  });

  const names = (rows: Array<Record<string, unknown>>) => rows.map((r) => r.DisplayName);
  // The client sends no count or batch requests; these speak to the simulator directly.
  const rawGet = async (sql: string, harness: Harness = h): Promise<Response> =>
    fetch(`${harness.simulator.url}/v3/company/${harness.realmId}/query?query=${encodeURIComponent(sql)}`, {
      headers: { authorization: `Bearer ${await harness.tokens.getAccessToken()}` },
    });
  const rawBatch = async (body: unknown, harness: Harness = h): Promise<Response> =>
    fetch(`${harness.simulator.url}/v3/company/${harness.realmId}/batch`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${await harness.tokens.getAccessToken()}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(body),
    });
  type BatchItemResponse = Record<string, unknown> & { Fault?: { Error: Array<{ code: string }> } };

  it('filters with AND and LIKE, orders, pages and counts', async () => {
    expect(
      names(
        await h.client.query(
          "SELECT * FROM Customer WHERE DisplayName LIKE 'Cool%' AND CompanyName = 'even' ORDERBY DisplayName DESC",
        ),
      ),
    ).toEqual(['Cool Cars']);
    expect(
      names(await h.client.query("select * from customer where DisplayName like '%b%' orderby DisplayName")),
    ).toEqual(['Amy Birds', 'Bill Windsurf', 'Cool Beans', 'Dukes Basketball']);
    expect(
      names(await h.client.query('SELECT * FROM Customer ORDERBY DisplayName STARTPOSITION 2 MAXRESULTS 2')),
    ).toEqual(['Bill Windsurf', 'Cool Beans']);
    expect(
      names(await h.client.query("SELECT * FROM Customer WHERE DisplayName IN ('Amy Birds', 'Cool Cars')")),
    ).toEqual(['Cool Cars', 'Amy Birds']);
    const count = (await (await rawGet('SELECT COUNT(*) FROM Customer')).json()) as {
      QueryResponse: { totalCount: number };
    };
    expect(count.QueryResponse.totalCount).toBe(5);
    // The last page is the short one: how the customer directory knows it has read everything.
    expect(names(await h.client.query('SELECT * FROM Customer STARTPOSITION 5 MAXRESULTS 2'))).toHaveLength(1);
  });

  it('answers the real shapes for a count and for a page past the end', async () => {
    const get = async (sql: string) => (await (await rawGet(sql)).json()) as unknown;
    expect(shapeOf(await get('SELECT COUNT(*) FROM Customer'))).toEqual(
      shapeOf(qboFixture('query-count-response.json')),
    );
    expect(shapeOf(await get('SELECT * FROM Customer STARTPOSITION 100'))).toEqual(
      shapeOf(qboFixture('query-empty-response.json')),
    );
  });

  it('an unknown entity is 4001 Invalid query, shaped like the real fault', async () => {
    const error = await h.client.query('SELECT * FROM Custmoer').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QboValidationError);
    expect(error).toMatchObject({ code: 'qbo_4001' });
    const token = await h.tokens.getAccessToken();
    const response = await fetch(
      `${h.simulator.url}/v3/company/${h.realmId}/query?query=${encodeURIComponent('select * from Custmoer')}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(shapeOf(body)).toEqual(shapeOf(qboFixture('fault-invalid-query.json')));
    expect(body).toMatchObject({
      Fault: { Error: [{ Detail: 'QueryValidationError: invalid context declaration: Custmoer' }] },
    });
  });

  it('batch returns per-item results and per-item faults (610, 5010) under HTTP 200', async () => {
    const [first] = await h.client.query("SELECT * FROM Customer WHERE DisplayName = 'Cool Cars'");
    const response = await rawBatch({
      BatchItemRequest: [
        { bId: 'bid1', operation: 'create', Vendor: { DisplayName: 'Boraski Two' } },
        { bId: 'bid2', operation: 'delete', Invoice: { Id: '129', SyncToken: '0' } },
        {
          bId: 'bid3',
          operation: 'update',
          Customer: { Id: String(first?.Id), SyncToken: '7', sparse: true, Notes: 'x' },
        },
        { bId: 'bid4', Query: "SELECT * FROM Customer WHERE DisplayName LIKE 'Cool%'" },
      ],
    });
    expect(response.status).toBe(200);
    const results = ((await response.json()) as { BatchItemResponse: BatchItemResponse[] }).BatchItemResponse;
    expect(results.map((r) => r.Fault === undefined)).toEqual([true, false, false, true]);
    const stale = parseQboFault(results[2]);
    expect(results[1]?.Fault?.Error[0]?.code).toBe('610');
    expect(classifyQboFault(stale, { status: 200 })).toMatchObject({ code: 'qbo_5010', failureClass: 'retryable' });
    expect(results[3]).toMatchObject({
      QueryResponse: { Customer: [{ DisplayName: 'Cool Cars' }, { DisplayName: 'Cool Beans' }] },
    });

    const raw = await rawBatch(qboFixture('batch-request.json'));
    expect(raw.status).toBe(200);
    const body = (await raw.json()) as { BatchItemResponse: Array<Record<string, unknown>> };
    const real = qboFixture('batch-response.json') as { BatchItemResponse: Array<Record<string, unknown>> };
    expect(shapeOf(body.BatchItemResponse[1])).toEqual(shapeOf(real.BatchItemResponse[1]));
    expect(Object.keys(body.BatchItemResponse[0] ?? {}).sort()).toEqual(
      Object.keys(real.BatchItemResponse[0] ?? {}).sort(),
    );
  });

  it("applies a batch's requestid per item (requestid + bId), as QBO does, and faults an item whose id passes 50 characters", async () => {
    const post = async (requestId: string, body: unknown) =>
      fetch(`${h.simulator.url}/v3/company/${h.realmId}/batch?requestid=${requestId}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await h.tokens.getAccessToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (response) => (await response.json()) as { BatchItemResponse: BatchItemResponse[] });
    const batch = (names: string[]) => ({
      BatchItemRequest: names.map((name, i) => ({ bId: `b${i}`, operation: 'create', Vendor: { DisplayName: name } })),
    });
    const ids = (answer: { BatchItemResponse: BatchItemResponse[] }) =>
      answer.BatchItemResponse.map(
        (item) => (item.Vendor as { Id?: string } | undefined)?.Id ?? item.Fault?.Error[0]?.code,
      );
    const vendors = () => h.simulator.entities(h.realmId, 'Vendor').length;

    // replay: a batch sent again with its requestid answers each written item with its first result.
    h.simulator.setRequestIdMode('replay');
    const start = vendors();
    const first = await post('batch-one', batch(['Replay One', 'Replay Two']));
    const again = await post('batch-one', batch(['Replay One', 'Replay Two']));
    expect(ids(again)).toEqual(ids(first));
    expect(vendors()).toBe(start + 2);
    // Per item, not per request: the same requestid with a new bId is a new item.
    const third = await post('batch-one', {
      BatchItemRequest: [{ bId: 'b9', operation: 'create', Vendor: { DisplayName: 'Replay Nine' } }],
    });
    expect(third.BatchItemResponse[0]?.Vendor).toBeDefined();
    expect(vendors()).toBe(start + 3);

    // never (the default): QBO's replay cannot be relied on, a batch sent again writes again (6240 here, by name).
    h.simulator.setRequestIdMode('never');
    expect(ids(await post('batch-one', batch(['Replay One'])))).toEqual(['6240']);

    // intuit/QuickBooks-V3-Java-SDK #180: a 32-character requestid with 36-character bIds faults every item, 6000.
    const long = await post('86e1e8438fd9413587c2bd17f4185b13', {
      BatchItemRequest: [
        { bId: '0b7c9a8e-5b1f-4a53-9d5e-3f1f2a6c7d8e', operation: 'create', Vendor: { DisplayName: 'Long Id' } },
      ],
    });
    expect(long.BatchItemResponse[0]?.Fault?.Error[0]?.code).toBe('6000');
    expect(vendors()).toBe(start + 3);
  });

  it('batch takes at most 30 operations', async () => {
    const items = Array.from({ length: 31 }, (_, i) => ({ bId: `b${i}`, Query: 'SELECT * FROM Item' }));
    expect((await rawBatch({ BatchItemRequest: items })).status).toBe(400);
    const thirty = await rawBatch({ BatchItemRequest: items.slice(0, 30) });
    expect(((await thirty.json()) as { BatchItemResponse: unknown[] }).BatchItemResponse).toHaveLength(30);
  });

  it('throttles batch requests past 40 per minute', async () => {
    const fast = await startHarness({ timeScale: 0.1 }, { retryBudgetMs: 0 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 42; i++) {
        // Spaced so the 10/s limit is not what trips.
        if (i % 9 === 8) await new Promise((resolve) => setTimeout(resolve, 150));
        const response = await rawBatch({ BatchItemRequest: [{ bId: 'q', Query: 'SELECT COUNT(*) FROM Item' }] }, fast);
        await response.text();
        statuses.push(response.status);
      }
      expect(statuses.slice(0, 40).every((status) => status === 200)).toBe(true);
      expect(statuses.slice(40)).toEqual([429, 429]);
    } finally {
      await fast.simulator.close();
    }
  }, 20_000);
});
