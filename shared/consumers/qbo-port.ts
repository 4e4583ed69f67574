import type { QboEntityName } from '../qbo/entities';

/**
 * The part of the QBO client the write protocol uses. Kept narrow so the protocol is tested against the
 * simulator through the real client, and nothing here depends on how the client throttles or refreshes.
 */
export type QboObject = Record<string, unknown> & { Id?: string; SyncToken?: string };

export interface QboWriter {
  /**
   * `sendWithinMs`: the create must not leave later than this from now, because the caller's ledger lease would run out
   * while it is in flight and another attempt could take the object over and post it too. A create still waiting
   * for QBO capacity then (the realm's budget, a batch to fill) fails with `qbo_not_sent`, having sent nothing.
   */
  create(
    entity: QboEntityName,
    body: Record<string, unknown>,
    options: { requestId: string; sendWithinMs?: number },
  ): Promise<QboObject>;
  read(entity: QboEntityName, id: string): Promise<QboObject>;
  voidTxn(
    entity: QboEntityName,
    target: { Id: string; SyncToken: string },
    options: { requestId: string },
  ): Promise<QboObject>;
  delete(
    entity: QboEntityName,
    target: { Id: string; SyncToken: string },
    options: { requestId: string },
  ): Promise<QboObject>;
  query(sql: string): Promise<QboObject[]>;
}

/** QBO query literals: single quotes are escaped with a backslash (the query language is not SQL). */
export function qboLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
