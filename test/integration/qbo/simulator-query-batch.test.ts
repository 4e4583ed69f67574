import { QboValidationError } from '../../../shared/qbo/faults';
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
        { DisplayName: name, Notes: i % 2 === 0 ? 'even' : 'odd' },
        { requestId: `c${i}` },
      );
  });
  afterEach(async () => {
    await h.simulator.close();
  });

  const names = (rows: Array<Record<string, unknown>>) => rows.map((r) => r.DisplayName);

  it('filters with AND and LIKE, orders, pages and counts', async () => {
    expect(
      names(
        await h.client.query(
          "SELECT * FROM Customer WHERE DisplayName LIKE 'Cool%' AND Notes = 'even' ORDERBY DisplayName DESC",
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
    expect(await h.client.count('SELECT COUNT(*) FROM Customer')).toBe(5);
    expect(names(await h.client.queryAll('SELECT * FROM Customer', 2))).toHaveLength(5);
  });

  it('answers the real shapes for a count and for a page past the end', async () => {
    const token = await h.tokens.getAccessToken();
    const get = async (sql: string) =>
      (await (
        await fetch(`${h.simulator.url}/v3/company/${h.realmId}/query?query=${encodeURIComponent(sql)}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as unknown;
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
    const results = await h.client.batch([
      { bId: 'bid1', operation: 'create', entity: 'Vendor', body: { DisplayName: 'Boraski Two' } },
      { bId: 'bid2', operation: 'delete', entity: 'Invoice', body: { Id: '129', SyncToken: '0' } },
      {
        bId: 'bid3',
        operation: 'update',
        entity: 'Customer',
        body: { Id: String(first?.Id), SyncToken: '7', sparse: true, Notes: 'x' },
      },
      { bId: 'bid4', query: "SELECT * FROM Customer WHERE DisplayName LIKE 'Cool%'" },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'qbo_610' } });
    expect(results[2]).toMatchObject({ ok: false, error: { code: 'qbo_5010', failureClass: 'retryable' } });
    expect(results[3]).toMatchObject({ ok: true, rows: [{ DisplayName: 'Cool Cars' }, { DisplayName: 'Cool Beans' }] });

    const token = await h.tokens.getAccessToken();
    const raw = await fetch(`${h.simulator.url}/v3/company/${h.realmId}/batch`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(qboFixture('batch-request.json')),
    });
    expect(raw.status).toBe(200);
    const body = (await raw.json()) as { BatchItemResponse: Array<Record<string, unknown>> };
    const real = qboFixture('batch-response.json') as { BatchItemResponse: Array<Record<string, unknown>> };
    expect(shapeOf(body.BatchItemResponse[1])).toEqual(shapeOf(real.BatchItemResponse[1]));
    expect(Object.keys(body.BatchItemResponse[0] ?? {}).sort()).toEqual(
      Object.keys(real.BatchItemResponse[0] ?? {}).sort(),
    );
  });

  it('batch takes at most 30 operations', async () => {
    const items = Array.from({ length: 31 }, (_, i) => ({ bId: `b${i}`, query: 'SELECT * FROM Item' }));
    await expect(h.client.batch(items)).rejects.toMatchObject({ code: 'qbo_batch_size' });
    await expect(h.client.batch(items.slice(0, 30))).resolves.toHaveLength(30);
  });

  it('throttles batch requests past 40 per minute', async () => {
    const fast = await startHarness({ timeScale: 0.1 }, { retryBudgetMs: 0 });
    try {
      const outcomes: string[] = [];
      for (let i = 0; i < 42; i++) {
        // Spaced so the 10/s limit is not what trips.
        if (i % 9 === 8) await new Promise((resolve) => setTimeout(resolve, 150));
        outcomes.push(
          await fast.client.batch([{ bId: 'q', query: 'SELECT COUNT(*) FROM Item' }]).then(
            () => 'ok',
            (e: { code: string }) => e.code,
          ),
        );
      }
      expect(outcomes.slice(0, 40).every((o) => o === 'ok')).toBe(true);
      expect(outcomes.slice(40)).toEqual(['qbo_3001', 'qbo_3001']);
    } finally {
      await fast.simulator.close();
    }
  }, 20_000);
});
