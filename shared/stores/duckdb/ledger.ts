import type { CommitResult, Ledger, LedgerEntry, LedgerKey, ReserveRequest, ReserveResult } from '../ports';
import { decideCommit, decideRelease, decideReservation } from '../ledger-rules';
import type { DuckDbDatabase, SqlRunner } from './connection';
import { RowMirror } from './row-mirror';

interface LedgerRow {
  tenant_id: string;
  stripe_id: string;
  operation: string;
  state: string;
  request_id: string;
  qbo_entity: string;
  qbo_id: string | null;
  qbo_sync_token: string | null;
  lease_expires_at: bigint | number;
  lease_owner: string;
  attempts: number;
  updated_at: string;
  detail: string | null;
  qbo_customer_id: string | null;
}

function toEntry(row: LedgerRow): LedgerEntry {
  const entry: LedgerEntry = {
    tenantId: row.tenant_id,
    stripeId: row.stripe_id,
    operation: row.operation,
    state: row.state as LedgerEntry['state'],
    requestId: row.request_id,
    qboEntity: row.qbo_entity,
    leaseExpiresAt: Number(row.lease_expires_at),
    leaseOwner: row.lease_owner,
    attempts: Number(row.attempts),
    updatedAt: row.updated_at,
  };
  if (row.qbo_id !== null) entry.qboId = row.qbo_id;
  if (row.qbo_sync_token !== null) entry.qboSyncToken = row.qbo_sync_token;
  if (row.detail !== null) entry.detail = row.detail;
  if (row.qbo_customer_id !== null) entry.qboCustomerId = row.qbo_customer_id;
  return entry;
}

const KEY_WHERE = 'tenant_id = $tenantId AND stripe_id = $stripeId AND operation = $operation';

function keyParams(key: LedgerKey) {
  return { tenantId: key.tenantId, stripeId: key.stripeId, operation: key.operation };
}

async function read(sql: SqlRunner, key: LedgerKey): Promise<LedgerEntry | undefined> {
  const rows = await sql.all<LedgerRow>(`SELECT * FROM ledger WHERE ${KEY_WHERE}`, keyParams(key));
  return rows[0] ? toEntry(rows[0]) : undefined;
}

/**
 * Inserts a new entry, or updates the one `read` found. Not `INSERT OR REPLACE`: DuckDB carries that out as a
 * delete and an insert through the primary-key index, several times the cost of updating the columns that change,
 * and the ledger is the local stack's hottest table.
 */
async function write(sql: SqlRunner, entry: LedgerEntry, exists: boolean): Promise<void> {
  if (exists) {
    await sql.run(
      `UPDATE ledger SET state = $state, request_id = $requestId, qbo_entity = $qboEntity, qbo_id = $qboId,
         qbo_sync_token = $qboSyncToken, lease_expires_at = $leaseExpiresAt, lease_owner = $leaseOwner,
         attempts = $attempts, updated_at = $updatedAt, detail = $detail, qbo_customer_id = $qboCustomerId
       WHERE ${KEY_WHERE}`,
      rowParams(entry),
    );
    return;
  }
  await sql.run(
    // Columns named: a file from an older release may hold them in another order (schema.ts migrates it).
    `INSERT INTO ledger (tenant_id, stripe_id, operation, state, request_id, qbo_entity, qbo_id,
       qbo_sync_token, lease_expires_at, lease_owner, attempts, updated_at, detail, qbo_customer_id)
     VALUES ($tenantId, $stripeId, $operation, $state, $requestId, $qboEntity, $qboId, $qboSyncToken,
       $leaseExpiresAt, $leaseOwner, $attempts, $updatedAt, $detail, $qboCustomerId)`,
    rowParams(entry),
  );
}

function mirrorKey(key: LedgerKey): string {
  return JSON.stringify([key.tenantId, key.stripeId, key.operation]);
}

function rowParams(entry: LedgerEntry) {
  return {
    ...keyParams(entry),
    state: entry.state,
    requestId: entry.requestId,
    qboEntity: entry.qboEntity,
    qboId: entry.qboId ?? null,
    qboSyncToken: entry.qboSyncToken ?? null,
    leaseExpiresAt: BigInt(entry.leaseExpiresAt),
    leaseOwner: entry.leaseOwner,
    attempts: entry.attempts,
    updatedAt: entry.updatedAt,
    detail: entry.detail ?? null,
    qboCustomerId: entry.qboCustomerId ?? null,
  };
}

export class DuckDbLedger implements Ledger {
  /** Every entry this process read or wrote (see RowMirror for why that is what the table holds). */
  private readonly mirror = new RowMirror<LedgerEntry>();

  constructor(private readonly db: DuckDbDatabase) {}

  get(key: LedgerKey): Promise<LedgerEntry | undefined> {
    return this.db.exclusive((sql) => this.read(sql, key));
  }

  reserve(request: ReserveRequest): Promise<ReserveResult> {
    return this.db.exclusive(async (sql) => {
      const current = await this.read(sql, request);
      const decision = decideReservation(current, request);
      if (decision.write) await this.write(sql, decision.result.entry, current !== undefined);
      return decision.result;
    });
  }

  commit(key: LedgerKey, leaseOwner: string, result: CommitResult): Promise<LedgerEntry> {
    return this.db.exclusive(async (sql) => {
      const current = await this.read(sql, key);
      const decision = decideCommit(current, key, leaseOwner, result);
      if (decision.write) await this.write(sql, decision.entry, current !== undefined);
      return decision.entry;
    });
  }

  release(
    key: LedgerKey,
    leaseOwner: string,
    outcome: { state: 'failed' | 'pending'; detail?: string; now: number },
  ): Promise<void> {
    return this.db.exclusive(async (sql) => {
      const current = await this.read(sql, key);
      const entry = decideRelease(current, leaseOwner, outcome);
      if (entry) await this.write(sql, entry, current !== undefined);
    });
  }

  /** Call inside an exclusive turn. A copy each time: callers may change what they are given. */
  private async read(sql: SqlRunner, key: LedgerKey): Promise<LedgerEntry | undefined> {
    const entry = await this.mirror.getOrLoad(mirrorKey(key), () => read(sql, key));
    return entry && { ...entry };
  }

  /** Call inside an exclusive turn; the mirror learns the entry only once the table has it. */
  private async write(sql: SqlRunner, entry: LedgerEntry, exists: boolean): Promise<void> {
    await write(sql, entry, exists);
    this.mirror.set(mirrorKey(entry), { ...entry });
  }

  async list(tenantId: string): Promise<LedgerEntry[]> {
    const rows = await this.db.all<LedgerRow>(
      'SELECT * FROM ledger WHERE tenant_id = $tenantId ORDER BY stripe_id, operation',
      {
        tenantId,
      },
    );
    return rows.map(toEntry);
  }
}
