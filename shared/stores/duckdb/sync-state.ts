import type { SyncStateStore } from '../ports';
import type { DuckDbDatabase } from './connection';

export class DuckDbSyncStateStore implements SyncStateStore {
  constructor(private readonly db: DuckDbDatabase) {}

  async get<T extends object>(key: string): Promise<{ value: T; version: number } | undefined> {
    const rows = await this.db.all<{ value: string; version: number }>(
      'SELECT value, version FROM sync_state WHERE key = $key',
      {
        key,
      },
    );
    const row = rows[0];
    return row ? { value: JSON.parse(row.value) as T, version: Number(row.version) } : undefined;
  }

  put<T extends object>(key: string, value: T, expectedVersion: number): Promise<boolean> {
    return this.db.exclusive(async (sql) => {
      const rows = await sql.all<{ version: number }>('SELECT version FROM sync_state WHERE key = $key', { key });
      const current = rows[0] ? Number(rows[0].version) : 0;
      if (current !== expectedVersion) return false;
      await sql.run('INSERT OR REPLACE INTO sync_state VALUES ($key, $value, $version)', {
        key,
        value: JSON.stringify(value),
        version: current + 1,
      });
      return true;
    });
  }
}
