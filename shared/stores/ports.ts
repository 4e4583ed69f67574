import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { AuditRecord } from '../../schemas/audit-record.schema';
import type { LinkRecord } from '../../schemas/link-record.schema';

/**
 * The store ports (DESIGN section 4). Each has two adapters, embedded DuckDB (local, tests) and Firestore
 * (production), and one contract test suite runs against both.
 */

export type TenantStatus = 'active' | 'needs_reauth';

export interface TenantStore {
  get(tenantId: string): Promise<TenantSettings | undefined>;
  /** A Connect platform's events name the connected account; this finds its tenant. */
  findByStripeAccount(accountId: string): Promise<TenantSettings | undefined>;
  list(): Promise<TenantSettings[]>;
  put(settings: TenantSettings): Promise<void>;
  setStatus(tenantId: string, status: TenantStatus, reason?: string): Promise<void>;
}

/**
 * `posted` is final: no later reservation, commit or release changes a posted entry, whatever event it comes
 * from (ledger-rules.ts). That is how the ledger only moves forward in time.
 */
export type LedgerState = 'pending' | 'posted' | 'failed';

/** The ledger key: one QBO write per (tenant, Stripe object, operation). */
export interface LedgerKey {
  tenantId: string;
  stripeId: string;
  /** `create`, `void`, `reverse`, …: one Stripe object can own several QBO writes over its life. */
  operation: string;
}

export interface LedgerEntry extends LedgerKey {
  state: LedgerState;
  requestId: string;
  qboEntity: string;
  qboId?: string;
  qboSyncToken?: string;
  /**
   * The QBO customer a posted sales document belongs to. A later payment, refund or credit note names only the
   * Stripe invoice, and reading the customer here saves it one QBO read of the invoice (QBO counts every
   * request against the realm's 500 a minute).
   */
  qboCustomerId?: string;
  /** Epoch ms; a pending entry whose lease has expired may be taken over (then recovered by a probe). */
  leaseExpiresAt: number;
  leaseOwner: string;
  attempts: number;
  updatedAt: string;
  detail?: string;
}

export type ReserveResult =
  | { outcome: 'reserved'; entry: LedgerEntry; takenOver: false }
  /** An expired pending lease was taken over: an earlier attempt may have written to QBO, probe before posting. */
  | { outcome: 'reserved'; entry: LedgerEntry; takenOver: true }
  | { outcome: 'already_posted'; entry: LedgerEntry }
  | { outcome: 'leased_elsewhere'; entry: LedgerEntry };

export interface ReserveRequest extends LedgerKey {
  requestId: string;
  qboEntity: string;
  leaseOwner: string;
  leaseMs: number;
  now: number;
}

/** What a commit records about the QBO object just written. */
export interface CommitResult {
  qboId: string;
  qboSyncToken?: string;
  qboCustomerId?: string;
  now: number;
}

export interface Ledger {
  get(key: LedgerKey): Promise<LedgerEntry | undefined>;
  /** Atomic create-if-absent (or take over an expired/failed entry). */
  reserve(request: ReserveRequest): Promise<ReserveResult>;
  /** Marks posted; only the lease owner may commit. */
  commit(key: LedgerKey, leaseOwner: string, result: CommitResult): Promise<LedgerEntry>;
  /** Gives up a lease after a failure that wrote nothing (so the next attempt need not probe). */
  release(
    key: LedgerKey,
    leaseOwner: string,
    outcome: { state: 'failed' | 'pending'; detail?: string; now: number },
  ): Promise<void>;
  /** Every entry of a tenant (replay looks up what is posted; tests and the demo count). */
  list(tenantId: string): Promise<LedgerEntry[]>;
}

/** Cursors and checkpoints: replay cursors, backfill progress. Small JSON documents, compare-and-set. */
export interface SyncStateStore {
  get<T extends object>(key: string): Promise<{ value: T; version: number } | undefined>;
  /** Writes when the stored version equals `expectedVersion` (0 = absent); returns false on a lost race. */
  put<T extends object>(key: string, value: T, expectedVersion: number): Promise<boolean>;
}

export type ReviewStatus = 'open' | 'approved' | 'dismissed' | 'resolved';

export interface ReviewItem {
  reviewId: string;
  tenantId: string;
  stripeId: string;
  entity: string;
  reason: string;
  failureClass: string;
  detail: string;
  /** The normalized event that produced the plan, so approve/replay can run it again. */
  event: object;
  /** The proposed QBO operations (the plan), for a person to check. */
  proposal: object | null;
  status: ReviewStatus;
  createdAt: string;
  updatedAt: string;
}

export interface ReviewQueue {
  /** Idempotent per reviewId: parking the same thing twice keeps one open item. */
  park(item: Omit<ReviewItem, 'status' | 'createdAt' | 'updatedAt'>, now: string): Promise<void>;
  get(reviewId: string): Promise<ReviewItem | undefined>;
  list(filter: { tenantId?: string; status?: ReviewStatus; reason?: string }): Promise<ReviewItem[]>;
  setStatus(reviewId: string, status: ReviewStatus, now: string): Promise<void>;
}

/**
 * An event waiting for an object another consumer owns (DESIGN section 7, `waiting`): acknowledged, kept here until
 * that object's create commits and republishes it. One record per tenant, dependency and event, however often the
 * event is delivered.
 */
export interface DependencyWait {
  tenantId: string;
  /** What it waits for, as the plan names it: `<kind>:<stripe id>` (`customer:cus_…`, `invoice:in_…`). */
  dependency: string;
  eventId: string;
  /** The waiting normalized event as it was delivered: republished as a new message once the dependency is posted. */
  event: object;
  /** When the event first waited for this dependency; the business limit counts from here. */
  since: string;
  /** When the dependency was last asked for (the same on every wait of it); absent while it has not been. */
  requestedAt?: string;
}

/** The durable wait-list (DESIGN section 7): who waits for which dependency. */
export interface WaitList {
  /**
   * Records the wait (a repeat keeps its `since`) and says whether this caller is the one to ask for the dependency:
   * yes when no wait for it has a request recorded, in which case the request is recorded now, atomically, so that
   * of many waiters of one dependency one asks.
   */
  add(wait: Omit<DependencyWait, 'since' | 'requestedAt'>, now: string): Promise<{ request: boolean }>;
  /** Stamps every wait of the dependency with a request made now; `null` takes back a request that failed. */
  setRequested(tenantId: string, dependency: string, requestedAt: string | null): Promise<void>;
  /** The waits of one dependency, oldest first. */
  waiters(tenantId: string, dependency: string): Promise<DependencyWait[]>;
  /** Drops those waits; with the last wait of a dependency goes its request, so a later wait asks again. */
  remove(tenantId: string, dependency: string, eventIds: readonly string[]): Promise<void>;
  /** Every wait of a tenant, oldest first (replay's sweep). */
  list(tenantId: string): Promise<DependencyWait[]>;
}

/** Where audit and link records go: Pub/Sub topics in every environment (BigQuery subscriptions load them). */
export interface AuditSink {
  record(record: AuditRecord): Promise<void>;
  link(record: LinkRecord): Promise<void>;
}

export interface Stores {
  tenants: TenantStore;
  ledger: Ledger;
  syncState: SyncStateStore;
  reviewQueue: ReviewQueue;
  waits: WaitList;
  close(): Promise<void>;
}
