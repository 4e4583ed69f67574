import type { Firestore } from '@google-cloud/firestore';
import type { DependencyWait, WaitList } from '../ports';
import { safeId } from './documents';

/** A wait as stored: the event as a JSON string (its keys need not suit a Firestore map), `waitKey` to query by. */
interface WaitDocument {
  tenantId: string;
  dependency: string;
  /** Tenant and dependency in one field: an equality query on it needs no composite index. */
  waitKey: string;
  eventId: string;
  event: string;
  since: string;
}

/** One per dependency asked for: whoever creates it asks. */
interface RequestDocument {
  tenantId: string;
  dependency: string;
  requestedAt: string;
}

const ALREADY_EXISTS = 6;
const waitKeyOf = (tenantId: string, dependency: string) => `${tenantId}\n${dependency}`;

function toWait(data: WaitDocument, requestedAt: string | undefined): DependencyWait {
  return {
    tenantId: data.tenantId,
    dependency: data.dependency,
    eventId: data.eventId,
    event: JSON.parse(data.event) as object,
    since: data.since,
    ...(requestedAt ? { requestedAt } : {}),
  };
}

const oldestFirst = (a: DependencyWait, b: DependencyWait) =>
  a.since.localeCompare(b.since) || a.dependency.localeCompare(b.dependency) || a.eventId.localeCompare(b.eventId);

/**
 * Waits in `dependencyWaits`, one document per tenant, dependency and event; the request for a dependency in
 * `dependencyRequests`. Claiming the request is a `create()`, which Firestore lets exactly one caller win, so many
 * waiters of one dependency need no transaction over a query (those contend badly under load).
 */
export class FirestoreWaitList implements WaitList {
  constructor(private readonly db: Firestore) {}

  private waitDoc(tenantId: string, dependency: string, eventId: string) {
    return this.db.collection('dependencyWaits').doc([tenantId, dependency, eventId].map(safeId).join('__'));
  }

  private requestDoc(tenantId: string, dependency: string) {
    return this.db.collection('dependencyRequests').doc([tenantId, dependency].map(safeId).join('__'));
  }

  private async waitsOf(tenantId: string, dependency: string) {
    return this.db.collection('dependencyWaits').where('waitKey', '==', waitKeyOf(tenantId, dependency)).get();
  }

  async add(wait: Omit<DependencyWait, 'since' | 'requestedAt'>, now: string): Promise<{ request: boolean }> {
    const document: WaitDocument = {
      tenantId: wait.tenantId,
      dependency: wait.dependency,
      waitKey: waitKeyOf(wait.tenantId, wait.dependency),
      eventId: wait.eventId,
      event: JSON.stringify(wait.event),
      since: now,
    };
    // A repeat finds its record and leaves it as it was: `since` stays when the event first waited.
    await createUnlessExists(this.waitDoc(wait.tenantId, wait.dependency, wait.eventId), document);
    const request: RequestDocument = { tenantId: wait.tenantId, dependency: wait.dependency, requestedAt: now };
    return { request: await createUnlessExists(this.requestDoc(wait.tenantId, wait.dependency), request) };
  }

  async setRequested(tenantId: string, dependency: string, requestedAt: string | null): Promise<void> {
    const ref = this.requestDoc(tenantId, dependency);
    if (requestedAt === null) await ref.delete();
    else await ref.set({ tenantId, dependency, requestedAt } satisfies RequestDocument);
  }

  async waiters(tenantId: string, dependency: string): Promise<DependencyWait[]> {
    const [found, request] = await Promise.all([
      this.waitsOf(tenantId, dependency),
      this.requestDoc(tenantId, dependency).get(),
    ]);
    const requestedAt = (request.data() as RequestDocument | undefined)?.requestedAt;
    return found.docs.map((doc) => toWait(doc.data() as WaitDocument, requestedAt)).sort(oldestFirst);
  }

  async remove(tenantId: string, dependency: string, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const batch = this.db.batch();
    for (const eventId of eventIds) batch.delete(this.waitDoc(tenantId, dependency, eventId));
    await batch.commit();
    // The last waiter gone, so goes the request: a later wait for the same dependency asks again.
    if ((await this.waitsOf(tenantId, dependency)).empty) await this.requestDoc(tenantId, dependency).delete();
  }

  async list(tenantId: string): Promise<DependencyWait[]> {
    const [waits, requests] = await Promise.all([
      this.db.collection('dependencyWaits').where('tenantId', '==', tenantId).get(),
      this.db.collection('dependencyRequests').where('tenantId', '==', tenantId).get(),
    ]);
    const requestedAt = new Map(
      requests.docs.map((doc) => [
        (doc.data() as RequestDocument).dependency,
        (doc.data() as RequestDocument).requestedAt,
      ]),
    );
    return waits.docs
      .map((doc) => {
        const data = doc.data() as WaitDocument;
        return toWait(data, requestedAt.get(data.dependency));
      })
      .sort(oldestFirst);
  }
}

/** `create()` with its precondition: true when this call made the document, false when it was there already. */
async function createUnlessExists(ref: FirebaseFirestore.DocumentReference, data: object): Promise<boolean> {
  try {
    await ref.create(data);
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === ALREADY_EXISTS) return false;
    throw error;
  }
}
