import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from '@duckdb/node-api';

export type SqlParams = Record<string, DuckDBValue> | DuckDBValue[];

/**
 * One DuckDB file, one connection, and every statement serialized through one queue. DuckDB lets only one
 * process write its file (hence one local-stack process, DESIGN section 9); inside that process the queue makes
 * each store operation atomic without relying on DuckDB's optimistic transaction conflicts.
 */
export class DuckDbDatabase {
  private queue: Promise<unknown> = Promise.resolve();

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

  private readonly runner: SqlRunner = {
    run: async (sql, params) => {
      await this.connection.run(sql, params as never);
    },
    all: async <T>(sql: string, params?: SqlParams) => {
      const reader = await this.connection.runAndReadAll(sql, params as never);
      return reader.getRowObjectsJS() as T[];
    },
  };

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

export interface SqlRunner {
  run(sql: string, params?: SqlParams): Promise<void>;
  all<T = Record<string, unknown>>(sql: string, params?: SqlParams): Promise<T[]>;
}
