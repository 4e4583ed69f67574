import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The console's history queries: one SQL file each under `ddl/queries/console/`, in BigQuery's dialect, which an
 * analyst can run by hand (fill in `${project}`, `${dataset}` and the `@parameters`). Production sends them to
 * BigQuery; the local stack runs the same files on DuckDB after `toDuckDbSql`. Each declares its parameters'
 * BigQuery types here, because BigQuery needs a type for a NULL parameter and never turns a STRING into a
 * TIMESTAMP by itself.
 */
export type ParamType = 'STRING' | 'TIMESTAMP' | 'INT64';

export const CONSOLE_QUERIES = {
  daily_outcomes: { since: 'TIMESTAMP', tenantId: 'STRING' },
  discovery: { since: 'TIMESTAMP', tenantId: 'STRING' },
  activity: {
    from: 'TIMESTAMP',
    to: 'TIMESTAMP',
    tenantId: 'STRING',
    entity: 'STRING',
    outcome: 'STRING',
    reason: 'STRING',
    beforeAt: 'TIMESTAMP',
    beforeTenantId: 'STRING',
    beforeRecordId: 'STRING',
    limit: 'INT64',
  },
  activity_summary: {
    from: 'TIMESTAMP',
    to: 'TIMESTAMP',
    tenantId: 'STRING',
    entity: 'STRING',
    outcome: 'STRING',
    reason: 'STRING',
  },
  dead_letters: { since: 'TIMESTAMP', tenantId: 'STRING', limit: 'INT64' },
  payouts: { tenantId: 'STRING', limit: 'INT64' },
  outcomes_since: { since: 'TIMESTAMP', tenantId: 'STRING' },
} as const satisfies Record<string, Record<string, ParamType>>;

export type ConsoleQueryName = keyof typeof CONSOLE_QUERIES;
export type QueryParams<Q extends ConsoleQueryName> = {
  [K in keyof (typeof CONSOLE_QUERIES)[Q]]: (typeof CONSOLE_QUERIES)[Q][K] extends 'INT64' ? number : string | null;
};

export type ConsoleSql = Record<ConsoleQueryName, string>;

/**
 * The repository's `ddl/` folder, found upwards from this module: the source tree runs it from `shared/…` and the
 * deployed build from `dist/shared/…`, and both have the project root (with `ddl/`, part of the function's source)
 * above them.
 */
export function findDdlDir(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'ddl', 'queries', 'console'))) return join(dir, 'ddl');
    if (dirname(dir) === dir) throw new Error(`no ddl/queries/console above ${from}`);
  }
}

/** Reads every console query once (at start-up: a missing file fails the instance, not a page). */
export function loadConsoleSql(ddlDir: string = findDdlDir()): ConsoleSql {
  const sql = {} as ConsoleSql;
  for (const name of Object.keys(CONSOLE_QUERIES) as ConsoleQueryName[])
    sql[name] = readFileSync(join(ddlDir, 'queries', 'console', `${name}.sql`), 'utf8');
  return sql;
}

/** `${project}` and `${dataset}` filled in, as Terraform fills the views; both are checked to be plain names. */
export function bigQuerySql(sql: string, project: string, dataset: string): string {
  if (!/^[a-z][a-z0-9-]{4,61}[a-z0-9]$/.test(project)) throw new Error(`not a project id: ${project}`);
  if (!/^[A-Za-z0-9_]{1,1024}$/.test(dataset)) throw new Error(`not a dataset name: ${dataset}`);
  return sql
    .replace(/\$\{project\}/g, project)
    .replace(/\$\{dataset\}/g, dataset)
    .trim()
    .replace(/;$/, '');
}

/**
 * BigQuery SQL → DuckDB SQL, for the constructs the files in ddl/ use and nothing more (a test runs every view and
 * query through it on DuckDB): table references lose their project and dataset, backquoted names become
 * double-quoted, `@name` parameters become `$name`, and the few functions DuckDB names differently are renamed.
 * DESIGN section 4's caveat holds: NUMERIC is DECIMAL(38,9) in DuckDB, not its own DECIMAL(18,3). DATE() of a
 * TIMESTAMPTZ follows DuckDB's session time zone, so the DuckDB reader sets it to UTC, as BigQuery's DATE() is.
 */
export function toDuckDbSql(sql: string): string {
  return sql
    .replace(/`\$\{project\}\.\$\{dataset\}\.(\w+)`/g, '$1')
    .replace(/`(\w+)`/g, '"$1"')
    .replace(/@(\w+)/g, '$$$1')
    .replace(/\bSAFE_CAST\(/g, 'TRY_CAST(')
    .replace(/\bNUMERIC\b/g, 'DECIMAL(38,9)')
    .replace(/\bCURRENT_TIMESTAMP\(\)/g, 'current_timestamp')
    .replace(
      /\bTIMESTAMP_DIFF\(([^(),]+),\s*([^(),]+),\s*(\w+)\)/g,
      (_m, end: string, start: string, part: string) =>
        // Whole elapsed units, as BigQuery's TIMESTAMP_DIFF counts them (date_diff would count boundaries crossed).
        `date_sub('${part.toLowerCase()}', ${start.trim()}, ${end.trim()})`,
    )
    .trim()
    .replace(/;$/, '');
}
