import { RetryableError } from '../../../shared/errors';
import { createFleetRealmLimiter } from '../../../shared/qbo/budget/fleet-limiter';
import { openDuckDbStores } from '../../../shared/stores/duckdb';
import { QboAuthError, QboServerError, QboStaleObjectError, QboThrottleError } from '../../../shared/qbo/faults';
import { startHarness } from './harness';
import type { Harness } from './harness';

describe('QBO client against the simulator over HTTP', () => {
  let h: Harness;
  afterEach(async () => {
    await h.simulator.close();
  });

  it('retries a throttled request (XML 429 body) and succeeds', async () => {
    h = await startHarness();
    h.simulator.injectFault({ kind: 'throttle', count: 2 });
    await expect(h.client.query('SELECT * FROM Account')).resolves.toHaveLength(12);
    expect(h.simulator.stats().throttled).toBe(2);
  });

  it('retries 5xx SystemFault and gives up with QboServerError once the budget is spent', async () => {
    h = await startHarness({}, { retryBudgetMs: 100 });
    h.simulator.injectFault({ kind: '5xx', count: 1 });
    await expect(h.client.query('SELECT * FROM Item')).resolves.toHaveLength(3);
    h.simulator.injectFault({ kind: '5xx', probability: 1 });
    const error = await h.client.query('SELECT * FROM Item').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QboServerError);
    expect(error).toMatchObject({ code: 'qbo_10000', failureClass: 'retryable', statusCode: 500 });
  });

  it('a create whose response was lost is not sent again: it lands once and the caller learns the outcome is unknown', async () => {
    // With QBO's requestid replay unreliable (the simulator's default `never`), a second POST would be a second
    // customer; the write protocol probes for the first instead (write-protocol-recovery.test.ts).
    h = await startHarness();
    h.simulator.injectFault({ kind: 'timeout_after_commit', entity: 'Customer', count: 1 });
    const error = await h.client
      .create('Customer', { DisplayName: 'Lost Response Ltd' }, { requestId: 'lost-1' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: 'qbo_network' });
    expect(h.simulator.entities(h.realmId, 'Customer')).toHaveLength(1);
    expect(h.simulator.stats().writes).toBe(1);
  });

  it('a void whose response was lost is retried with the same requestid, and QBO replay makes it land once', async () => {
    h = await startHarness({ requestIdMode: 'replay' });
    const customer = await h.client.create('Customer', { DisplayName: 'Lost Void Ltd' }, { requestId: 'u-0' });
    const invoice = await h.client.create(
      'Invoice',
      {
        CustomerRef: { value: customer.Id },
        Line: [{ Amount: 10, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' } } }],
      },
      { requestId: 'u-1' },
    );
    h.simulator.injectFault({ kind: 'timeout_after_commit', entity: 'Invoice', count: 1 });
    const voided = await h.client.voidTxn(
      'Invoice',
      { Id: String(invoice.Id), SyncToken: String(invoice.SyncToken) },
      { requestId: 'u-2' },
    );
    expect(voided).toMatchObject({ TotalAmt: 0, SyncToken: '1' });
    expect(h.simulator.stats().writes).toBe(3);
  });

  it('a 401 refreshes once; a second 401 is an AuthError', async () => {
    h = await startHarness();
    h.simulator.injectFault({ kind: 'auth_expired', count: 1 });
    await expect(h.client.read('Item', '1')).resolves.toMatchObject({ Name: 'Services' });
    expect(h.tokens.refreshes).toBe(1);
    h.simulator.injectFault({ kind: 'auth_expired', count: 2 });
    const error = await h.client.read('Item', '1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QboAuthError);
    expect(error).toMatchObject({ failureClass: 'auth', code: 'qbo_401' });
    expect(h.tokens.refreshes).toBe(2);
  });

  it('a stale SyncToken is 5010, retryable only after a re-read, and is not retried blindly', async () => {
    h = await startHarness();
    const customer = await h.client.create('Customer', { DisplayName: 'Stale Co' }, { requestId: 's1' });
    const invoice = await h.client.create(
      'Invoice',
      {
        CustomerRef: { value: customer.Id },
        Line: [{ Amount: 10, DetailType: 'SalesItemLineDetail', SalesItemLineDetail: { ItemRef: { value: '1' } } }],
      },
      { requestId: 's2' },
    );
    // Someone edits the invoice in QBO between our read and our void.
    const token = await h.tokens.getAccessToken();
    const edited = await fetch(`${h.simulator.url}/v3/company/${h.realmId}/invoice?operation=update`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        Id: invoice.Id,
        SyncToken: invoice.SyncToken,
        sparse: true,
        CustomerMemo: { value: 'a' },
      }),
    });
    expect(edited.status).toBe(200);
    const requestsBefore = h.simulator.stats().requests;
    const error = await h.client
      .voidTxn('Invoice', { Id: invoice.Id, SyncToken: invoice.SyncToken }, { requestId: 's3' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QboStaleObjectError);
    expect(error).toMatchObject({ code: 'qbo_5010', failureClass: 'retryable' });
    expect(h.simulator.stats().requests - requestsBefore).toBe(1);
    const fresh = await h.client.read('Invoice', invoice.Id);
    const voided = await h.client.voidTxn('Invoice', { Id: fresh.Id, SyncToken: fresh.SyncToken }, { requestId: 's4' });
    expect(voided).toMatchObject({ TotalAmt: 0, SyncToken: '2' });
  });

  it('the simulator throttles past 10 concurrent requests, and the per-realm limiter keeps the client under it', async () => {
    // QBO's limit is on requests in flight: a little service time makes fifteen parallel reads overlap.
    h = await startHarness({ timeScale: 0.05, latencyMs: 50 }, { retryBudgetMs: 0 });
    const unthrottled = await Promise.allSettled(Array.from({ length: 15 }, () => h.client.read('Item', '1')));
    const rejected = unthrottled.filter((r) => r.status === 'rejected');
    expect(rejected.length).toBeGreaterThan(0);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(QboThrottleError);

    const stores = await openDuckDbStores(':memory:');
    const limiter = createFleetRealmLimiter({ syncState: stores.syncState, instanceId: 'resilience', timeScale: 0.5 });
    const limited = await startHarness({ timeScale: 0.5 }, { retryBudgetMs: 0, limiter });
    try {
      const results = await Promise.allSettled(Array.from({ length: 25 }, () => limited.client.read('Item', '1')));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      expect(limited.simulator.stats().throttled).toBe(0);
    } finally {
      await limiter.close();
      await limited.simulator.close();
      await stores.close();
    }
  });

  it('an unreachable QBO is retryable', async () => {
    h = await startHarness({}, { retryBudgetMs: 50 });
    await h.simulator.close();
    const error = await h.client.read('Item', '1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ code: 'qbo_network' });
    h.simulator = { ...h.simulator, close: () => Promise.resolve() };
  });

  it('never writes a token to a log line', async () => {
    h = await startHarness();
    h.simulator.injectFault({ kind: 'auth_expired', count: 1 });
    h.simulator.injectFault({ kind: 'throttle', count: 1 });
    await h.client.create('Customer', { DisplayName: 'Log Check' }, { requestId: 'log-1' });
    await h.client.query("SELECT * FROM Customer WHERE DisplayName = 'Log Check'");
    const token = await h.tokens.getAccessToken();
    expect(h.logs.lines().length).toBeGreaterThan(0);
    expect(h.logs.text()).not.toContain(token);
    expect(h.logs.text()).not.toMatch(/sim-at-|sim-rt-|Bearer|Log Check/);
  });
});
