import type { SyncStateStore } from '../ports';
import type { DuckDbDatabase, SqlRunner } from './connection';
import { RowMirror } from './row-mirror';

interface StateRow {
  value: string;
  version: number;
}

/**
 * Versioned documents (cursors, the realm's QBO budget). The budget is read and compare-and-set many times a
 * minute, so the rows are mirrored (RowMirror says why that is sound); the value is kept as stored and parsed per
 * read, so no caller can change what another is given.
 */
export class DuckDbSyncStateStore implements SyncStateStore {
  private readonly mirror = new RowMirror<StateRow>(10_000);

  constructor(private readonly db: DuckDbDatabase) {}

  get<T extends object>(key: string): Promise<{ value: T; version: number } | undefined> {
    return this.db.exclusive(async (sql) => {
      const row = await this.read(sql, key);
      return row ? { value: JSON.parse(row.value) as T, version: row.version } : undefined;
    });
  }

  put<T extends object>(key: string, value: T, expectedVersion: number): Promise<boolean> {
    return this.db.exclusive(async (sql) => {
      const current = await this.read(sql, key);
      if ((current?.version ?? 0) !== expectedVersion) return false;
      const row = { value: JSON.stringify(value), version: expectedVersion + 1 };
      // An update where the row exists: DuckDB carries out INSERT OR REPLACE as a delete and an insert.
      await sql.run(
        current
          ? 'UPDATE sync_state SET value = $value, version = $version WHERE key = $key'
          : 'INSERT INTO sync_state VALUES ($key, $value, $version)',
        { key, ...row },
      );
      this.mirror.set(key, row);
      return true;
    });
  }

  /** Call inside an exclusive turn. */
  private read(sql: SqlRunner, key: string): Promise<StateRow | undefined> {
    return this.mirror.getOrLoad(key, async () => {
      const found = (await sql.all<StateRow>('SELECT value, version FROM sync_state WHERE key = $key', { key }))[0];
      return found && { value: found.value, version: Number(found.version) };
    });
  }
}
