import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBigQueryEngine, type BigQueryQueryClient } from '../../../shared/console/history/bigquery-engine';
import {
  bigQuerySql,
  CONSOLE_QUERIES,
  findDdlDir,
  loadConsoleSql,
  toDuckDbSql,
  type ConsoleQueryName,
} from '../../../shared/console/history/queries';
import { createHistoryReader } from '../../../shared/console/history/reader';

const ddlDir = findDdlDir();
const sql = loadConsoleSql(ddlDir);
const TABLES = ['audit_records', 'link_records', 'events_archive', 'dead_letters'];
const VIEWS = readdirSync(join(ddlDir, 'views')).map((f) => f.replace(/\.sql$/, ''));

describe('the console queries in ddl/queries/console', () => {
  it('are exactly the queries the reader declares', () => {
    expect(readdirSync(join(ddlDir, 'queries', 'console')).sort()).toEqual(
      Object.keys(CONSOLE_QUERIES)
        .map((q) => `${q}.sql`)
        .sort(),
    );
  });

  it.each(Object.keys(CONSOLE_QUERIES) as ConsoleQueryName[])(
    '%s uses every declared parameter and no other, over known tables and views only',
    (name) => {
      const text = sql[name].replace(/--.*$/gm, '');
      const used = new Set([...text.matchAll(/@(\w+)/g)].map((m) => m[1]));
      expect([...used].sort()).toEqual(Object.keys(CONSOLE_QUERIES[name]).sort());
      const referenced = [...text.matchAll(/`\$\{project\}\.\$\{dataset\}\.(\w+)`/g)].map((m) => m[1] as string);
      expect(referenced.length).toBeGreaterThan(0);
      for (const table of referenced) expect([...TABLES, ...VIEWS]).toContain(table);
      // Only ${project} and ${dataset} are placeholders; BigQuery wants a WHERE (or GROUP BY) beside QUALIFY.
      expect(
        [...text.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]).filter((v) => v !== 'project' && v !== 'dataset'),
      ).toEqual([]);
      if (/\bQUALIFY\b/.test(text)) expect(text).toMatch(/\bWHERE\b/);
      expect(text).not.toMatch(/\b(INSERT|UPDATE|DELETE|MERGE|CREATE|DROP)\b/);
    },
  );
});

describe('BigQuery SQL → DuckDB SQL', () => {
  it('drops project and dataset, double-quotes names, renames parameters and the functions DuckDB spells differently', () => {
    expect(
      toDuckDbSql(
        'SELECT `function`, SAFE_CAST(amount AS NUMERIC), TIMESTAMP_DIFF(CURRENT_TIMESTAMP(), f.recordedAt, HOUR) FROM `${project}.${dataset}.audit_records` WHERE tenantId = @tenantId;\n',
      ),
    ).toBe(
      `SELECT "function", TRY_CAST(amount AS DECIMAL(38,9)), date_sub('hour', f.recordedAt, current_timestamp) FROM audit_records WHERE tenantId = $tenantId`,
    );
  });

  it('fills and checks the project and dataset for BigQuery', () => {
    expect(bigQuerySql('SELECT 1 FROM `${project}.${dataset}.t`;', 'my-project', 'stripe_qbo')).toBe(
      'SELECT 1 FROM `my-project.stripe_qbo.t`',
    );
    expect(() => bigQuerySql('x', 'bad project`', 'd')).toThrow(/not a project id/);
    expect(() => bigQuerySql('x', 'my-project', 'd`; DROP')).toThrow(/not a dataset/);
  });
});

describe('the BigQuery history reader (a fake client: no live BigQuery here)', () => {
  function fakeClient(rows: unknown[] = []) {
    const calls: Array<Parameters<BigQueryQueryClient['query']>[0]> = [];
    const client: BigQueryQueryClient = {
      query: async (options) => {
        calls.push(options);
        return [rows];
      },
    };
    return { client, calls };
  }

  it('sends the file as written, with the dataset filled in, every parameter typed, and standard SQL', async () => {
    const { client, calls } = fakeClient();
    const reader = createHistoryReader(
      createBigQueryEngine({ client, project: 'acme-prod', dataset: 'stripe_qbo', location: 'EU', sql }),
    );
    await reader.activity(
      { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z', tenantId: 'acme', outcome: 'parked' },
      { limit: 51, after: { at: '2026-11-20T10:00:00.000Z', tenantId: 'acme', recordId: 'r9' } },
    );
    expect(calls).toHaveLength(1);
    const call = calls[0]!;
    expect(call.query).toBe(
      bigQuerySql(readFileSync(join(ddlDir, 'queries/console/activity.sql'), 'utf8'), 'acme-prod', 'stripe_qbo'),
    );
    expect(call.query).toContain('FROM `acme-prod.stripe_qbo.audit_records`');
    expect(call.params).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
      tenantId: 'acme',
      entity: null,
      outcome: 'parked',
      reason: null,
      beforeAt: '2026-11-20T10:00:00.000Z',
      beforeTenantId: 'acme',
      beforeRecordId: 'r9',
      limit: 51,
    });
    expect(call.types).toEqual({ ...CONSOLE_QUERIES.activity });
    expect(call.useLegacySql).toBe(false);
    expect(call.location).toBe('EU');
  });

  it("reads BigQuery's row values: {value} timestamps and dates become ISO strings", async () => {
    const { client } = fakeClient([
      {
        tenantId: 'acme',
        day: '2026-11-29',
        outcome: 'posted',
        decisions: 3,
        lastAt: { value: '2026-11-29T23:59:59.5Z' },
      },
    ]);
    const reader = createHistoryReader(createBigQueryEngine({ client, project: 'acme-prod', dataset: 'd', sql }));
    expect(await reader.decisionsByDay('2026-11-17T00:00:00.000Z')).toEqual([
      { tenantId: 'acme', day: '2026-11-29', outcome: 'posted', decisions: 3, lastAt: '2026-11-29T23:59:59.5Z' },
    ]);
    const { client: c2 } = fakeClient([
      {
        tenantId: 'acme',
        stripeId: 'in_1',
        outcome: 'posted',
        reason: 'created',
        recordedAt: { value: '2026-11-30T10:00:00.123456Z' },
      },
    ]);
    const r2 = createHistoryReader(createBigQueryEngine({ client: c2, project: 'acme-prod', dataset: 'd', sql }));
    expect((await r2.outcomesSince('2026-11-30T00:00:00Z'))[0]?.recordedAt).toBe('2026-11-30T10:00:00.123456Z');
  });
});
