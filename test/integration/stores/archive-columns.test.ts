import { join } from 'node:path';
import { ARCHIVE_TABLES, LocalArchiver, loadTableSchema } from '../../../dev/local-stack/archiver';
import { createLogger } from '../../../shared/observability/logger';
import { openDuckDbStores } from '../../../shared/stores/duckdb';

const ddlDir = join(__dirname, '../../../ddl');

describe('the local archive (DuckDB) and BigQuery define the same columns', () => {
  it.each(ARCHIVE_TABLES)('%s has exactly the columns of ddl/schemas', async (table) => {
    const fields = loadTableSchema(ddlDir, table);
    expect(fields).toBeDefined();
    const stores = await openDuckDbStores(':memory:');
    try {
      await new LocalArchiver(
        stores.database,
        ddlDir,
        createLogger({ functionName: 'test', level: 'silent' }),
      ).prepare();
      const columns = await stores.database.all<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_name = $table ORDER BY ordinal_position`,
        { table },
      );
      expect(columns.map((c) => c.column_name)).toEqual(fields!.map((f) => f.name));
      const expectedType: Record<string, RegExp> = {
        TIMESTAMP: /TIMESTAMP WITH TIME ZONE/,
        NUMERIC: /DECIMAL\(38,9\)/,
        INT64: /BIGINT/,
        STRING: /VARCHAR/,
        DATE: /DATE/,
        BOOL: /BOOLEAN/,
        JSON: /VARCHAR/,
      };
      fields!.forEach((field, index) => {
        const pattern = expectedType[field.type.toUpperCase()];
        if (pattern) expect(columns[index]!.data_type).toMatch(pattern);
      });
    } finally {
      await stores.close();
    }
  });
});

describe('the local archiver writes rows that arrive together in one INSERT', () => {
  const logger = createLogger({ functionName: 'test', level: 'silent' });
  const auditRow = (n: number, recordedAt = '2026-11-30T09:00:00.000Z') => ({
    schemaVersion: 1,
    recordId: `r${n}`,
    recordedAt,
    tenantId: 'demo',
    function: 'sync-invoice',
    outcome: 'posted',
    stripeId: `in_${n}`,
  });

  it('every row of a burst lands once, each insert resolving only after its row is in the table', async () => {
    const stores = await openDuckDbStores(':memory:');
    try {
      const archiver = new LocalArchiver(stores.database, ddlDir, logger);
      await archiver.prepare();
      let statements = 0;
      const exclusive = stores.database.exclusive.bind(stores.database);
      stores.database.exclusive = ((work) =>
        exclusive((sql) =>
          work({
            run: (text, params) => {
              if (text.startsWith('INSERT')) statements += 1;
              return sql.run(text, params);
            },
            all: sql.all.bind(sql),
          }),
        )) as typeof stores.database.exclusive;
      // The first insert takes the connection; the 199 that arrive meanwhile are written together.
      await Promise.all(Array.from({ length: 200 }, (_, n) => archiver.insert('audit_records', auditRow(n), {})));
      expect(await archiver.count('audit_records')).toBe(200);
      const ids = await stores.database.all<{ n: bigint }>('SELECT count(DISTINCT "recordId") AS n FROM audit_records');
      expect(Number(ids[0]!.n)).toBe(200);
      // 1 + 199 rows in inserts of 64, 32, … 1: far fewer statements than rows.
      expect(statements).toBeLessThanOrEqual(10);
    } finally {
      await stores.close();
    }
  });

  it('a row the table refuses fails alone; the rows written with it land once', async () => {
    const stores = await openDuckDbStores(':memory:');
    try {
      const archiver = new LocalArchiver(stores.database, ddlDir, logger);
      await archiver.prepare();
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          archiver.insert('audit_records', auditRow(n, n === 7 ? 'not a time' : undefined), {}).then(
            () => 'ok',
            () => 'refused',
          ),
        ),
      );
      expect(outcomes.filter((outcome) => outcome === 'refused')).toEqual(['refused']);
      expect(outcomes[7]).toBe('refused');
      expect(await archiver.count('audit_records')).toBe(19);
      expect(await archiver.count('audit_records', `"recordId" = 'r7'`)).toBe(0);
    } finally {
      await stores.close();
    }
  });
});
