import type { Stores } from '../ports';
import { DuckDbDatabase } from './connection';
import { DuckDbLedger } from './ledger';
import { DuckDbReviewQueue } from './review-queue';
import { OPERATIONAL_TABLES_SQL } from './schema';
import { DuckDbSyncStateStore } from './sync-state';
import { DuckDbTenantStore } from './tenant-store';
import { DuckDbWaitList } from './wait-list';

export interface DuckDbStores extends Stores {
  /** The open database, for the local archiver's analytics tables in the same file. */
  database: DuckDbDatabase;
}

/** The embedded store: every port on one DuckDB file (`.local/stripe-qbo.duckdb` by default, or `:memory:`). */
export async function openDuckDbStores(path: string): Promise<DuckDbStores> {
  const database = await DuckDbDatabase.open(path);
  for (const statement of OPERATIONAL_TABLES_SQL) await database.run(statement);
  return {
    database,
    tenants: new DuckDbTenantStore(database),
    ledger: new DuckDbLedger(database),
    syncState: new DuckDbSyncStateStore(database),
    reviewQueue: new DuckDbReviewQueue(database),
    waits: new DuckDbWaitList(database),
    close: () => database.close(),
  };
}
