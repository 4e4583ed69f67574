import { join } from 'node:path';
import { LocalArchiver } from '../../../dev/local-stack/archiver';
import { createDuckDbEngine, createDuckDbViews } from '../../../shared/console/history/duckdb-engine';
import { loadConsoleSql } from '../../../shared/console/history/queries';
import { createHistoryReader, type ActivityRow, type HistoryReader } from '../../../shared/console/history/reader';
import { chartDays, tenantCounts } from '../../../shared/console/counts';
import { createLogger } from '../../../shared/observability/logger';
import { openDuckDbStores, type DuckDbStores } from '../../../shared/stores/duckdb';

const ddlDir = join(__dirname, '../../../ddl');

/** One decision, as the audit-records topic carries it (only the fields a test cares about vary). */
const audit = (recordId: string, recordedAt: string, over: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  recordId,
  recordedAt,
  tenantId: 'acme',
  function: 'sync-invoice',
  outcome: 'posted',
  reason: 'created',
  entity: 'invoice',
  ...over,
});
const event = (eventId: string, receivedAt: string, over: Record<string, unknown> = {}) => ({
  schemaVersion: 1,
  eventId,
  source: 'webhook',
  tenantId: 'acme',
  livemode: false,
  type: 'invoice.finalized',
  entity: 'invoice',
  objectId: `in_${eventId}`,
  occurredAt: receivedAt,
  receivedAt,
  amount: 1000,
  currency: 'USD',
  ...over,
});

describe('the console history queries and the analyst views run on DuckDB (the local store)', () => {
  let stores: DuckDbStores;
  let archiver: LocalArchiver;
  let history: HistoryReader;

  beforeAll(async () => {
    stores = await openDuckDbStores(':memory:');
    archiver = new LocalArchiver(stores.database, ddlDir, createLogger({ functionName: 'test', level: 'silent' }));
    await archiver.prepare();
    history = createHistoryReader(await createDuckDbEngine(stores.database, loadConsoleSql(ddlDir), ddlDir));
    const rows = [
      // today (2026-11-30): e1 posted (delivered twice: one row counts), e2 parked, e3 in flight (failed, retrying)
      audit('e1:posted', '2026-11-30T09:00:00.000Z', {
        eventId: 'e1',
        stripeId: 'in_e1',
        qboEntity: 'Invoice',
        qboId: '11',
        amount: '10.00',
        currency: 'USD',
      }),
      audit('e1:posted', '2026-11-30T09:00:05.000Z', {
        eventId: 'e1',
        stripeId: 'in_e1',
        qboEntity: 'Invoice',
        qboId: '11',
        amount: '10.00',
        currency: 'USD',
      }),
      audit('e2:parked', '2026-11-30T09:01:00.000Z', {
        eventId: 'e2',
        stripeId: 'in_e2',
        outcome: 'parked',
        reason: 'qbo_6140',
        failureClass: 'rejected',
        detail: '=cmd|" <b>',
      }),
      audit('e3:failed', '2026-11-30T09:02:00.000Z', {
        eventId: 'e3',
        stripeId: 'in_e3',
        outcome: 'failed',
        reason: 'qbo_3001',
        failureClass: 'retryable',
      }),
      // earlier this week: e4 skipped, e5 dead-lettered, then posted after a redrive; e6 parked for auth
      audit('e4:skipped', '2026-11-27T12:00:00.000Z', {
        eventId: 'e4',
        stripeId: 'cus_e4',
        entity: 'customer',
        outcome: 'skipped',
        reason: 'already_linked',
      }),
      audit('e5:dead', '2026-11-26T12:00:00.000Z', {
        eventId: 'e5',
        stripeId: 'in_e5',
        outcome: 'dead_lettered',
        reason: 'qbo_500',
      }),
      audit('e5:posted', '2026-11-28T12:00:00.000Z', { eventId: 'e5', stripeId: 'in_e5' }),
      audit('e6:auth', '2026-11-25T12:00:00.000Z', {
        eventId: 'e6',
        stripeId: 'in_e6',
        outcome: 'failed',
        reason: 'auth',
        failureClass: 'auth',
      }),
      // before the window, and another tenant
      audit('old', '2026-11-10T12:00:00.000Z', { eventId: 'e0', stripeId: 'in_e0' }),
      audit('b1', '2026-11-30T08:00:00.000Z', {
        tenantId: 'beta',
        eventId: 'b1',
        stripeId: 'ch_b1',
        entity: 'payment',
        outcome: 'parked',
        reason: 'settings_incomplete',
      }),
    ];
    for (const row of rows) await archiver.insert('audit_records', row, {});
    for (const [id, at] of [
      ['e1', '2026-11-30T08:59:00.000Z'],
      ['e2', '2026-11-30T09:00:30.000Z'],
      ['e3', '2026-11-30T09:01:30.000Z'],
      ['e4', '2026-11-27T11:59:00.000Z'],
      ['e5', '2026-11-26T11:00:00.000Z'],
      ['e6', '2026-11-25T11:59:00.000Z'],
      ['e7', '2026-11-29T10:00:00.000Z'],
    ] as const)
      await archiver.insert('events_archive', event(id, at), {});
    await archiver.insert('events_archive', event('e1', '2026-11-30T08:59:30.000Z', { source: 'replay' }), {});
    await archiver.insert(
      'events_archive',
      event('po1', '2026-11-28T10:00:00.000Z', {
        type: 'payout.paid',
        entity: 'payout',
        objectId: 'po_1',
        amount: 356679,
      }),
      {},
    );
    await archiver.insert(
      'link_records',
      {
        schemaVersion: 1,
        tenantId: 'acme',
        realmId: '9',
        stripeId: 'po_1',
        stripeObject: 'payout',
        qboEntity: 'Deposit',
        qboId: '98',
        operation: 'create',
        txnDate: '2026-11-28',
        amount: '3566.79',
        currency: 'USD',
        linkedAt: '2026-11-28T10:00:05.000Z',
      },
      {},
    );
    for (const [id, at, objectId] of [
      ['m1', '2026-11-26T11:59:00.000Z', 'in_e5'],
      ['m2', '2026-11-29T11:00:00.000Z', 'in_e9'],
    ] as const)
      await archiver.insert(
        'dead_letters',
        { ...event(id, at, { objectId }) },
        { message_id: id, publish_time: at, attributes: '{}' },
      );
  });
  afterAll(async () => {
    await stores?.close();
  });

  it('creates every analyst view of ddl/views and each answers', async () => {
    const views = await createDuckDbViews(stores.database, ddlDir);
    expect(views).toEqual(['daily_summary', 'links_current', 'open_failures', 'payout_reconciliation']);
    for (const view of views) await expect(stores.database.all(`SELECT * FROM ${view}`)).resolves.toBeDefined();
    const failures = await stores.database.all<{ stripeId: string }>('SELECT stripeId FROM open_failures ORDER BY 1');
    // in_e5 was dead-lettered and then posted: settled.
    expect(failures.map((f) => f.stripeId)).toEqual(['ch_b1', 'in_e2', 'in_e3', 'in_e6']);
  });

  it('counts today and the window per tenant, once per record, with the backlog of undecided events', async () => {
    const since = '2026-11-24T00:00:00.000Z';
    const counts = tenantCounts(await history.decisionsByDay(since), await history.discoveryByDay(since), {
      today: '2026-11-30',
      windowStart: '2026-11-24',
    });
    expect([...counts.keys()].sort()).toEqual(['acme', 'beta']);
    expect(counts.get('acme')).toEqual({
      tenantId: 'acme',
      today: { discovered: 3, posted: 1, skipped: 0, parked: 1, failed: 1, deadLettered: 0, planned: 0 },
      window: { discovered: 8, posted: 2, skipped: 1, parked: 1, failed: 2, deadLettered: 1, planned: 0 },
      // e3 (retrying), e7 and the payout (nothing recorded yet); e6 was parked for a reconnect, a final decision.
      backlog: 3,
      lastDecisionAt: '2026-11-30T09:02:00.000Z',
    });
    expect(counts.get('beta')).toMatchObject({ tenantId: 'beta', backlog: 0, today: { parked: 1, discovered: 0 } });
    const acmeOnly = tenantCounts(
      await history.decisionsByDay(since, 'acme'),
      await history.discoveryByDay(since, 'acme'),
      {
        today: '2026-11-30',
        windowStart: '2026-11-24',
      },
    );
    expect([...acmeOnly.values()]).toEqual([counts.get('acme')]);
  });

  it('sums posted and parked per UTC day', async () => {
    expect(chartDays(await history.decisionsByDay('2026-11-24T00:00:00.000Z', 'acme'))).toEqual([
      { day: '2026-11-28', posted: 1, parked: 0 },
      { day: '2026-11-30', posted: 1, parked: 1 },
    ]);
  });

  it('pages the activity newest first without losing or repeating a row, and counts what the filter matches', async () => {
    const filter = { from: '2026-11-24T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };
    const all = await history.activity(filter, { limit: 100 });
    expect(all.map((r) => r.recordId)).toEqual([
      'e3:failed',
      'e2:parked',
      'e1:posted',
      'b1',
      'e5:posted',
      'e4:skipped',
      'e5:dead',
      'e6:auth',
    ]);
    const paged: ActivityRow[] = [];
    let after: { at: string; tenantId: string; recordId: string } | undefined;
    for (;;) {
      const page = await history.activity(filter, { limit: 3, ...(after ? { after } : {}) });
      paged.push(...page);
      if (page.length < 3) break;
      const last = page.at(-1)!;
      after = { at: last.recordedAt, tenantId: last.tenantId, recordId: last.recordId };
    }
    expect(paged).toEqual(all);
    expect((await history.activitySummary(filter)).matching).toBe(all.length);
    const parked = { ...filter, tenantId: 'acme', outcome: 'parked' };
    expect((await history.activity(parked, { limit: 100 })).map((r) => r.recordId)).toEqual(['e2:parked']);
    const summary = await history.activitySummary(parked);
    expect(summary.matching).toBe(1);
    expect(summary.reasons.map((r) => r.reason)).toEqual([
      'already_linked',
      'auth',
      'created',
      'qbo_3001',
      'qbo_500',
      'qbo_6140',
    ]);
    expect(all.find((r) => r.recordId === 'e1:posted')).toMatchObject({
      recordedAt: '2026-11-30T09:00:00.000Z',
      amount: '10.00',
      qboId: '11',
    });
  });

  it('lists dead letters with whether the object was settled afterwards', async () => {
    const letters = await history.deadLetters('2026-11-01T00:00:00.000Z', { limit: 10 });
    expect(letters.map((l) => [l.messageId, l.objectId, l.settledAt])).toEqual([
      ['m2', 'in_e9', null],
      ['m1', 'in_e5', '2026-11-28T12:00:00.000Z'],
    ]);
  });

  it('lists payouts with their QBO deposit and whether they tie out', async () => {
    expect(await history.payouts({ limit: 10 })).toEqual([
      {
        tenantId: 'acme',
        payoutId: 'po_1',
        latestEventType: 'payout.paid',
        currency: 'USD',
        stripeAmountMinor: 356679,
        stripeAmount: '3566.79',
        qboEntity: 'Deposit',
        qboId: '98',
        txnDate: '2026-11-28',
        qboAmount: '3566.79',
        linkedAt: '2026-11-28T10:00:05.000Z',
        tiesOut: true,
      },
    ]);
  });

  it("reads each object's latest decision since a moment", async () => {
    const outcomes = await history.outcomesSince('2026-11-28T00:00:00.000Z', 'acme');
    expect(outcomes.map((o) => [o.stripeId, o.outcome]).sort()).toEqual([
      ['in_e1', 'posted'],
      ['in_e2', 'parked'],
      ['in_e3', 'failed'],
      ['in_e5', 'posted'],
    ]);
  });
});
