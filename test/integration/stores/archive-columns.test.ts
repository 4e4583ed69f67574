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
