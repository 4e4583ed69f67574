import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auditRecordSchema } from '../../../schemas/audit-record.schema';
import { linkRecordSchema } from '../../../schemas/link-record.schema';
import { normalizedEventSchema } from '../../../schemas/normalized-event.schema';
import { repoRoot } from './load-terraform';

/** BigQuery JSON schema column, as in ddl/schemas/<table>.json (what Terraform creates the table from). */
interface Column {
  name: string;
  type: string;
  mode: 'REQUIRED' | 'NULLABLE';
}

interface MessageSchema {
  required: readonly string[];
  properties: Record<string, { type?: string; format?: string; const?: unknown; enum?: readonly unknown[] }>;
}

const ddlDir = join(repoRoot, 'ddl');
const SQL_TYPE: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };
/** Columns a BigQuery subscription writes itself when write_metadata is on. */
const METADATA_COLUMNS = ['subscription_name', 'message_id', 'publish_time', 'attributes'];

/** The BigQuery type a message field loads into through a BigQuery subscription with use_table_schema. */
function bigQueryType(field: MessageSchema['properties'][string]): string {
  if (field.const !== undefined) return typeof field.const === 'number' ? 'INTEGER' : 'STRING';
  if (field.enum) return 'STRING';
  if (field.type === 'integer') return 'INTEGER';
  if (field.type === 'number') return 'FLOAT';
  if (field.type === 'boolean') return 'BOOLEAN';
  if (field.format === 'date-time') return 'TIMESTAMP';
  if (field.format === 'date') return 'DATE';
  // Decimal amount strings ("123.45") stay STRING: views SAFE_CAST them to NUMERIC (infra/README.md says why).
  if (field.type === 'string') return 'STRING';
  throw new Error(`no BigQuery type for ${JSON.stringify(field)}`);
}

function expectedColumns(schema: MessageSchema, except: string[] = []): Column[] {
  return Object.entries(schema.properties)
    .filter(([name]) => !except.includes(name))
    .map(([name, field]) => ({
      name,
      type: bigQueryType(field),
      mode: schema.required.includes(name) ? 'REQUIRED' : 'NULLABLE',
    }));
}

function jsonColumns(table: string): Column[] {
  const columns = JSON.parse(readFileSync(join(ddlDir, 'schemas', `${table}.json`), 'utf8')) as Column[];
  return columns.map(({ name, type, mode }) => ({ name, type, mode }));
}

/** Columns of ddl/tables/<table>.sql: one "`name` TYPE [NOT NULL]" per line of the CREATE TABLE list. */
function sqlColumns(table: string): Column[] {
  const sql = readFileSync(join(ddlDir, 'tables', `${table}.sql`), 'utf8');
  const body = /CREATE TABLE IF NOT EXISTS `\$\{project\}\.\$\{dataset\}\.(\w+)` \(\n([\s\S]*?)\n\)/.exec(sql);
  if (!body) throw new Error(`${table}.sql has no CREATE TABLE IF NOT EXISTS \`\${project}.\${dataset}.${table}\` (…)`);
  expect(body[1]).toBe(table);
  return (body[2] as string).split(',\n').map((line) => {
    const m = /^\s*`(\w+)`\s+(\w+)( NOT NULL)?\s*$/.exec(line);
    if (!m) throw new Error(`${table}.sql: cannot read column line "${line}"`);
    return { name: m[1] as string, type: m[2] as string, mode: m[3] ? 'REQUIRED' : 'NULLABLE' };
  });
}

const asSql = (columns: Column[]) => columns.map((c) => ({ ...c, type: SQL_TYPE[c.type] ?? c.type }));

const nullable = (columns: Column[]): Column[] => columns.map((c) => ({ ...c, mode: 'NULLABLE' }));

const EXPECTED: Record<string, Column[]> = {
  audit_records: expectedColumns(auditRecordSchema as unknown as MessageSchema),
  link_records: expectedColumns(linkRecordSchema as unknown as MessageSchema),
  // Every envelope field, never `object` (the Stripe snapshot: names, emails, addresses stay out of BigQuery).
  events_archive: expectedColumns(normalizedEventSchema as unknown as MessageSchema, ['object']),
  dead_letters: [
    { name: 'subscription_name', type: 'STRING', mode: 'NULLABLE' },
    { name: 'message_id', type: 'STRING', mode: 'NULLABLE' },
    { name: 'publish_time', type: 'TIMESTAMP', mode: 'NULLABLE' },
    { name: 'attributes', type: 'JSON', mode: 'NULLABLE' },
    ...nullable(expectedColumns(normalizedEventSchema as unknown as MessageSchema, ['object'])),
  ],
};

describe('ddl/: the BigQuery tables match the message schemas', () => {
  it('has a JSON schema and a CREATE TABLE for exactly the tables the messages need', () => {
    const tables = Object.keys(EXPECTED).sort();
    expect(readdirSync(join(ddlDir, 'schemas')).sort()).toEqual(tables.map((t) => `${t}.json`));
    expect(readdirSync(join(ddlDir, 'tables')).sort()).toEqual(tables.map((t) => `${t}.sql`));
  });

  it.each(Object.keys(EXPECTED))(
    '%s: JSON schema columns are the message fields, in order, with their modes',
    (table) => {
      expect(jsonColumns(table)).toEqual(EXPECTED[table]);
    },
  );

  it.each(Object.keys(EXPECTED))('%s: the .sql DDL declares the same columns as the JSON schema', (table) => {
    expect(sqlColumns(table)).toEqual(asSql(jsonColumns(table)));
  });

  it('keeps the Stripe object out of every table', () => {
    for (const table of Object.keys(EXPECTED)) expect(jsonColumns(table).map((c) => c.name)).not.toContain('object');
  });

  it('only dead_letters carries Pub/Sub metadata columns (its subscription alone has write_metadata)', () => {
    for (const table of ['audit_records', 'link_records', 'events_archive'])
      for (const c of METADATA_COLUMNS) expect(jsonColumns(table).map((col) => col.name)).not.toContain(c);
  });

  it.each([
    ['audit_records', 'recordedAt', 'tenantId`, `stripeId'],
    ['link_records', 'linkedAt', 'tenantId`, `stripeId'],
    ['events_archive', 'receivedAt', 'tenantId`, `objectId'],
    ['dead_letters', 'publish_time', 'tenantId`, `objectId'],
  ])('%s is partitioned by day on %s and clustered by tenant then Stripe id', (table, partition, cluster) => {
    const sql = readFileSync(join(ddlDir, 'tables', `${table}.sql`), 'utf8');
    expect(sql).toContain(`PARTITION BY DATE(\`${partition}\`)`);
    expect(sql).toContain(`CLUSTER BY \`${cluster}\``);
  });

  it.each(['links_current', 'daily_summary', 'open_failures', 'payout_reconciliation'])(
    'view %s is a CREATE OR REPLACE VIEW Terraform can strip to its query, over known tables and columns',
    (view) => {
      const sql = readFileSync(join(ddlDir, 'views', `${view}.sql`), 'utf8');
      // The same rewrite infra/bigquery.tf applies (RE2 there, JS here).
      const query = sql
        .replace(/^[\s\S]*?CREATE OR REPLACE VIEW\s+\S+\s+AS\s*\n/, '')
        .trim()
        .replace(/;$/, '');
      expect(sql).toContain(`CREATE OR REPLACE VIEW \`\${project}.\${dataset}.${view}\` AS\n`);
      expect(query).toMatch(/^(SELECT|WITH)\b/);
      expect(query).not.toContain('CREATE');
      const referenced = [...query.matchAll(/`\$\{project\}\.\$\{dataset\}\.(\w+)`/g)].map((m) => m[1] as string);
      expect(referenced.length).toBeGreaterThan(0);
      for (const table of referenced) expect(Object.keys(EXPECTED)).toContain(table);
      // Only ${project} and ${dataset} are template variables (templatefile fails on any other).
      expect(
        [...query.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]).filter((v) => v !== 'project' && v !== 'dataset'),
      ).toEqual([]);
    },
  );
});
