/**
 * What one table holds for a key, remembered in memory: the row, or that there is none.
 *
 * Why it is sound: the embedded store's file has exactly one writer, this process (DuckDB locks the file), and
 * every statement goes through the database's one queue. A store that fills and updates its mirror inside the
 * same `exclusive` turn as the statement that read or wrote the row keeps the two in step, so a mirrored read is
 * what the table would have answered.
 *
 * Why it is needed: DuckDB answers a point lookup by scanning the table (its ART index serves constraints, not
 * these filters), so each read cost 2–3 ms at a few thousand rows and grew with the table. The local stack's one
 * connection spent a fifth of a backfill on ledger reads alone, and it was what bounded the backfill.
 *
 * Bounded: past `capacity` keys the oldest-used are forgotten, and read again from the table when next asked.
 */
export class RowMirror<V> {
  private readonly rows = new Map<string, V | null>();

  constructor(private readonly capacity = 100_000) {}

  /** The remembered row, `null` for "the table has none", or `undefined` when this key is not remembered. */
  get(key: string): V | null | undefined {
    const row = this.rows.get(key);
    if (row === undefined) return undefined;
    // Re-inserted so that Map order is least recently used first.
    this.rows.delete(key);
    this.rows.set(key, row);
    return row;
  }

  /**
   * The row for `key`: the remembered one, or what `load` reads from the table (then remembered, absence too). Call
   * inside the exclusive turn that `load` reads in, so no write lands between the read and the remembering.
   */
  async getOrLoad(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    let row = this.get(key);
    if (row === undefined) {
      row = (await load()) ?? null;
      this.set(key, row);
    }
    return row ?? undefined;
  }

  set(key: string, row: V | null): void {
    this.rows.delete(key);
    this.rows.set(key, row);
    if (this.rows.size > this.capacity) {
      const oldest = this.rows.keys().next();
      if (!oldest.done) this.rows.delete(oldest.value);
    }
  }

  /** Forget a key whose row a statement changed in a way this process did not compute (an upsert, an update). */
  forget(key: string): void {
    this.rows.delete(key);
  }

  clear(): void {
    this.rows.clear();
  }
}
