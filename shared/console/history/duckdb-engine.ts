import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SqlParams } from '../../stores/duckdb/connection';
import { plainRow, type SqlEngine } from './engine';
import { toDuckDbSql, type ConsoleSql } from './queries';

/** The embedded store's connection (DuckDbDatabase): statements run one at a time through its queue. */
export interface DuckDbRunner {
  run(sql: string, params?: SqlParams): Promise<void>;
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
}

/** The analyst views of ddl/views, created in the DuckDB file (over the archiver's tables) as Terraform creates them in BigQuery. */
export async function createDuckDbViews(db: DuckDbRunner, ddlDir: string): Promise<string[]> {
  const views = readdirSync(join(ddlDir, 'views'))
    .filter((file) => file.endsWith('.sql'))
    .sort();
  for (const file of views) await db.run(toDuckDbSql(readFileSync(join(ddlDir, 'views', file), 'utf8')));
  return views.map((file) => file.replace(/\.sql$/, ''));
}

/**
 * The console's history on the local store: the archive tables the local archiver fills with BigQuery's columns,
 * queried with the same SQL files as production (translated by toDuckDbSql).
 */
export async function createDuckDbEngine(db: DuckDbRunner, sql: ConsoleSql, ddlDir: string): Promise<SqlEngine> {
  // BigQuery's DATE(timestamp) is the UTC date; DuckDB's follows the session time zone.
  await db.run("SET TimeZone = 'UTC'");
  await createDuckDbViews(db, ddlDir);
  const prepared = Object.fromEntries(
    Object.entries(sql).map(([name, text]) => [name, toDuckDbSql(text)]),
  ) as ConsoleSql;
  return {
    name: 'duckdb',
    async run(query, params) {
      const rows = await db.all(prepared[query], params as SqlParams);
      return rows.map(plainRow);
    },
  };
}
