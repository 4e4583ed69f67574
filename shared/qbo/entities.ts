/**
 * The QBO v3 entities this project reads and writes: the one list, for the accounting recipes' plans, the client
 * and the simulator alike. The URL segment is the lower-cased name (`/v3/company/{realmId}/journalentry`), the
 * envelope key is the name as written here (`{"JournalEntry":{…}}`).
 *
 * This module is vocabulary only and imports nothing, so the pure accounting code can use it without reaching
 * the client's I/O (test/unit/qbo/entities.test.ts holds it to that).
 */
export const QBO_ENTITIES = [
  'Customer',
  'Vendor',
  'Item',
  'Account',
  'Invoice',
  'Payment',
  'CreditMemo',
  'RefundReceipt',
  'SalesReceipt',
  'Deposit',
  'JournalEntry',
  // A manual payout moves money from the Stripe clearing account to the bank (DESIGN section 6).
  'Transfer',
] as const;

export type QboEntityName = (typeof QBO_ENTITIES)[number];

/** A QBO entity object as it appears inside an envelope. Fields we compute on are typed; the rest pass through. */
export interface QboEntity {
  Id?: string;
  SyncToken?: string;
  MetaData?: { CreateTime: string; LastUpdatedTime: string };
  [field: string]: unknown;
}

/** An entity QBO has stored: it always carries Id and SyncToken (the next update must send both back). */
export type QboSavedEntity = QboEntity & { Id: string; SyncToken: string };

export interface QboRef {
  value: string;
  name?: string;
}

/** Entities QBO lets you void; the others can only be deleted. */
export const VOIDABLE_ENTITIES: ReadonlySet<QboEntityName> = new Set(['Invoice', 'Payment', 'SalesReceipt']);

/**
 * QBO voids these through a sparse update with `?operation=update&include=void` instead of `?operation=void`
 * (Intuit's Payment reference; `operation=void` on a payment is refused).
 */
export const VOID_BY_SPARSE_UPDATE: ReadonlySet<QboEntityName> = new Set(['Payment']);

/** Transactions can be deleted; name lists, items and accounts can only be made inactive (`Active: false`). */
export const DELETABLE_ENTITIES: ReadonlySet<QboEntityName> = new Set([
  'Invoice',
  'Payment',
  'CreditMemo',
  'RefundReceipt',
  'SalesReceipt',
  'Deposit',
  'JournalEntry',
  'Transfer',
]);

/** DisplayName is unique across these lists together (QBO fault 6240), not per list. */
export const NAME_LIST_ENTITIES: ReadonlySet<QboEntityName> = new Set(['Customer', 'Vendor']);

const BY_LOWER = new Map<string, QboEntityName>(QBO_ENTITIES.map((name) => [name.toLowerCase(), name]));

/** `journalentry` / `JournalEntry` / `JOURNALENTRY` → `JournalEntry`; undefined for anything we do not model. */
export function qboEntityName(raw: string): QboEntityName | undefined {
  return BY_LOWER.get(raw.toLowerCase());
}

export function isQboEntityName(raw: string): raw is QboEntityName {
  return (QBO_ENTITIES as readonly string[]).includes(raw);
}
