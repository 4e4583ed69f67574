import type { ChartDay } from './chart';
import { COUNTED, type Counted, type DailyDecisions, type DailyDiscovery, type TenantCounts } from './history/reader';

/**
 * Today's and the window's figures per tenant, from the per-day rows the history returns (one query over the
 * chart's days serves the counts, the chart and the last decision). Pure.
 */
const OUTCOME_COUNTED: Record<string, Counted> = {
  posted: 'posted',
  skipped: 'skipped',
  parked: 'parked',
  failed: 'failed',
  dead_lettered: 'deadLettered',
  planned: 'planned',
};

const zero = (): Record<Counted, number> =>
  Object.fromEntries(COUNTED.map((name) => [name, 0])) as Record<Counted, number>;

export function tenantCounts(
  decisions: readonly DailyDecisions[],
  discovery: readonly DailyDiscovery[],
  days: { today: string; windowStart: string },
): Map<string, TenantCounts> {
  const byTenant = new Map<string, TenantCounts>();
  const entry = (tenantId: string) => {
    let counts = byTenant.get(tenantId);
    if (!counts) {
      counts = { tenantId, today: zero(), window: zero(), backlog: 0, lastDecisionAt: null };
      byTenant.set(tenantId, counts);
    }
    return counts;
  };
  for (const row of decisions) {
    const counts = entry(row.tenantId);
    if (!counts.lastDecisionAt || row.lastAt > counts.lastDecisionAt) counts.lastDecisionAt = row.lastAt;
    const name = OUTCOME_COUNTED[row.outcome];
    if (!name || row.day < days.windowStart) continue;
    counts.window[name] += row.decisions;
    if (row.day === days.today) counts.today[name] += row.decisions;
  }
  for (const row of discovery) {
    if (row.day < days.windowStart) continue;
    const counts = entry(row.tenantId);
    counts.window.discovered += row.discovered;
    counts.backlog += row.waiting;
    if (row.day === days.today) counts.today.discovered += row.discovered;
  }
  return byTenant;
}

/** Posted and parked per day, every tenant together. */
export function chartDays(decisions: readonly DailyDecisions[]): ChartDay[] {
  const byDay = new Map<string, ChartDay>();
  for (const row of decisions) {
    if (row.outcome !== 'posted' && row.outcome !== 'parked') continue;
    const day = byDay.get(row.day) ?? { day: row.day, posted: 0, parked: 0 };
    day[row.outcome] += row.decisions;
    byDay.set(row.day, day);
  }
  return [...byDay.values()];
}
