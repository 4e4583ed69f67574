import type { Context, Hono } from 'hono';
import { csvLine } from './csv';
import type { ActivityCursor, ActivityFilter } from './history/reader';
import { linkContext } from './load';
import { qboAppUrl, stripeDashboardUrl } from './links';
import { activityPage, type ActivityForm } from './pages/activity';
import type { PageContext } from './pages/layout';
import { DAY, DAY_MS, TENANT, word, type ConsoleEnv, type ConsoleReadDeps } from './request';

/**
 * The activity page and its CSV export: one filter (UTC days, the last included; tenant, entity, outcome, reason),
 * one query (ddl/queries/console/activity.sql) for both, so the file holds exactly the rows the page pages through.
 */
const PAGE_SIZE = 50;
/** The CSV export's ceiling; a filter matching more is asked to narrow. */
export const EXPORT_LIMIT = 500_000;

export const CSV_COLUMNS = [
  'recordedAt',
  'tenantId',
  'recordId',
  'function',
  'outcome',
  'reason',
  'failureClass',
  'eventId',
  'eventType',
  'source',
  'entity',
  'stripeId',
  'qboEntity',
  'qboId',
  'realmId',
  'amount',
  'currency',
  'attempt',
  'detail',
] as const;

export function registerActivityRoutes(
  app: Hono<ConsoleEnv>,
  deps: ConsoleReadDeps,
  ctx: (c: Context<ConsoleEnv>) => PageContext,
): void {
  const activityForm = (c: Context<ConsoleEnv>): ActivityForm => {
    const now = deps.now();
    const q = (name: string) => c.req.query(name) || undefined;
    const today = now.toISOString().slice(0, 10);
    const weekAgo = new Date(now.getTime() - (deps.windows.windowDays - 1) * DAY_MS).toISOString().slice(0, 10);
    const fromDay = q('from') && DAY.test(q('from')!) ? q('from')! : weekAgo;
    const toDay = q('to') && DAY.test(q('to')!) ? q('to')! : today;
    const tenantId = word(q('tenant'), TENANT);
    const entity = word(q('entity'));
    const outcome = word(q('outcome'));
    const reason = word(q('reason'));
    return {
      fromDay,
      toDay,
      ...(tenantId ? { tenantId } : {}),
      ...(entity ? { entity } : {}),
      ...(outcome ? { outcome } : {}),
      ...(reason ? { reason } : {}),
    };
  };
  const activityFilter = (form: ActivityForm): ActivityFilter => {
    const { fromDay, toDay, ...rest } = form;
    return {
      from: `${fromDay}T00:00:00.000Z`,
      to: new Date(Date.parse(`${toDay}T00:00:00.000Z`) + DAY_MS).toISOString(),
      ...rest,
    };
  };
  const cursorOf = (value: string | undefined): ActivityCursor | undefined => {
    const [at, tenantId, ...recordId] = (value ?? '').split('|');
    if (!at || Number.isNaN(Date.parse(at)) || !tenantId || recordId.length === 0) return undefined;
    return { at, tenantId, recordId: recordId.join('|') };
  };

  app.get('/activity', async (c) => {
    const form = activityForm(c);
    const filter = activityFilter(form);
    const after = cursorOf(c.req.query('after'));
    const [rows, summary, tenants] = await Promise.all([
      deps.history.activity(filter, { ...(after ? { after } : {}), limit: PAGE_SIZE + 1 }),
      deps.history.activitySummary(filter),
      deps.stores.tenants.list(),
    ]);
    const page = rows.slice(0, PAGE_SIZE);
    const last = page.at(-1);
    return c.html(
      activityPage(
        ctx(c),
        {
          form,
          filter,
          rows: page,
          matching: summary.matching,
          reasons: summary.reasons.map((r) => r.reason),
          tenants: tenants.map((t) => t.tenantId),
          next:
            rows.length > PAGE_SIZE && last
              ? { at: last.recordedAt, tenantId: last.tenantId, recordId: last.recordId }
              : undefined,
          paged: after !== undefined,
        },
        linkContext(tenants),
      ),
    );
  });

  app.get('/activity.csv', async (c) => {
    const form = activityForm(c);
    const [rows, tenants] = await Promise.all([
      deps.history.activity(activityFilter(form), { limit: EXPORT_LIMIT + 1 }),
      deps.stores.tenants.list(),
    ]);
    if (rows.length > EXPORT_LIMIT)
      return c.text(`More than ${EXPORT_LIMIT} rows match: narrow the dates or add a filter.`, 413);
    const links = linkContext(tenants);
    const lines = [csvLine([...CSV_COLUMNS, 'stripeUrl', 'qboUrl'])];
    for (const row of rows) {
      const tenant = links.get(row.tenantId);
      const stripeUrl =
        row.stripeId && tenant
          ? stripeDashboardUrl(row.stripeId, {
              livemode: tenant.stripe.livemode,
              stripeAccount: tenant.stripe.accountId,
            })
          : '';
      const qboUrl =
        row.qboEntity && row.qboId && tenant ? (qboAppUrl(row.qboEntity, row.qboId, tenant.qbo.environment) ?? '') : '';
      lines.push(csvLine([...CSV_COLUMNS.map((column) => row[column]), stripeUrl, qboUrl]));
    }
    const name = `activity-${form.fromDay}-${form.toDay}${form.tenantId ? `-${form.tenantId}` : ''}.csv`;
    c.header('Content-Disposition', `attachment; filename="${name}"`);
    return c.body(lines.join(''), 200, { 'Content-Type': 'text/csv; charset=utf-8' });
  });
}
