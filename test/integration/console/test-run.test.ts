import type { PubSub } from '@google-cloud/pubsub';
import { join } from 'node:path';
import { createValidators } from '../../../schemas/validators';
import { LocalArchiver } from '../../../dev/local-stack/archiver';
import { buildStripeObject, startStripeStandIn, type StripeStandIn } from '../../../dev/stripe-stand-in';
import { runBackfill } from '../../../shared/backfill/backfill';
import { createDryRunPlanner } from '../../../shared/backfill/dry-run-plans';
import { createConsoleApp } from '../../../shared/console/app';
import { localAuth } from '../../../shared/console/auth/access';
import { createDuckDbEngine } from '../../../shared/console/history/duckdb-engine';
import { loadConsoleSql } from '../../../shared/console/history/queries';
import { createHistoryReader } from '../../../shared/console/history/reader';
import { CONTROL_TOPICS } from '../../../shared/messaging/topics';
import { secretNames } from '../../../shared/secrets/secret-store';
import { openDuckDbStores, type DuckDbStores } from '../../../shared/stores/duckdb';
import { createStripeClientFactory } from '../../../shared/stripe/client';
import { buildTenantSettings } from '../../support/tenants';
import { MemorySecretStore, PubSubTopics, RecordingAuditSink, silentLogger, TEST_STRIPE_KEY } from '../replay/support';

const ddlDir = join(__dirname, '../../../ddl');
const CREATED = Date.parse('2026-03-02T10:00:00Z') / 1000;

/**
 * The console's test run: a dry-run backfill whose events the consumers' own stages plan and park as `dry_run`
 * proposals (the exact QBO payloads), nothing posted or published; the console starts it and shows the proposals.
 */
describe('test run (a dry-run backfill) from the console', () => {
  let standIn: StripeStandIn;
  let topics: PubSubTopics;
  let stores: DuckDbStores;
  let app: ReturnType<typeof createConsoleApp>;

  beforeAll(async () => {
    standIn = await startStripeStandIn({
      objects: [1, 2, 3, 4].map((n) => buildStripeObject('customer', { id: `cus_tr${n}`, created: CREATED + n })),
      apiKeys: [TEST_STRIPE_KEY],
    });
    topics = await new PubSubTopics().create();
    stores = await openDuckDbStores(':memory:');
    await new LocalArchiver(stores.database, ddlDir, silentLogger).prepare();
    await stores.tenants.put(buildTenantSettings({ tenantId: 'acme' }));
    // cus_tr1 is in QBO already; cus_tr2 is parked for a real reason a dry run must not overwrite.
    await stores.ledger.reserve({
      tenantId: 'acme',
      stripeId: 'cus_tr1',
      operation: 'create',
      requestId: 'r1',
      qboEntity: 'Customer',
      leaseOwner: 'test',
      leaseMs: 60_000,
      now: Date.now(),
    });
    await stores.ledger.commit({ tenantId: 'acme', stripeId: 'cus_tr1', operation: 'create' }, 'test', {
      qboId: '58',
      now: Date.now(),
    });
    await stores.reviewQueue.park(
      {
        reviewId: 'acme:cus_tr2:customer.created',
        tenantId: 'acme',
        stripeId: 'cus_tr2',
        entity: 'customer',
        reason: 'customer_near_match',
        failureClass: 'rejected',
        detail: 'QBO customer 12 looks alike',
        event: {},
        proposal: null,
      },
      '2026-03-01T00:00:00.000Z',
    );
    app = createConsoleApp({
      stores,
      history: createHistoryReader(await createDuckDbEngine(stores.database, loadConsoleSql(ddlDir), ddlDir)),
      publisher: topics.publisher,
      pubsub: {} as PubSub,
      validators: createValidators(),
      topicPrefix: topics.prefix,
      logger: silentLogger,
      now: () => new Date(),
      auth: localAuth(),
      windows: { windowDays: 7, chartDays: 14, scheduleHours: 26 },
    });
  });
  afterAll(async () => {
    await topics?.close();
    await stores?.close();
    await standIn?.close();
  });

  it('starts a dry-run backfill of every Stripe list from the tenant page', async () => {
    const page = await app.fetch(new Request('http://console/tenants/acme'));
    const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const started = await app.fetch(
      new Request('http://console/tenants/acme/test-run', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ _csrf: token, from: '2026-03-01', to: '2026-03-02' }).toString(),
      }),
    );
    expect(started.status).toBe(303);
    expect(started.headers.get('location')).toMatch(/^\/tenants\/acme\/test-runs\/acme-20260301-20260302-[0-9a-f]{8}$/);
    const [command] = await topics.drain(CONTROL_TOPICS.opsBackfill);
    expect(command?.data).toMatchObject({
      tenantId: 'acme',
      dryRun: true,
      createdFrom: '2026-03-01T00:00:00.000Z',
      createdTo: '2026-03-03T00:00:00.000Z',
      entities: ['customers', 'invoices', 'invoice_payments', 'charges', 'refunds', 'credit_notes', 'payouts'],
    });
  });

  it('parks each plan as a dry_run proposal, skips what QBO has or the queue holds, and publishes nothing', async () => {
    const secrets = new MemorySecretStore();
    secrets.values.set(secretNames.stripeApiKey('acme'), TEST_STRIPE_KEY);
    const stripe = createStripeClientFactory({ secrets, apiBase: standIn.url, logger: silentLogger });
    const audit = new RecordingAuditSink();
    const outcome = await runBackfill(
      {
        functionName: 'backfill',
        tenants: stores.tenants,
        syncState: stores.syncState,
        publisher: topics.publisher,
        audit,
        stripeFor: (tenant) => stripe.clientFor(tenant),
        logger: silentLogger,
        topicPrefix: topics.prefix,
        now: () => new Date(),
        planDryRun: createDryRunPlanner({
          functionName: 'backfill',
          ledger: stores.ledger,
          reviewQueue: stores.reviewQueue,
          audit,
          now: () => new Date(),
        }),
      },
      {
        schemaVersion: 1,
        backfillId: 'acme-test-run',
        tenantId: 'acme',
        entities: ['customers'],
        createdFrom: '2026-03-01T00:00:00.000Z',
        createdTo: '2026-03-03T00:00:00.000Z',
        dryRun: true,
      },
    );
    expect(outcome.status).toBe('done');
    expect(await topics.drainEntities()).toHaveLength(0);
    const dryRuns = await stores.reviewQueue.list({ tenantId: 'acme', status: 'open', reason: 'dry_run' });
    expect(dryRuns.map((i) => i.stripeId).sort()).toEqual(['cus_tr3', 'cus_tr4']);
    const proposal = dryRuns[0]!.proposal as { operations: Array<{ entity: string; body: Record<string, unknown> }> };
    expect(proposal.operations).toEqual([
      expect.objectContaining({
        entity: 'Customer',
        body: expect.objectContaining({ Notes: expect.stringContaining(`stripe:${dryRuns[0]!.stripeId}`) }),
      }),
    ]);
    expect((await stores.reviewQueue.get('acme:cus_tr2:customer.created'))?.reason).toBe('customer_near_match');
    expect(
      audit.records
        .filter((r) => r.outcome === 'planned' && r.reason === 'dry_run')
        .map((r) => r.stripeId)
        .sort(),
    ).toEqual(['cus_tr3', 'cus_tr4']);

    const html = await (await app.fetch(new Request('http://console/tenants/acme/test-runs/acme-test-run'))).text();
    expect(html).toContain('data-status="done"');
    expect(html).toContain('Proposed QBO payloads (2)');
    expect(html).toContain('data-review-id="acme:cus_tr3:customer.created"');
    expect(html).toContain('&quot;Notes&quot;: &quot;stripe:cus_tr4');
  });
});
