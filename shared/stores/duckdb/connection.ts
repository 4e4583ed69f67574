import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DuckDBInstance,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBValue,
} from '@duckdb/node-api';

export type SqlParams = Record<string, DuckDBValue> | DuckDBValue[];

/**
 * One DuckDB file, one connection, and every statement serialized through one queue. DuckDB lets only one
 * process write its file (hence one local-stack process, DESIGN section 9); inside that process the queue makes
 * each store operation atomic without relying on DuckDB's optimistic transaction conflicts.
 */
export class DuckDbDatabase {
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Prepared statements by SQL text. Parsing and planning was most of a point statement's cost (a ledger upsert
   * took ~8 ms re-planned each time), and the stores run a small fixed set of statements. Only parameterized ones
   * are kept: the archiver's one-off DDL and bulk inserts go through `run` unprepared.
   */
  private readonly prepared = new Map<string, DuckDBPreparedStatement>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(path: string): Promise<DuckDbDatabase> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const instance = await DuckDBInstance.create(path);
    const connection = await instance.connect();
    return new DuckDbDatabase(instance, connection);
  }

  /** Runs `work` alone: no other statement interleaves. Use it for read-modify-write sequences. */
  exclusive<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => work(this.runner));
    this.queue = next.catch(() => undefined);
    return next;
  }

  run(sql: string, params?: SqlParams): Promise<void> {
    return this.exclusive((runner) => runner.run(sql, params));
  }

  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.exclusive((runner) => runner.all<T>(sql, params));
  }

  private async statement(sql: string, params: SqlParams): Promise<DuckDBPreparedStatement> {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = await this.connection.prepare(sql);
      if (this.prepared.size >= MAX_PREPARED) this.prepared.clear();
      this.prepared.set(sql, statement);
    }
    statement.bind(params as never);
    return statement;
  }

  private readonly runner: SqlRunner = {
    run: async (sql, params) => {
      if (params === undefined) await this.connection.run(sql);
      else await (await this.statement(sql, params)).run();
    },
    all: async <T>(sql: string, params?: SqlParams) => {
      const reader =
        params === undefined
          ? await this.connection.runAndReadAll(sql)
          : await (await this.statement(sql, params)).runAndReadAll();
      return reader.getRowObjectsJS() as T[];
    },
  };

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    for (const statement of this.prepared.values()) statement.destroySync();
    this.prepared.clear();
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

/** More distinct parameterized statements than the stores have means SQL is being built per call: start over. */
const MAX_PREPARED = 256;

export interface SqlRunner {
  run(sql: string, params?: SqlParams): Promise<void>;
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
}
