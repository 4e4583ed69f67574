import type { ConsoleQueryName, QueryParams } from './queries';

/** A value as the history reader sees it: timestamps as ISO 8601 strings, integers as numbers. */
export type SqlValue = string | number | boolean | null;
export type SqlRow = Record<string, SqlValue>;

/**
 * Where the console's history queries run: BigQuery in production (bigquery-engine.ts), the local store's DuckDB
 * file locally (duckdb-engine.ts). Both run the same SQL files (queries.ts) and hand back plain values.
 */
export interface SqlEngine {
  readonly name: 'bigquery' | 'duckdb';
  run<Q extends ConsoleQueryName>(query: Q, params: QueryParams<Q>): Promise<SqlRow[]>;
}

/** What each client returns → SqlValue: Dates and BigQuery's {value} wrappers to ISO strings, bigints to numbers. */
export function plainValue(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object' && 'value' in value) return plainValue((value as { value: unknown }).value);
  return String(value);
}

export function plainRow(row: Record<string, unknown>): SqlRow {
  const plain: SqlRow = {};
  for (const [key, value] of Object.entries(row)) plain[key] = plainValue(value);
  return plain;
}
