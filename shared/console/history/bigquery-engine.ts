import { bigQuerySql, CONSOLE_QUERIES, type ConsoleSql } from './queries';
import { plainRow, type SqlEngine } from './engine';

/**
 * The slice of @google-cloud/bigquery's client the console uses (`BigQuery#query`), so tests can pass a fake and
 * check the exact SQL, parameters and types sent: there is no live BigQuery to run them against here.
 */
export interface BigQueryQueryClient {
  query(options: {
    query: string;
    params: Record<string, unknown>;
    types: Record<string, string>;
    useLegacySql: false;
    location?: string;
  }): Promise<[unknown[], ...unknown[]]>;
}

export interface BigQueryEngineOptions {
  client: BigQueryQueryClient;
  project: string;
  dataset: string;
  /** The dataset's location (Terraform's bigquery_location); BigQuery infers it from the tables when unset. */
  location?: string;
  sql: ConsoleSql;
}

export function createBigQueryEngine(options: BigQueryEngineOptions): SqlEngine {
  const prepared = Object.fromEntries(
    Object.entries(options.sql).map(([name, text]) => [name, bigQuerySql(text, options.project, options.dataset)]),
  ) as ConsoleSql;
  return {
    name: 'bigquery',
    async run(query, params) {
      const [rows] = await options.client.query({
        query: prepared[query],
        params: params as Record<string, unknown>,
        // Every parameter typed: BigQuery cannot infer the type of a NULL, nor read a string as a TIMESTAMP.
        types: { ...CONSOLE_QUERIES[query] },
        useLegacySql: false,
        ...(options.location ? { location: options.location } : {}),
      });
      return (rows as Record<string, unknown>[]).map(plainRow);
    },
  };
}
