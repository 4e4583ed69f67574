import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request, Response } from '@google-cloud/functions-framework';
import type { DuckDbDatabase, SqlRunner } from '../../shared/stores/duckdb/connection';
import { parsePushEnvelope } from '../../shared/messaging/push-envelope';
import { ENTITY_CONSUMER, isEntity } from '../../shared/messaging/topics';
import type { Logger } from '../../shared/observability/logger';

/** A BigQuery JSON-schema field, as in `ddl/schemas/<table>.json` (what Terraform gives BigQuery). */
export interface BigQueryField {
  name: string;
  type: string;
  mode?: string;
}

/** BigQuery types → the DuckDB types that hold the same values (DESIGN section 4's caveats). */
const DUCKDB_TYPE: Record<string, string> = {
  STRING: 'VARCHAR',
  INT64: 'BIGINT',
  INTEGER: 'BIGINT',
  FLOAT64: 'DOUBLE',
  FLOAT: 'DOUBLE',
  NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,9)',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  TIMESTAMP: 'TIMESTAMPTZ',
  DATE: 'DATE',
  DATETIME: 'TIMESTAMP',
  JSON: 'VARCHAR',
};

export const ARCHIVE_TABLES = ['audit_records', 'link_records', 'events_archive', 'dead_letters'] as const;
export type ArchiveTable = (typeof ARCHIVE_TABLES)[number];

export function loadTableSchema(ddlDir: string, table: string): BigQueryField[] | undefined {
  try {
    return JSON.parse(readFileSync(join(ddlDir, 'schemas', `${table}.json`), 'utf8')) as BigQueryField[];
  } catch {
    return undefined;
  }
}

export function duckDbCreateTable(table: string, fields: readonly BigQueryField[]): string {
  const columns = fields.map((field) => {
    const type = DUCKDB_TYPE[field.type.toUpperCase()];
    if (!type) throw new Error(`no DuckDB type for BigQuery ${field.type} (${table}.${field.name})`);
    return `"${field.name}" ${type}`;
  });
  return `CREATE TABLE IF NOT EXISTS ${table} (${columns.join(', ')})`;
}

interface PendingRow {
  values: (string | number | boolean | null)[];
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Writes a group of rows in INSERTs of 64, 32, … 1 rows, so the statements stay a handful of prepared shapes.
 * Each row's promise settles once its row is written. When a multi-row INSERT fails, its rows are written one by
 * one, so only a row the table refuses fails (its push answers 500, and Pub/Sub delivers it again).
 */
async function writeGroup(
  sql: SqlRunner,
  table: string,
  fields: readonly BigQueryField[],
  group: readonly PendingRow[],
): Promise<void> {
  const columns = fields.map((field) => `"${field.name}"`).join(', ');
  const insert = (rows: readonly PendingRow[]) =>
    sql.run(
      `INSERT INTO ${table} (${columns}) VALUES ${rows
        .map((_, r) => `(${fields.map((_, c) => `$${r * fields.length + c + 1}`).join(', ')})`)
        .join(', ')}`,
      rows.flatMap((row) => row.values),
    );
  for (let start = 0; start < group.length;) {
    let size = MAX_ROWS_PER_INSERT;
    while (size > group.length - start) size /= 2;
    const rows = group.slice(start, start + size);
    start += size;
    try {
      await insert(rows);
      for (const row of rows) row.resolve();
    } catch {
      // One bad row must not fail the others (they would be delivered and written again): each on its own.
      for (const row of rows) {
        try {
          await insert([row]);
          row.resolve();
        } catch (error) {
          row.reject(error as Error);
        }
      }
    }
  }
}

const MAX_ROWS_PER_INSERT = 64;

/**
 * The local stand-in for the BigQuery subscriptions: the same topics pushed here, rows written into DuckDB tables
 * whose columns come from the same `ddl/schemas` files. Like `drop_unknown_fields`, only known columns are kept,
 * so the events archive never holds the Stripe object (names, emails, addresses).
 */
export class LocalArchiver {
  private readonly schemas = new Map<string, BigQueryField[]>();

  constructor(
    private readonly db: DuckDbDatabase,
    private readonly ddlDir: string,
    private readonly logger: Logger,
  ) {}

  async prepare(): Promise<void> {
    for (const table of ARCHIVE_TABLES) {
      const fields = loadTableSchema(this.ddlDir, table);
      if (!fields) continue;
      this.schemas.set(table, fields);
      await this.db.run(duckDbCreateTable(table, fields));
    }
  }

  /**
   * Resolves once the row is in the table. Rows that arrive while the database is busy are written together in
   * one multi-row INSERT when their turn comes: during a backfill every consumer message brings an audit row, an
   * archived event and a link, and one INSERT per row kept the one connection busy for about a third of the run.
   */
  insert(table: string, message: Record<string, unknown>, metadata: Record<string, unknown>): Promise<void> {
    const fields = this.schemas.get(table);
    if (!fields) return Promise.resolve();
    const row: Record<string, unknown> = { ...message, ...metadata };
    const values = fields.map((field) => {
      const value = row[field.name];
      if (value === undefined || value === null) return null;
      if (typeof value === 'object') return JSON.stringify(value);
      return value as string | number | boolean;
    });
    return new Promise<void>((resolve, reject) => {
      let group = this.waiting.get(table);
      if (!group) {
        group = [];
        this.waiting.set(table, group);
        // One write per group, queued behind whatever the database is doing; rows keep joining the group until
        // that write starts.
        void this.db
          .exclusive(async (sql) => {
            this.waiting.delete(table);
            await writeGroup(sql, table, fields, group!);
          })
          .catch(() => undefined);
      }
      group.push({ values, resolve, reject });
    });
  }

  private readonly waiting = new Map<string, PendingRow[]>();

  /** One push endpoint per table: `/archive/<table>`. */
  handler() {
    return async (req: Request, res: Response): Promise<void> => {
      const table = req.path.replace(/^\/(archive\/)?/, '').replace(/\/$/, '');
      try {
        const delivery = parsePushEnvelope(req.body);
        const text = delivery.data.toString('utf8');
        let message: Record<string, unknown>;
        try {
          message = JSON.parse(text) as Record<string, unknown>;
        } catch {
          message = {};
        }
        // The column names a BigQuery subscription's write_metadata fills; the Stripe object itself is never kept.
        const metadata: Record<string, unknown> = {
          subscription_name: delivery.subscription ?? null,
          message_id: delivery.messageId,
          publish_time: delivery.publishTime ?? new Date().toISOString(),
          attributes: JSON.stringify(delivery.attributes),
        };
        await this.insert(table, message, metadata);
        if (table === 'dead_letters') await this.auditDeadLetter(message, metadata);
        res.status(204).end();
      } catch (error) {
        this.logger.error({ table, reason: 'archive_failed' }, (error as Error).message);
        res.status(500).end();
      }
    };
  }

  /**
   * The `dead_lettered` audit row of a message Pub/Sub gave up on. In production the consumer writes it on the
   * attempt that reaches maxDeliveryAttempts; the emulator sends no `deliveryAttempt`, so no local consumer ever
   * knows its last attempt and the dead-letter archive, which does see the message, writes it instead. Its reason
   * is the last failure the consumer recorded for the event.
   */
  private async auditDeadLetter(message: Record<string, unknown>, metadata: Record<string, unknown>): Promise<void> {
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    const eventId = text(message.eventId);
    const objectId = text(message.objectId);
    const entity = text(message.entity);
    const lastFailure = eventId
      ? await this.db.all<{ reason: string }>(
          `SELECT "reason" FROM audit_records WHERE "eventId" = $1 AND "outcome" = 'failed'
           ORDER BY "recordedAt" DESC LIMIT 1`,
          [eventId],
        )
      : [];
    const reason = lastFailure[0]?.reason ?? 'max_delivery_attempts';
    await this.insert(
      'audit_records',
      {
        schemaVersion: 1,
        recordId: `${eventId ?? String(metadata.message_id)}:${objectId ?? ''}:dead_lettered:${reason}`.slice(0, 200),
        recordedAt: new Date().toISOString(),
        tenantId: text(message.tenantId) ?? 'unknown',
        function: isEntity(entity) ? ENTITY_CONSUMER[entity] : 'dead-letter-archive',
        outcome: 'dead_lettered',
        reason,
        failureClass: 'retryable',
        eventId,
        eventType: text(message.type),
        source: text(message.source),
        entity,
        stripeId: objectId,
        detail: `message ${String(metadata.message_id)} dead-lettered`,
      },
      {},
    );
  }

  async count(table: ArchiveTable, where = 'TRUE'): Promise<number> {
    const rows = await this.db.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`);
    return Number(rows[0]?.n ?? 0);
  }
}
