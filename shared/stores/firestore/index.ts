import type { Firestore } from '@google-cloud/firestore';
import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import { decideCommit, decideRelease, decideReservation } from '../ledger-rules';
import type {
  Ledger,
  CommitResult,
  LedgerEntry,
  LedgerKey,
  ReserveRequest,
  ReserveResult,
  ReviewItem,
  ReviewQueue,
  ReviewStatus,
  Stores,
  SyncStateStore,
  TenantStatus,
  TenantStore,
} from '../ports';
import { safeId, withoutUndefined } from './documents';
import { FirestoreWaitList } from './wait-list';

function ledgerDocId(key: LedgerKey): string {
  return [key.tenantId, key.stripeId, key.operation].map(safeId).join('__');
}

class FirestoreTenantStore implements TenantStore {
  constructor(private readonly db: Firestore) {}
  private doc(tenantId: string) {
    return this.db.collection('tenants').doc(tenantId);
  }
  async get(tenantId: string): Promise<TenantSettings | undefined> {
    const snapshot = await this.doc(tenantId).get();
    return snapshot.exists ? this.toSettings(snapshot.data() as Record<string, unknown>) : undefined;
  }
  private toSettings(data: Record<string, unknown>): TenantSettings {
    const settings = data.settings as TenantSettings;
    return { ...settings, status: (data.status as TenantStatus | undefined) ?? 'active' };
  }
  async findByStripeAccount(accountId: string): Promise<TenantSettings | undefined> {
    const result = await this.db.collection('tenants').where('stripeAccount', '==', accountId).limit(1).get();
    const first = result.docs[0];
    return first ? this.toSettings(first.data()) : undefined;
  }
  async list(): Promise<TenantSettings[]> {
    const result = await this.db.collection('tenants').orderBy('tenantId').get();
    return result.docs.map((doc) => this.toSettings(doc.data()));
  }
  async put(settings: TenantSettings): Promise<void> {
    const { status: _ignored, ...stored } = settings;
    await this.doc(settings.tenantId).set(
      withoutUndefined({
        tenantId: settings.tenantId,
        stripeAccount: settings.stripe.accountId ?? null,
        settings: stored,
        updatedAt: new Date().toISOString(),
      }),
      { merge: true },
    );
  }
  async setStatus(tenantId: string, status: TenantStatus, reason?: string): Promise<void> {
    await this.doc(tenantId).set({ status, statusReason: reason ?? null }, { merge: true });
  }
}

/**
 * Entries from earlier releases carry `lastEventAt`, written and never read (ledger-rules.ts says why it went):
 * dropped on read, so it is neither returned nor written back.
 */
function ledgerEntryOf(data: FirebaseFirestore.DocumentData): LedgerEntry {
  const { lastEventAt: _dropped, ...entry } = data as LedgerEntry & { lastEventAt?: unknown };
  return entry;
}

function toLedgerEntry(snapshot: FirebaseFirestore.DocumentSnapshot): LedgerEntry | undefined {
  const data = snapshot.data();
  return data === undefined ? undefined : ledgerEntryOf(data);
}

class FirestoreLedger implements Ledger {
  constructor(private readonly db: Firestore) {}
  private doc(key: LedgerKey) {
    return this.db.collection('ledger').doc(ledgerDocId(key));
  }
  async get(key: LedgerKey): Promise<LedgerEntry | undefined> {
    return toLedgerEntry(await this.doc(key).get());
  }
  reserve(request: ReserveRequest): Promise<ReserveResult> {
    const ref = this.doc(request);
    return this.db.runTransaction(async (transaction) => {
      const decision = decideReservation(toLedgerEntry(await transaction.get(ref)), request);
      if (decision.write) transaction.set(ref, withoutUndefined(decision.result.entry));
      return decision.result;
    });
  }
  commit(key: LedgerKey, leaseOwner: string, result: CommitResult): Promise<LedgerEntry> {
    const ref = this.doc(key);
    return this.db.runTransaction(async (transaction) => {
      const decision = decideCommit(toLedgerEntry(await transaction.get(ref)), key, leaseOwner, result);
      if (decision.write) transaction.set(ref, withoutUndefined(decision.entry));
      return decision.entry;
    });
  }
  async release(
    key: LedgerKey,
    leaseOwner: string,
    outcome: { state: 'failed' | 'pending'; detail?: string; now: number },
  ): Promise<void> {
    const ref = this.doc(key);
    await this.db.runTransaction(async (transaction) => {
      const entry = decideRelease(toLedgerEntry(await transaction.get(ref)), leaseOwner, outcome);
      if (entry) transaction.set(ref, withoutUndefined(entry));
    });
  }
  async list(tenantId: string): Promise<LedgerEntry[]> {
    const result = await this.db.collection('ledger').where('tenantId', '==', tenantId).get();
    return result.docs
      .map((doc) => ledgerEntryOf(doc.data()))
      .sort((a, b) => a.stripeId.localeCompare(b.stripeId) || a.operation.localeCompare(b.operation));
  }
}

class FirestoreSyncStateStore implements SyncStateStore {
  constructor(private readonly db: Firestore) {}
  async get<T extends object>(key: string): Promise<{ value: T; version: number } | undefined> {
    const snapshot = await this.db.collection('syncState').doc(safeId(key)).get();
    if (!snapshot.exists) return undefined;
    const data = snapshot.data() as { value: string; version: number };
    return { value: JSON.parse(data.value) as T, version: data.version };
  }
  /**
   * Compare-and-set without a transaction: a read, then a write that Firestore applies only if the document is
   * still as read (create-if-absent, or update with a last-update-time precondition). A transaction locks the
   * document in pessimistic mode, and several writers of one hot document (the QBO budget, qbo/budget/) then wait
   * on each other's locks for seconds; a precondition never waits, it fails and the writer reads again.
   */
  async put<T extends object>(key: string, value: T, expectedVersion: number): Promise<boolean> {
    const ref = this.db.collection('syncState').doc(safeId(key));
    const snapshot = await ref.get();
    const current = snapshot.exists ? (snapshot.data() as { version: number }).version : 0;
    if (current !== expectedVersion) return false;
    // Stored as a JSON string: checkpoints may hold keys Firestore maps would reject (dots, empty strings).
    const data = { key, value: JSON.stringify(value), version: current + 1 };
    try {
      if (snapshot.exists && snapshot.updateTime) await ref.update(data, { lastUpdateTime: snapshot.updateTime });
      else await ref.create(data);
      return true;
    } catch (error) {
      // Written by someone else since the read: ALREADY_EXISTS (6) for a create, FAILED_PRECONDITION (9) or
      // NOT_FOUND (5) for an update.
      const code = (error as { code?: unknown }).code;
      if (code === 6 || code === 9 || code === 5) return false;
      throw error;
    }
  }
}

class FirestoreReviewQueue implements ReviewQueue {
  constructor(private readonly db: Firestore) {}
  private doc(reviewId: string) {
    return this.db.collection('reviewQueue').doc(safeId(reviewId));
  }
  async park(item: Omit<ReviewItem, 'status' | 'createdAt' | 'updatedAt'>, now: string): Promise<void> {
    const ref = this.doc(item.reviewId);
    await this.db.runTransaction(async (transaction) => {
      const snapshot = await transaction.get(ref);
      const createdAt = snapshot.exists ? (snapshot.data() as ReviewItem).createdAt : now;
      transaction.set(
        ref,
        withoutUndefined({
          ...item,
          event: JSON.stringify(item.event),
          proposal: item.proposal === null ? null : JSON.stringify(item.proposal),
          status: 'open',
          createdAt,
          updatedAt: now,
        }),
      );
    });
  }
  private toItem(data: Record<string, unknown>): ReviewItem {
    return {
      ...(data as unknown as ReviewItem),
      event: JSON.parse(data.event as string) as object,
      proposal: data.proposal === null ? null : (JSON.parse(data.proposal as string) as object),
    };
  }
  async get(reviewId: string): Promise<ReviewItem | undefined> {
    const snapshot = await this.doc(reviewId).get();
    return snapshot.exists ? this.toItem(snapshot.data() as Record<string, unknown>) : undefined;
  }
  async list(filter: { tenantId?: string; status?: ReviewStatus; reason?: string }): Promise<ReviewItem[]> {
    let query: FirebaseFirestore.Query = this.db.collection('reviewQueue');
    if (filter.tenantId !== undefined) query = query.where('tenantId', '==', filter.tenantId);
    if (filter.status !== undefined) query = query.where('status', '==', filter.status);
    if (filter.reason !== undefined) query = query.where('reason', '==', filter.reason);
    const result = await query.get();
    return result.docs
      .map((doc) => this.toItem(doc.data()))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.reviewId.localeCompare(b.reviewId));
  }
  async setStatus(reviewId: string, status: ReviewStatus, now: string): Promise<void> {
    await this.doc(reviewId).set({ status, updatedAt: now }, { merge: true });
  }
}

/** The production store: Firestore in native mode (DESIGN section 4). The client is built by the caller. */
export function createFirestoreStores(db: Firestore): Stores {
  return {
    tenants: new FirestoreTenantStore(db),
    ledger: new FirestoreLedger(db),
    syncState: new FirestoreSyncStateStore(db),
    reviewQueue: new FirestoreReviewQueue(db),
    waits: new FirestoreWaitList(db),
    close: () => db.terminate(),
  };
}
