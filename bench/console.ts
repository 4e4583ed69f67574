import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { PubSub } from '@google-cloud/pubsub';
import { createValidators } from '../schemas/validators';
import { LocalArchiver } from '../dev/local-stack/archiver';
import { buildDemoTenant } from '../dev/local-stack/demo-tenant';
import { createConsoleApp } from '../shared/console/app';
import { localAuth } from '../shared/console/auth/access';
import { bulkJobKey, type BulkJob } from '../shared/console/bulk';
import { createDuckDbEngine } from '../shared/console/history/duckdb-engine';
import { findDdlDir, loadConsoleSql } from '../shared/console/history/queries';
import { createHistoryReader } from '../shared/console/history/reader';
import { createLogger } from '../shared/observability/logger';
import { openDuckDbStores, type DuckDbStores } from '../shared/stores/duckdb';
import { argValue, machine, percentile, round } from './harness';

/**
 * `npm run bench:console [-- --audit-rows 100000] [--runs 15]`: every console page's server time (request in,
 * whole body out, in process) over a local store holding 100,000 audit rows and what goes with them: events,
 * links, dead letters, open review items, 20 tenants. Target: every page under 300 ms. Prints JSON and writes
 * bench/results/console.json.
 */
const TARGET_MS = 300;
const TENANTS = 20;
const DAY_MS = 86_400_000;

export async function seed(stores: DuckDbStores, auditRows: number, now: Date): Promise<Record<string, number>> {
  for (let t = 0; t < TENANTS; t += 1)
    await stores.tenants.put(
      buildDemoTenant({
        tenantId: `tenant-${String(t).padStart(2, '0')}`,
        qbo: {
          realmId: `91300000000${String(t).padStart(5, '0')}`,
          environment: t % 2 ? 'production' : 'sandbox',
          multicurrency: false,
        },
      }),
    );
  const nowSql = `TIMESTAMPTZ '${now.toISOString()}'`;
  // Spread over 30 days, two decisions per event; outcomes in the proportions a busy month shows; 1% delivered
  // twice (the same recordId), as Pub/Sub → BigQuery can.
  await stores.database.run(`
    INSERT INTO audit_records ("schemaVersion", "recordId", "recordedAt", "tenantId", "function", "outcome", "reason",
      "failureClass", "eventId", "eventType", "source", "entity", "stripeId", "qboEntity", "qboId", "realmId", "amount",
      "currency", "attempt", "latencyMs", "detail")
    SELECT 1, 'evt_' || (i // 2) || ':' || (i % 2), ${nowSql} - to_milliseconds((i * ${Math.floor((30 * DAY_MS) / auditRows)})::BIGINT),
      'tenant-' || lpad(((i // 2) % ${TENANTS})::VARCHAR, 2, '0'),
      'sync-invoice',
      CASE WHEN i % 100 < 55 THEN 'posted' WHEN i % 100 < 85 THEN 'skipped' WHEN i % 100 < 93 THEN 'failed'
           WHEN i % 100 < 97 THEN 'parked' WHEN i % 100 < 98 THEN 'dead_lettered' ELSE 'planned' END,
      CASE WHEN i % 100 < 55 THEN 'created' WHEN i % 100 < 85 THEN 'already_linked' WHEN i % 100 < 93 THEN 'qbo_3001'
           WHEN i % 100 < 97 THEN 'qbo_6140' WHEN i % 100 < 98 THEN 'qbo_500' ELSE 'dry_run' END,
      NULL, 'evt_' || (i // 2), 'invoice.finalized', 'webhook', 'invoice', 'in_' || (i // 2), 'Invoice', (i // 2)::VARCHAR,
      '9130', ((i % 5000) + 1) || '.' || lpad((i % 100)::VARCHAR, 2, '0'), 'USD', 1, 12.5, 'QBO 6140 Duplicate Document Number Error'
    FROM range(${auditRows}) t(i)`);
  await stores.database.run(
    `INSERT INTO audit_records SELECT * FROM audit_records USING SAMPLE 1 PERCENT (bernoulli, 42)`,
  );
  await stores.database.run(`
    INSERT INTO events_archive ("schemaVersion", "eventId", "source", "tenantId", "livemode", "type", "entity", "objectId",
      "occurredAt", "receivedAt", "amount", "currency")
    SELECT 1, "eventId", 'webhook', "tenantId", false, 'invoice.finalized', 'invoice', "stripeId", min("recordedAt"),
      min("recordedAt") - INTERVAL 1 SECOND, 1000, 'USD'
    FROM audit_records GROUP BY "eventId", "tenantId", "stripeId"`);
  await stores.database.run(`
    INSERT INTO link_records ("schemaVersion", "tenantId", "realmId", "stripeId", "stripeObject", "qboEntity", "qboId",
      "operation", "txnDate", "amount", "currency", "linkedAt")
    SELECT 1, "tenantId", '9130', "stripeId", 'invoice', 'Invoice', "qboId", 'create', CAST("recordedAt" AS DATE),
      "amount", 'USD', "recordedAt"
    FROM audit_records WHERE "outcome" = 'posted'`);
  await stores.database.run(`
    INSERT INTO events_archive ("schemaVersion", "eventId", "source", "tenantId", "livemode", "type", "entity", "objectId",
      "occurredAt", "receivedAt", "amount", "currency")
    SELECT 1, 'evt_po' || i, 'webhook', 'tenant-' || lpad((i % ${TENANTS})::VARCHAR, 2, '0'), false, 'payout.paid', 'payout',
      'po_' || i, ${nowSql} - to_days(i % 30), ${nowSql} - to_days(i % 30), 100000 + i, 'USD'
    FROM range(600) t(i)`);
  await stores.database.run(`
    INSERT INTO link_records ("schemaVersion", "tenantId", "realmId", "stripeId", "stripeObject", "qboEntity", "qboId",
      "operation", "txnDate", "amount", "currency", "linkedAt")
    SELECT 1, 'tenant-' || lpad((i % ${TENANTS})::VARCHAR, 2, '0'), '9130', 'po_' || i, 'payout', 'Deposit', (90000 + i)::VARCHAR,
      'create', CAST(${nowSql} - to_days(i % 30) AS DATE), ((100000 + i) / 100.0)::VARCHAR, 'USD', ${nowSql} - to_days(i % 30)
    FROM range(600) t(i)`);
  await stores.database.run(`
    INSERT INTO dead_letters ("message_id", "publish_time", "attributes", "schemaVersion", "eventId", "source", "tenantId",
      "livemode", "type", "entity", "objectId", "occurredAt", "receivedAt", "amount", "currency")
    SELECT 'm' || i, ${nowSql} - to_hours(i), '{}', 1, 'evt_dl' || i, 'webhook', 'tenant-' || lpad((i % ${TENANTS})::VARCHAR, 2, '0'),
      false, 'invoice.finalized', 'invoice', 'in_' || (i * 7), ${nowSql} - to_hours(i), ${nowSql} - to_hours(i), 1000, 'USD'
    FROM range(1000) t(i)`);
  const proposal = {
    operations: [
      { entity: 'Invoice', operation: 'create', stripeId: 'in_x', body: { Line: [{ Amount: 10 }], TotalAmt: 10 } },
    ],
  };
  for (let i = 0; i < 2000; i += 1)
    await stores.reviewQueue.park(
      {
        reviewId: `tenant-${String(i % TENANTS).padStart(2, '0')}:in_r${i}:invoice.finalized`,
        tenantId: `tenant-${String(i % TENANTS).padStart(2, '0')}`,
        stripeId: `in_r${i}`,
        entity: 'invoice',
        reason: i % 3 ? 'qbo_6140' : 'awaiting_approval',
        failureClass: 'rejected',
        detail: 'Duplicate Document Number Error',
        event: { schemaVersion: 1, eventId: `evt_r${i}`, tenantId: 'x', object: { id: `in_r${i}`, object: 'invoice' } },
        proposal,
      },
      new Date(now.getTime() - i * 60_000).toISOString(),
    );
  const job: BulkJob = {
    schemaVersion: 1,
    jobId: 'bench-job',
    action: 'retry',
    scope: { tenantId: 'tenant-01' },
    requestedBy: 'bench',
    startedAt: new Date(now.getTime() - 60_000).toISOString(),
    sentAt: new Date(now.getTime() - 59_000).toISOString(),
    items: Array.from({ length: 100 }, (_, i) => ({
      reviewId: `tenant-01:in_r${i * 20 + 1}:invoice.finalized`,
      tenantId: 'tenant-01',
      stripeId: `in_r${i * 20 + 1}`,
      sent: true,
    })),
    leftOver: 0,
  };
  await stores.syncState.put(bulkJobKey(job.jobId), job, 0);
  const counts: Record<string, number> = {};
  for (const table of ['audit_records', 'events_archive', 'link_records', 'dead_letters', 'review_queue'])
    counts[table] = Number((await stores.database.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${table}`))[0]?.n ?? 0);
  return counts;
}

async function main(argv: string[]): Promise<number> {
  const auditRows = Number(argValue(argv, '--audit-rows') ?? 100_000);
  const runs = Number(argValue(argv, '--runs') ?? 15);
  const now = new Date();
  const stores = await openDuckDbStores(':memory:');
  try {
    const logger = createLogger({ functionName: 'console-bench', level: 'silent' });
    const ddlDir = findDdlDir();
    await new LocalArchiver(stores.database, ddlDir, logger).prepare();
    const seeded = await seed(stores, auditRows, now);
    const app = createConsoleApp({
      stores,
      history: createHistoryReader(await createDuckDbEngine(stores.database, loadConsoleSql(ddlDir), ddlDir)),
      publisher: {
        publish: async () => Promise.reject(new Error('the bench only reads')),
        close: async () => undefined,
      },
      pubsub: {} as PubSub,
      validators: createValidators(),
      topicPrefix: '',
      logger,
      now: () => now,
      auth: localAuth(),
      windows: { windowDays: 7, chartDays: 14, scheduleHours: 26 },
    });
    const loadBefore = loadavg()[0] ?? 0;
    const week = new Date(now.getTime() - 6 * DAY_MS).toISOString().slice(0, 10);
    const today = now.toISOString().slice(0, 10);
    const pages: Record<string, string> = {
      overview: '/',
      tenant: '/tenants/tenant-01',
      activity: '/activity',
      activity_filtered: '/activity?tenant=tenant-01&outcome=parked&reason=qbo_6140',
      activity_30_days: `/activity?from=${new Date(now.getTime() - 30 * DAY_MS).toISOString().slice(0, 10)}&to=${today}`,
      review: '/review',
      review_tenant: '/review?tenant=tenant-01',
      dead_letters: '/dead-letters',
      payouts: '/payouts',
      bulk_job: '/jobs/bench-job',
    };
    // The activity's second page: the cursor the first page links to.
    const first = await (await app.fetch(new Request(`http://console${pages.activity}`))).text();
    const older = /href="(\/activity\?[^"]*after=[^"]+)"/.exec(first)?.[1]?.replace(/&amp;/g, '&');
    if (older) pages.activity_page_2 = older;
    const figures: Record<string, { p50_ms: number; p95_ms: number; max_ms: number; bytes: number }> = {};
    for (const [name, path] of Object.entries(pages)) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < runs + 2; i += 1) {
        const started = performance.now();
        const response = await app.fetch(new Request(`http://console${path}`));
        const body = await response.text();
        const ms = performance.now() - started;
        if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${body.slice(0, 200)}`);
        bytes = body.length;
        if (i >= 2) times.push(ms); // two warm-up requests
      }
      times.sort((a, b) => a - b);
      figures[name] = {
        p50_ms: round(percentile(times, 50), 1),
        p95_ms: round(percentile(times, 95), 1),
        max_ms: round(times.at(-1) ?? 0, 1),
        bytes,
      };
    }
    // The export is a download, not a page: reported beside them, with its size.
    const exportStarted = performance.now();
    const csv = await (await app.fetch(new Request(`http://console/activity.csv?from=${week}&to=${today}`))).text();
    const exportFigure = {
      ms: round(performance.now() - exportStarted, 1),
      rows: csv.split('\r\n').length - 2,
      bytes: csv.length,
    };
    const worst = Math.max(...Object.values(figures).map((f) => f.p95_ms));
    const result = {
      measuredAt: now.toISOString(),
      machine: machine(),
      // The machine is shared: its load during the run says how far the figures are from a quiet one's.
      load_average_1m: { before: round(loadBefore, 2), after: round(loadavg()[0] ?? 0, 2) },
      store: 'DuckDB (in memory), the local stack’s SQL',
      seeded,
      runs,
      target_ms: TARGET_MS,
      pages: figures,
      csv_export_7_days: exportFigure,
      worst_page_p95_ms: worst,
      all_pages_under_target: worst < TARGET_MS,
    };
    const out = join(process.cwd(), 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'console.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(JSON.stringify(result, null, 2));
    return result.all_pages_under_target ? 0 : 1;
  } finally {
    await stores.close();
  }
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
