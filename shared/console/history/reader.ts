import type { SqlEngine, SqlRow } from './engine';

/**
 * What the console reads from the history (BigQuery in production, DuckDB locally), typed. Counts are decisions
 * (audit rows, deduplicated) except `discovered`, which counts events published to the entity topics.
 */
export const COUNTED = ['discovered', 'posted', 'skipped', 'parked', 'failed', 'deadLettered', 'planned'] as const;
export type Counted = (typeof COUNTED)[number];

export interface TenantCounts {
  tenantId: string;
  today: Record<Counted, number>;
  window: Record<Counted, number>;
  /** Events discovered in the window with no final decision yet. */
  backlog: number;
  lastDecisionAt: string | null;
}

/** Decisions of one outcome on one UTC day. */
export interface DailyDecisions {
  tenantId: string;
  /** YYYY-MM-DD, UTC. */
  day: string;
  outcome: string;
  decisions: number;
  lastAt: string;
}

/** Events discovered on one UTC day, and how many of them still have no final decision. */
export interface DailyDiscovery {
  tenantId: string;
  day: string;
  discovered: number;
  waiting: number;
}

export interface ActivityFilter {
  /** ISO 8601, inclusive. */
  from: string;
  /** ISO 8601, exclusive. */
  to: string;
  tenantId?: string;
  entity?: string;
  outcome?: string;
  reason?: string;
}

/** The last row of a page: the next page starts after it. */
export interface ActivityCursor {
  at: string;
  tenantId: string;
  recordId: string;
}

export interface ActivityRow {
  recordedAt: string;
  tenantId: string;
  recordId: string;
  function: string;
  outcome: string;
  reason: string;
  failureClass: string | null;
  eventId: string | null;
  eventType: string | null;
  source: string | null;
  entity: string | null;
  stripeId: string | null;
  qboEntity: string | null;
  qboId: string | null;
  realmId: string | null;
  amount: string | null;
  currency: string | null;
  attempt: number | null;
  detail: string | null;
}

export interface ActivitySummary {
  matching: number;
  /** Reasons recorded in the window (ignoring the entity/outcome/reason filter), with how often. */
  reasons: Array<{ reason: string; count: number }>;
}

export interface DeadLetterRow {
  messageId: string;
  deadLetteredAt: string;
  tenantId: string | null;
  eventType: string | null;
  entity: string | null;
  objectId: string | null;
  eventId: string | null;
  source: string | null;
  amount: number | null;
  currency: string | null;
  /** When the object was posted (or found linked, or dismissed) after it was dead-lettered; null while open. */
  settledAt: string | null;
}

export interface PayoutRow {
  tenantId: string;
  payoutId: string;
  latestEventType: string | null;
  currency: string | null;
  stripeAmountMinor: number | null;
  stripeAmount: string | null;
  qboEntity: string | null;
  qboId: string | null;
  txnDate: string | null;
  qboAmount: string | null;
  linkedAt: string | null;
  tiesOut: boolean | null;
}

export interface ObjectOutcome {
  tenantId: string;
  stripeId: string;
  outcome: string;
  reason: string;
  recordedAt: string;
}

export interface HistoryReader {
  readonly engine: SqlEngine['name'];
  decisionsByDay(since: string, tenantId?: string): Promise<DailyDecisions[]>;
  discoveryByDay(since: string, tenantId?: string): Promise<DailyDiscovery[]>;
  activity(filter: ActivityFilter, options: { after?: ActivityCursor; limit: number }): Promise<ActivityRow[]>;
  activitySummary(filter: ActivityFilter): Promise<ActivitySummary>;
  deadLetters(since: string, options: { tenantId?: string; limit: number }): Promise<DeadLetterRow[]>;
  payouts(options: { tenantId?: string; limit: number }): Promise<PayoutRow[]>;
  outcomesSince(since: string, tenantId?: string): Promise<ObjectOutcome[]>;
}

const str = (value: SqlRow[string]): string => (value === null ? '' : String(value));
const optStr = (value: SqlRow[string]): string | null => (value === null ? null : String(value));
/**
 * A decimal as people write money: BigQuery prints NUMERIC without trailing zeros, DuckDB's DECIMAL(38,9) with
 * nine places; both become "3566.79" (at least two places when there is a fraction, none when there is not).
 */
export function decimalText(value: SqlRow[string]): string | null {
  if (value === null) return null;
  const text = String(value);
  const match = /^(-?\d+)(?:\.(\d*?)0*)?$/.exec(text);
  if (!match) return text;
  const [, whole, fraction = ''] = match;
  return fraction ? `${whole}.${fraction.padEnd(2, '0')}` : `${whole}`;
}
const num = (value: SqlRow[string]): number => (value === null ? 0 : Number(value));
const optNum = (value: SqlRow[string]): number | null => (value === null ? null : Number(value));

const filterParams = (filter: ActivityFilter) => ({
  from: filter.from,
  to: filter.to,
  tenantId: filter.tenantId ?? null,
  entity: filter.entity ?? null,
  outcome: filter.outcome ?? null,
  reason: filter.reason ?? null,
});

export function createHistoryReader(engine: SqlEngine): HistoryReader {
  return {
    engine: engine.name,
    async decisionsByDay(since, tenantId) {
      const rows = await engine.run('daily_outcomes', { since, tenantId: tenantId ?? null });
      return rows.map((row) => ({
        tenantId: str(row.tenantId ?? null),
        day: str(row.day ?? null).slice(0, 10),
        outcome: str(row.outcome ?? null),
        decisions: num(row.decisions ?? null),
        lastAt: str(row.lastAt ?? null),
      }));
    },
    async discoveryByDay(since, tenantId) {
      const rows = await engine.run('discovery', { since, tenantId: tenantId ?? null });
      return rows.map((row) => ({
        tenantId: str(row.tenantId ?? null),
        day: str(row.day ?? null).slice(0, 10),
        discovered: num(row.discovered ?? null),
        waiting: num(row.waiting ?? null),
      }));
    },
    async activity(filter, { after, limit }) {
      const rows = await engine.run('activity', {
        ...filterParams(filter),
        beforeAt: after?.at ?? null,
        beforeTenantId: after?.tenantId ?? null,
        beforeRecordId: after?.recordId ?? null,
        limit,
      });
      return rows.map((row) => ({
        recordedAt: str(row.recordedAt ?? null),
        tenantId: str(row.tenantId ?? null),
        recordId: str(row.recordId ?? null),
        function: str(row.function ?? null),
        outcome: str(row.outcome ?? null),
        reason: str(row.reason ?? null),
        failureClass: optStr(row.failureClass ?? null),
        eventId: optStr(row.eventId ?? null),
        eventType: optStr(row.eventType ?? null),
        source: optStr(row.source ?? null),
        entity: optStr(row.entity ?? null),
        stripeId: optStr(row.stripeId ?? null),
        qboEntity: optStr(row.qboEntity ?? null),
        qboId: optStr(row.qboId ?? null),
        realmId: optStr(row.realmId ?? null),
        amount: optStr(row.amount ?? null),
        currency: optStr(row.currency ?? null),
        attempt: optNum(row.attempt ?? null),
        detail: optStr(row.detail ?? null),
      }));
    },
    async activitySummary(filter) {
      const rows = await engine.run('activity_summary', filterParams(filter));
      return {
        matching: rows.reduce((sum, row) => sum + num(row.matching ?? null), 0),
        reasons: rows.map((row) => ({ reason: str(row.reason ?? null), count: num(row.inWindow ?? null) })),
      };
    },
    async deadLetters(since, { tenantId, limit }) {
      const rows = await engine.run('dead_letters', { since, tenantId: tenantId ?? null, limit });
      return rows.map((row) => ({
        messageId: str(row.messageId ?? null),
        deadLetteredAt: str(row.deadLetteredAt ?? null),
        tenantId: optStr(row.tenantId ?? null),
        eventType: optStr(row.eventType ?? null),
        entity: optStr(row.entity ?? null),
        objectId: optStr(row.objectId ?? null),
        eventId: optStr(row.eventId ?? null),
        source: optStr(row.source ?? null),
        amount: optNum(row.amount ?? null),
        currency: optStr(row.currency ?? null),
        settledAt: optStr(row.settledAt ?? null),
      }));
    },
    async payouts({ tenantId, limit }) {
      const rows = await engine.run('payouts', { tenantId: tenantId ?? null, limit });
      return rows.map((row) => ({
        tenantId: str(row.tenantId ?? null),
        payoutId: str(row.payoutId ?? null),
        latestEventType: optStr(row.latestEventType ?? null),
        currency: optStr(row.currency ?? null),
        stripeAmountMinor: optNum(row.stripeAmountMinor ?? null),
        stripeAmount: decimalText(row.stripeAmount ?? null),
        qboEntity: optStr(row.qboEntity ?? null),
        qboId: optStr(row.qboId ?? null),
        txnDate: optStr(row.txnDate ?? null),
        qboAmount: decimalText(row.qboAmount ?? null),
        linkedAt: optStr(row.linkedAt ?? null),
        tiesOut: row.tiesOut === null || row.tiesOut === undefined ? null : Boolean(row.tiesOut),
      }));
    },
    async outcomesSince(since, tenantId) {
      const rows = await engine.run('outcomes_since', { since, tenantId: tenantId ?? null });
      return rows.map((row) => ({
        tenantId: str(row.tenantId ?? null),
        stripeId: str(row.stripeId ?? null),
        outcome: str(row.outcome ?? null),
        reason: str(row.reason ?? null),
        recordedAt: str(row.recordedAt ?? null),
      }));
    },
  };
}
