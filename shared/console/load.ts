import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { qboTokenHealthKey, type QboTokenHealth } from '../qbo/auth/token-health';
import { replayCursorKey, type ReplayCursor } from '../replay/replay';
import type { ReviewItem, ReviewQueue, SyncStateStore, TenantStore } from '../stores/ports';
import { fillDays } from './chart';
import { chartDays, tenantCounts } from './counts';
import { refreshTokenDays, tenantHealth } from './health';
import type { HistoryReader, TenantCounts } from './history/reader';
import type { LinkContext } from './pages/activity';
import type { TenantOverview } from './pages/overview';

/** What the console reads its pages from: the stores (Firestore / DuckDB) and the history (BigQuery / DuckDB). */
export interface ConsoleReads {
  tenants: Pick<TenantStore, 'list' | 'get'>;
  reviewQueue: Pick<ReviewQueue, 'list' | 'get'>;
  syncState: Pick<SyncStateStore, 'get'>;
  history: HistoryReader;
}

export interface ConsoleWindows {
  /** Days counted in the "window" figures (7). */
  windowDays: number;
  /** Days in the charts (14). */
  chartDays: number;
  /** A tenant with no sync for longer than this is red (the daily replay plus grace: 26). */
  scheduleHours: number;
}

const DAY_MS = 86_400_000;
const utcDay = (date: Date) => date.toISOString().slice(0, 10);
const dayStart = (date: Date) => new Date(`${utcDay(date)}T00:00:00.000Z`);

export function linkContext(tenants: readonly TenantSettings[]): LinkContext {
  return new Map(tenants.map((t) => [t.tenantId, { stripe: t.stripe, qbo: t.qbo }]));
}

function openByTenant(items: readonly ReviewItem[]): Map<string, Record<string, number>> {
  const byTenant = new Map<string, Record<string, number>>();
  for (const item of items) {
    const reasons = byTenant.get(item.tenantId) ?? {};
    reasons[item.reason] = (reasons[item.reason] ?? 0) + 1;
    byTenant.set(item.tenantId, reasons);
  }
  return byTenant;
}

async function tenantOverview(
  reads: ConsoleReads,
  windows: ConsoleWindows,
  tenant: TenantSettings,
  counts: TenantCounts | undefined,
  openReview: Record<string, number>,
  now: Date,
): Promise<TenantOverview> {
  // Every replay run records a decision per tenant (its summary), so the history's latest decision is the last
  // sync; only a tenant with none in the chart's days needs its replay cursor read.
  const [cursor, connection] = await Promise.all([
    counts?.lastDecisionAt
      ? Promise.resolve(undefined)
      : reads.syncState.get<ReplayCursor>(replayCursorKey(tenant.tenantId)),
    reads.syncState.get<QboTokenHealth>(qboTokenHealthKey(tenant.tenantId)),
  ]);
  const lastSyncAt = counts?.lastDecisionAt ?? cursor?.value.updatedAt;
  const tokenHealth = connection?.value;
  const days = refreshTokenDays(tokenHealth, now);
  return {
    tenant,
    counts,
    lastSyncAt,
    refreshTokenDays: days,
    ...(tokenHealth ? { tokenHealth } : {}),
    openReview: Object.values(openReview).reduce((sum, n) => sum + n, 0),
    health: tenantHealth({
      tenant,
      counts,
      openReview,
      lastSyncAt,
      refreshTokenDays: days,
      ...(tokenHealth?.problem ? { tokenProblem: tokenHealth.problem } : {}),
      now,
      scheduleHours: windows.scheduleHours,
    }),
  };
}

/** The day boundaries of the counts and the chart (UTC days, today included). */
function daysOf(windows: ConsoleWindows, now: Date) {
  const today = dayStart(now);
  const windowStart = new Date(today.getTime() - (windows.windowDays - 1) * DAY_MS);
  const chartStart = new Date(today.getTime() - (windows.chartDays - 1) * DAY_MS);
  return { today, windowStart, chartStart, since: windowStart < chartStart ? windowStart : chartStart };
}

async function history(reads: ConsoleReads, windows: ConsoleWindows, now: Date, tenantId?: string) {
  const days = daysOf(windows, now);
  const [decisions, discovery] = await Promise.all([
    reads.history.decisionsByDay(days.since.toISOString(), tenantId),
    reads.history.discoveryByDay(days.windowStart.toISOString(), tenantId),
  ]);
  return {
    counts: tenantCounts(decisions, discovery, { today: utcDay(days.today), windowStart: utcDay(days.windowStart) }),
    chart: fillDays(
      chartDays(decisions.filter((d) => d.day >= utcDay(days.chartStart))),
      utcDay(days.chartStart),
      utcDay(days.today),
    ),
  };
}

export async function loadOverview(reads: ConsoleReads, windows: ConsoleWindows, now: Date) {
  const [tenants, { counts: byTenant, chart }, open] = await Promise.all([
    reads.tenants.list(),
    history(reads, windows, now),
    reads.reviewQueue.list({ status: 'open' }),
  ]);
  const open_ = openByTenant(open);
  const rows = await Promise.all(
    tenants.map((tenant) =>
      tenantOverview(reads, windows, tenant, byTenant.get(tenant.tenantId), open_.get(tenant.tenantId) ?? {}, now),
    ),
  );
  return { rows, chart };
}

export async function loadTenant(reads: ConsoleReads, windows: ConsoleWindows, tenantId: string, now: Date) {
  const tenant = await reads.tenants.get(tenantId);
  if (!tenant) return undefined;
  const [{ counts, chart }, open, recent] = await Promise.all([
    history(reads, windows, now, tenantId),
    reads.reviewQueue.list({ tenantId, status: 'open' }),
    reads.history.activity(
      {
        from: new Date(now.getTime() - 30 * DAY_MS).toISOString(),
        to: new Date(now.getTime() + 60_000).toISOString(),
        tenantId,
      },
      { limit: 20 },
    ),
  ]);
  const overview = await tenantOverview(
    reads,
    windows,
    tenant,
    counts.get(tenantId),
    openByTenant(open).get(tenantId) ?? {},
    now,
  );
  return { ...overview, recent, chart };
}
