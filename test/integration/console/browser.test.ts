import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { runDemoScenario } from '../../../dev/cli/demo';
import type { LocalStack } from '../../../dev/local-stack/stack';
import { buildScenario, createScenarioStripeReader, type ScenarioEvent } from '../../../dev/scenario/scenario';
import { chromiumAvailable, launchChromium, tabTo, unnamedControls } from '../../support/browser';
import { deliverStripeEvent, startTestStack, waitFor } from '../../support/stack';

/**
 * The console in a real browser (Debian's chromium through playwright-core) against the local stack after the
 * demo scenario: what the pages show is compared with the store and the QBO simulator, actions are taken by
 * clicking and by keyboard, and every page's controls must have accessible names.
 */
const artifacts = join(__dirname, '../../artifacts/console');
const describeWithBrowser = chromiumAvailable() ? describe : describe.skip;

/** RFC 4180 lines → rows (the export quotes cells with commas, quotes or line breaks). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ',') {
      row.push(cell);
      cell = '';
    } else if (!quoted && c === '\n') {
      row.push(cell.replace(/\r$/, ''));
      rows.push(row);
      row = [];
      cell = '';
    } else {
      cell += c;
    }
  }
  return rows;
}

describeWithBrowser('the operator console in Chromium, after the demo scenario', () => {
  const demo = buildScenario({ seed: 42, objects: 30 });
  // Objects the demo does not have (another seed, other ids): parked while auto-post is off, then acted on.
  const extra = buildScenario({ seed: 7, objects: 30 });
  const customers = extra.events.filter((e) => e.type === 'customer.created').slice(0, 5);
  const euroInvoice: ScenarioEvent = (() => {
    const invoice = extra.events.find((e) => e.type === 'invoice.finalized')!;
    return { ...invoice, id: `${invoice.id}eur`, data: { object: { ...invoice.data.object, currency: 'eur' } } };
  })();
  let stack: LocalStack;
  let context: BrowserContext;
  let page: Page;
  let closeBrowser: () => Promise<void>;
  let base: string;
  const realm = () => stack.tenants[0]!.realmId;
  const shot = (name: string) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  const qboCustomers = (stripeId: string) =>
    stack.simulator!.entities(realm(), 'Customer').filter((c) => String(c.Notes ?? '').includes(`stripe:${stripeId}`));
  const count = async (sql: string) => Number((await stack.stores.database.all<{ n: bigint }>(sql))[0]?.n ?? 0);

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    stack = await startTestStack({ stripe: createScenarioStripeReader(demo) });
    base = stack.urls.console!;
    const report = await runDemoScenario(stack, demo, 120_000);
    expect(report).toMatchObject({ duplicates: 0, lost: 0, pennyMismatches: 0 });
    ({ context, page, close: closeBrowser } = await launchChromium());
  }, 240_000);
  afterAll(async () => {
    await closeBrowser?.();
    await stack?.stop();
  });

  it('shows the demo tenant green, with the counts the store holds', async () => {
    await page.goto(`${base}/`);
    const row = page.locator('tr[data-tenant="demo"]');
    await expect(row.locator('[data-light]').getAttribute('data-light')).resolves.toBe('green');
    const decided = (outcome: string) =>
      count(
        `SELECT count(DISTINCT "recordId") AS n FROM audit_records WHERE "tenantId" = 'demo' AND "outcome" = '${outcome}'`,
      );
    const expected = {
      discovered: await count(`SELECT count(DISTINCT "eventId") AS n FROM events_archive WHERE "tenantId" = 'demo'`),
      posted: await decided('posted'),
      skipped: await decided('skipped'),
      parked: 0,
      deadLettered: 0,
      backlog: 0,
    };
    expect(expected.posted).toBe(30);
    for (const [measure, value] of Object.entries(expected))
      await expect(row.locator(`[data-measure="${measure}"]`).getAttribute('data-window')).resolves.toBe(String(value));
    await expect(row.locator('[data-measure="posted"]').getAttribute('data-today')).resolves.toBe('30');
    await expect(page.locator('svg#overview-chart desc').textContent()).resolves.toContain('30 posted');
    await shot('overview');
  });

  it('filters the activity and exports exactly the filtered rows as CSV, as the store has them', async () => {
    await page.goto(`${base}/activity`);
    await page.getByLabel('Tenant').selectOption('demo');
    await page.getByLabel('Outcome').selectOption('posted');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/outcome=posted/);
    const store = (
      await stack.stores.database.all<{ recordId: string }>(
        `SELECT "recordId" AS recordId FROM audit_records WHERE "tenantId" = 'demo' AND "outcome" = 'posted'
         GROUP BY "tenantId", "recordId" ORDER BY min("recordedAt") DESC, "recordId" DESC`,
      )
    ).map((r) => r.recordId);
    const shown = await page
      .locator('table.activity tbody tr')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-record')));
    expect([...shown].sort()).toEqual([...store].sort());
    await expect(page.locator('#activity-count').getAttribute('data-matching')).resolves.toBe(String(store.length));
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /Export CSV/ }).click(),
    ]);
    const csv = parseCsv(readFileSync((await download.path())!, 'utf8'));
    const header = csv[0]!;
    const records = csv.slice(1).map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i] ?? ''])));
    expect(records.map((r) => r.recordId)).toEqual(shown);
    for (const record of records) {
      expect(record).toMatchObject({ tenantId: 'demo', outcome: 'posted' });
      expect(record.stripeUrl).toMatch(/^https:\/\/dashboard\.stripe\.com\/test\//);
      expect(record.qboUrl).toMatch(/^https:\/\/app\.sandbox\.qbo\.intuit\.com\/app\/\w+\?(txnId|nameId)=\d+$/);
    }
    await shot('activity');
  });

  it('works from the keyboard: Tab to a control and press Enter', async () => {
    await page.goto(`${base}/`);
    await tabTo(page, /^Activity$/);
    await Promise.all([page.waitForURL(/\/activity$/), page.keyboard.press('Enter')]);
    await page.goto(`${base}/tenants/demo`);
    await tabTo(page, /^Turn auto-post off$/);
    await Promise.all([page.waitForURL(/\/tenants\/demo$/), page.keyboard.press('Enter')]);
    expect(await page.getByRole('status').textContent()).toContain('autoPost off');
    expect((await stack.stores.tenants.get('demo'))?.flags.autoPost).toBe(false);
    await shot('tenant');
  });

  it('approves a parked item from the page, and it lands in the simulator once', async () => {
    for (const event of [...customers, euroInvoice])
      expect((await deliverStripeEvent(stack, 'demo', event)).status).toBe(200);
    await waitFor(
      async () =>
        (await stack.stores.reviewQueue.list({ tenantId: 'demo', status: 'open' })).length === 6 ? true : undefined,
      'five customers awaiting approval and one euro invoice parked',
    );
    const approved = customers[0]!.data.object.id as string;
    await page.goto(`${base}/review?tenant=demo`);
    await shot('review');
    const item = page.locator(`article[data-review-id="demo:${approved}:customer.created"]`);
    await expect(item.getByRole('heading').textContent()).resolves.toContain('Waiting for approval');
    await expect(item.locator('details pre').first().textContent()).resolves.toContain(`stripe:${approved}`);
    await Promise.all([page.waitForURL(/\/review/), item.getByRole('button', { name: 'Approve' }).click()]);
    expect(await page.getByRole('status').textContent()).toContain(`approved demo:${approved}:customer.created`);
    await waitFor(async () => (qboCustomers(approved).length > 0 ? true : undefined), 'the approved customer in QBO');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(qboCustomers(approved)).toHaveLength(1);
  });

  it('retries everything parked with "Retry all" and reports what happened', async () => {
    await page.goto(`${base}/tenants/demo`);
    await Promise.all([
      page.waitForURL(/\/tenants\/demo$/),
      page.getByRole('button', { name: 'Turn auto-post on' }).click(),
    ]);
    await page.goto(`${base}/review?tenant=demo`);
    await Promise.all([page.waitForURL(/\/jobs\//), page.getByRole('button', { name: 'Retry all 5' }).click()]);
    await page.waitForSelector('#job-summary[data-done="yes"]', { timeout: 60_000 });
    await expect(page.locator('#job-summary').textContent()).resolves.toContain('Done: 4 posted, 1 still parked.');
    for (const event of customers.slice(1)) expect(qboCustomers(event.data.object.id as string)).toHaveLength(1);
    await shot('retry-all');
    await page.goto(`${base}/review?tenant=demo`);
    await expect(page.locator('#review-count').getAttribute('data-total')).resolves.toBe('1');
    await expect(page.locator('article.item h2').first().textContent()).resolves.toContain('not the QBO company');
  });

  it('labels every control on every page', async () => {
    for (const [name, path] of [
      ['overview', '/'],
      ['tenant', '/tenants/demo'],
      ['activity', '/activity'],
      ['review', '/review'],
      ['dead-letters', '/dead-letters'],
      ['payouts', '/payouts'],
    ] as const) {
      await page.goto(`${base}${path}`);
      const { total, unnamed } = await unnamedControls(context, page);
      expect({ page: name, unnamed }).toEqual({ page: name, unnamed: [] });
      expect(total).toBeGreaterThan(4);
      if (name === 'dead-letters' || name === 'payouts') await shot(name);
    }
  });
});
