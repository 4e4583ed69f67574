import type { DependencyWait, WaitList } from '../ports';
import type { DuckDbDatabase, SqlRunner } from './connection';

interface WaitRow {
  tenant_id: string;
  dependency: string;
  event_id: string;
  event: string;
  since: string;
  requested_at: string | null;
}

function toWait(row: WaitRow): DependencyWait {
  return {
    tenantId: row.tenant_id,
    dependency: row.dependency,
    eventId: row.event_id,
    event: JSON.parse(row.event) as object,
    since: row.since,
    ...(row.requested_at !== null ? { requestedAt: row.requested_at } : {}),
  };
}

/** Waits with their dependency's request, oldest first. */
const SELECT_WAITS = `SELECT w.*, r.requested_at FROM dependency_waits w
  LEFT JOIN dependency_requests r USING (tenant_id, dependency)`;
const OLDEST_FIRST = 'ORDER BY w.since, w.dependency, w.event_id';

/**
 * Waits in `dependency_waits` (one row per tenant, dependency, event); each dependency's request in
 * `dependency_requests`.
 *
 * Every create that commits asks for its waiters, and nearly always there are none: this process remembers which
 * dependencies may have waiters (it is the file's one writer, see RowMirror) and answers the rest without the
 * table. The set may hold a dependency whose waiters are gone, never miss one that has some.
 */
export class DuckDbWaitList implements WaitList {
  private waited: Set<string> | undefined;

  constructor(private readonly db: DuckDbDatabase) {}

  /** Call inside an exclusive turn. */
  private async waitedDependencies(sql: SqlRunner): Promise<Set<string>> {
    if (!this.waited) {
      const rows = await sql.all<{ tenant_id: string; dependency: string }>(
        'SELECT DISTINCT tenant_id, dependency FROM dependency_waits',
      );
      this.waited = new Set(rows.map((row) => waitedKey(row.tenant_id, row.dependency)));
    }
    return this.waited;
  }

  add(wait: Omit<DependencyWait, 'since' | 'requestedAt'>, now: string): Promise<{ request: boolean }> {
    // Both rows in one turn of the queue: two waiters of one dependency cannot both claim its request.
    return this.db.exclusive(async (sql) => {
      const key = { tenantId: wait.tenantId, dependency: wait.dependency };
      (await this.waitedDependencies(sql)).add(waitedKey(wait.tenantId, wait.dependency));
      // A repeat leaves its row as it was: `since` stays when the event first waited.
      await sql.run(
        `INSERT INTO dependency_waits (tenant_id, dependency, event_id, event, since)
         VALUES ($tenantId, $dependency, $eventId, $event, $now) ON CONFLICT DO NOTHING`,
        { ...key, eventId: wait.eventId, event: JSON.stringify(wait.event), now },
      );
      const requested = await sql.all(
        'SELECT 1 FROM dependency_requests WHERE tenant_id = $tenantId AND dependency = $dependency',
        key,
      );
      if (requested.length > 0) return { request: false };
      await sql.run('INSERT INTO dependency_requests VALUES ($tenantId, $dependency, $now)', { ...key, now });
      return { request: true };
    });
  }

  async setRequested(tenantId: string, dependency: string, requestedAt: string | null): Promise<void> {
    const key = { tenantId, dependency };
    await this.db.run(
      requestedAt === null
        ? 'DELETE FROM dependency_requests WHERE tenant_id = $tenantId AND dependency = $dependency'
        : 'INSERT OR REPLACE INTO dependency_requests VALUES ($tenantId, $dependency, $requestedAt)',
      requestedAt === null ? key : { ...key, requestedAt },
    );
  }

  waiters(tenantId: string, dependency: string): Promise<DependencyWait[]> {
    return this.db.exclusive(async (sql) => {
      const waited = await this.waitedDependencies(sql);
      const key = waitedKey(tenantId, dependency);
      if (!waited.has(key)) return [];
      const rows = await sql.all<WaitRow>(
        `${SELECT_WAITS} WHERE w.tenant_id = $tenantId AND w.dependency = $dependency ${OLDEST_FIRST}`,
        { tenantId, dependency },
      );
      if (rows.length === 0) waited.delete(key);
      return rows.map(toWait);
    });
  }

  async remove(tenantId: string, dependency: string, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const key = { tenantId, dependency };
    await this.db.exclusive(async (sql) => {
      for (const eventId of eventIds)
        await sql.run(
          `DELETE FROM dependency_waits
           WHERE tenant_id = $tenantId AND dependency = $dependency AND event_id = $eventId`,
          { ...key, eventId },
        );
      // The last waiter gone, so goes the request (a later wait for the same dependency asks again), and the
      // dependency leaves the set of those that may have waiters, which would otherwise only grow.
      const left = await sql.all(
        'SELECT 1 FROM dependency_waits WHERE tenant_id = $tenantId AND dependency = $dependency LIMIT 1',
        key,
      );
      if (left.length > 0) return;
      await sql.run('DELETE FROM dependency_requests WHERE tenant_id = $tenantId AND dependency = $dependency', key);
      this.waited?.delete(waitedKey(tenantId, dependency));
    });
  }

  async list(tenantId: string): Promise<DependencyWait[]> {
    const rows = await this.db.all<WaitRow>(`${SELECT_WAITS} WHERE w.tenant_id = $tenantId ${OLDEST_FIRST}`, {
      tenantId,
    });
    return rows.map(toWait);
  }
}

function waitedKey(tenantId: string, dependency: string): string {
  return JSON.stringify([tenantId, dependency]);
}
