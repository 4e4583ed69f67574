import type { Request, Response } from '@google-cloud/functions-framework';
import pino from 'pino';
import type { AuditRecord } from '../../../schemas/audit-record.schema';
import type { LinkRecord } from '../../../schemas/link-record.schema';
import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import { createValidators } from '../../../schemas/validators';
import { createEntityConsumer, type StripeReader } from '../../../shared/consumers/entity-consumer';
import { UNVERIFIED_LOCAL_EMULATOR_PUSHES } from '../../../shared/consumers/push-auth';
import type { QboObject, QboWriter } from '../../../shared/consumers/qbo-port';
import type { MessagePublisher, PublishOptions } from '../../../shared/messaging/publisher';
import type { Entity } from '../../../shared/messaging/topics';
import { decideCommit, decideRelease, decideReservation } from '../../../shared/stores/ledger-rules';
import type {
  AuditSink,
  DependencyWait,
  Ledger,
  LedgerEntry,
  LedgerKey,
  ReviewItem,
  ReviewQueue,
  ReviewStatus,
  Stores,
  SyncStateStore,
  TenantStatus,
  TenantStore,
  WaitList,
} from '../../../shared/stores/ports';

/**
 * Small in-memory stand-ins for the consumer's ports. The ledger applies the same reservation, commit and release
 * rules as the DuckDB and Firestore adapters (shared/stores/ledger-rules.ts), so exactly-once is the real rule.
 */
export const silentLogger = pino({ level: 'silent' });

const keyOf = (key: LedgerKey) => `${key.tenantId}\n${key.stripeId}\n${key.operation}`;

export class MemoryLedger implements Ledger {
  readonly entries = new Map<string, LedgerEntry>();
  async get(key: LedgerKey) {
    const entry = this.entries.get(keyOf(key));
    return entry && structuredClone(entry);
  }
  async reserve(request: Parameters<Ledger['reserve']>[0]) {
    const decision = decideReservation(this.entries.get(keyOf(request)), request);
    if (decision.write) this.entries.set(keyOf(request), structuredClone(decision.result.entry));
    return decision.result;
  }
  async commit(key: LedgerKey, owner: string, result: Parameters<Ledger['commit']>[2]) {
    const decision = decideCommit(this.entries.get(keyOf(key)), key, owner, result);
    if (decision.write) this.entries.set(keyOf(key), structuredClone(decision.entry));
    return decision.entry;
  }
  async release(key: LedgerKey, owner: string, outcome: Parameters<Ledger['release']>[2]) {
    const entry = decideRelease(this.entries.get(keyOf(key)), owner, outcome);
    if (entry) this.entries.set(keyOf(key), entry);
  }
  async list(tenantId: string) {
    return [...this.entries.values()].filter((entry) => entry.tenantId === tenantId);
  }
  /** A `posted` entry as a committed write leaves it. */
  posted(tenantId: string, stripeId: string, qboId: string, extra: Partial<LedgerEntry> = {}): void {
    this.entries.set(keyOf({ tenantId, stripeId, operation: 'create' }), {
      tenantId,
      stripeId,
      operation: 'create',
      state: 'posted',
      requestId: `request-${stripeId}`,
      qboEntity: 'Customer',
      qboId,
      leaseExpiresAt: 0,
      leaseOwner: 'earlier',
      attempts: 1,
      updatedAt: '2026-01-01T00:00:00.000Z',
      ...extra,
    });
  }
}

export class MemoryReviewQueue implements ReviewQueue {
  readonly items = new Map<string, ReviewItem>();
  async park(item: Omit<ReviewItem, 'status' | 'createdAt' | 'updatedAt'>, now: string) {
    const createdAt = this.items.get(item.reviewId)?.createdAt ?? now;
    // As the adapters do: parking again refreshes the item and reopens it.
    this.items.set(item.reviewId, { ...structuredClone(item), status: 'open', createdAt, updatedAt: now });
  }
  async get(reviewId: string) {
    return this.items.get(reviewId);
  }
  async list(filter: { tenantId?: string; status?: ReviewStatus; reason?: string }) {
    return [...this.items.values()].filter(
      (item) =>
        (filter.tenantId === undefined || item.tenantId === filter.tenantId) &&
        (filter.status === undefined || item.status === filter.status) &&
        (filter.reason === undefined || item.reason === filter.reason),
    );
  }
  async setStatus(reviewId: string, status: ReviewStatus, now: string) {
    const item = this.items.get(reviewId);
    if (item) this.items.set(reviewId, { ...item, status, updatedAt: now });
  }
}

export class MemorySyncState implements SyncStateStore {
  readonly values = new Map<string, { value: object; version: number }>();
  async get<T extends object>(key: string) {
    const found = this.values.get(key);
    return found && { value: structuredClone(found.value) as T, version: found.version };
  }
  async put<T extends object>(key: string, value: T, expectedVersion: number) {
    const current = this.values.get(key)?.version ?? 0;
    if (current !== expectedVersion) return false;
    this.values.set(key, { value: structuredClone(value), version: current + 1 });
    return true;
  }
}

/** The wait-list with the adapters' rules: of the waiters of one dependency the first asks; a request per dependency. */
export class MemoryWaitList implements WaitList {
  readonly waits = new Map<string, Omit<DependencyWait, 'requestedAt'>>();
  readonly requests = new Map<string, string>();
  async add(wait: Omit<DependencyWait, 'since' | 'requestedAt'>, now: string) {
    const key = `${wait.tenantId}\n${wait.dependency}`;
    const waitKey = `${key}\n${wait.eventId}`;
    if (!this.waits.has(waitKey)) this.waits.set(waitKey, { ...structuredClone(wait), since: now });
    if (this.requests.has(key)) return { request: false };
    this.requests.set(key, now);
    return { request: true };
  }
  async setRequested(tenantId: string, dependency: string, requestedAt: string | null) {
    if (requestedAt === null) this.requests.delete(`${tenantId}\n${dependency}`);
    else this.requests.set(`${tenantId}\n${dependency}`, requestedAt);
  }
  async waiters(tenantId: string, dependency: string) {
    return (await this.list(tenantId)).filter((wait) => wait.dependency === dependency);
  }
  async remove(tenantId: string, dependency: string, eventIds: readonly string[]) {
    for (const eventId of eventIds) this.waits.delete(`${tenantId}\n${dependency}\n${eventId}`);
    if ((await this.waiters(tenantId, dependency)).length === 0) this.requests.delete(`${tenantId}\n${dependency}`);
  }
  async list(tenantId: string): Promise<DependencyWait[]> {
    return [...this.waits.values()]
      .filter((wait) => wait.tenantId === tenantId)
      .map((wait) => {
        const requestedAt = this.requests.get(`${wait.tenantId}\n${wait.dependency}`);
        return { ...structuredClone(wait), ...(requestedAt ? { requestedAt } : {}) };
      })
      .sort((a, b) => a.since.localeCompare(b.since) || a.eventId.localeCompare(b.eventId));
  }
}

export class MemoryTenants implements TenantStore {
  readonly tenants = new Map<string, TenantSettings>();
  constructor(...tenants: TenantSettings[]) {
    for (const tenant of tenants) this.tenants.set(tenant.tenantId, tenant);
  }
  async get(tenantId: string) {
    return this.tenants.get(tenantId);
  }
  async findByStripeAccount(accountId: string) {
    return [...this.tenants.values()].find((tenant) => tenant.stripe.accountId === accountId);
  }
  async list() {
    return [...this.tenants.values()];
  }
  async put(settings: TenantSettings) {
    this.tenants.set(settings.tenantId, settings);
  }
  async setStatus(tenantId: string, status: TenantStatus) {
    const tenant = this.tenants.get(tenantId);
    if (tenant) this.tenants.set(tenantId, { ...tenant, status });
  }
}

export function memoryStores(...tenants: TenantSettings[]) {
  return {
    tenants: new MemoryTenants(...tenants),
    ledger: new MemoryLedger(),
    syncState: new MemorySyncState(),
    reviewQueue: new MemoryReviewQueue(),
    waits: new MemoryWaitList(),
    close: async () => undefined,
  } satisfies Stores;
}

/** Audit rows and link records in the order they were published. */
export class RecordingAuditSink implements AuditSink {
  readonly rows: Array<{ kind: 'audit'; record: AuditRecord } | { kind: 'link'; record: LinkRecord }> = [];
  get records(): AuditRecord[] {
    return this.rows.flatMap((row) => (row.kind === 'audit' ? [row.record] : []));
  }
  get links(): LinkRecord[] {
    return this.rows.flatMap((row) => (row.kind === 'link' ? [row.record] : []));
  }
  async record(record: AuditRecord) {
    this.rows.push({ kind: 'audit', record });
  }
  async link(record: LinkRecord) {
    this.rows.push({ kind: 'link', record });
  }
}

export class RecordingPublisher implements MessagePublisher {
  readonly published: Array<{ topic: string; data: unknown; options: PublishOptions | undefined }> = [];
  async publish(topic: string, data: Buffer | object, options?: PublishOptions) {
    this.published.push({ topic, data, options });
    return String(this.published.length);
  }
  async close() {}
}

/** `WHERE Field = 'value'`, the one query shape the write protocol and customer matching send. */
const EQUALS_QUERY = /^SELECT \* FROM (\w+) WHERE (\w+) = '((?:[^'\\]|\\.)*)'/;

/**
 * A QBO company in memory: creates get ids, objects are queried by one equal field. `totalAmt` sets what QBO
 * computes for TotalAmt per entity (left off when unset, as for a Customer).
 */
export class FakeQbo implements QboWriter {
  readonly objects: Array<{ entity: string; object: QboObject }> = [];
  readonly requests: string[] = [];
  totalAmt: Record<string, string> = {};
  private nextId = 100;

  entities(entity: string): QboObject[] {
    return this.objects.filter((stored) => stored.entity === entity).map((stored) => stored.object);
  }
  /** An object already in the company (an accountant's customer, say). */
  seed(entity: string, object: Record<string, unknown>): QboObject {
    const stored = { ...object, Id: String(this.nextId++), SyncToken: '0' };
    this.objects.push({ entity, object: stored });
    return stored;
  }
  async create(entity: string, body: Record<string, unknown>) {
    this.requests.push(`create ${entity}`);
    const total = this.totalAmt[entity];
    return structuredClone(this.seed(entity, { ...body, ...(total !== undefined ? { TotalAmt: total } : {}) }));
  }
  async read(entity: string, id: string) {
    this.requests.push(`read ${entity}`);
    const found = this.entities(entity).find((object) => object.Id === id);
    if (!found) throw new Error(`no ${entity} ${id}`);
    return structuredClone(found);
  }
  async voidTxn(entity: string, target: { Id: string }) {
    this.requests.push(`void ${entity}`);
    return { ...(await this.read(entity, target.Id)), voided: true };
  }
  async delete(entity: string, target: { Id: string }) {
    this.requests.push(`delete ${entity}`);
    return { Id: target.Id, status: 'Deleted' };
  }
  async query(sql: string) {
    this.requests.push(`query ${sql}`);
    const match = EQUALS_QUERY.exec(sql);
    if (!match) return [];
    const [, entity = '', field = '', literal = ''] = match;
    const value = literal.replace(/\\(.)/g, '$1').toLowerCase();
    return this.entities(entity).filter((object) => {
      const raw =
        field === 'PrimaryEmailAddr' ? (object.PrimaryEmailAddr as { Address?: unknown })?.Address : object[field];
      return typeof raw === 'string' && raw.toLowerCase() === value;
    });
  }
}

export interface TestConsumerOptions {
  stores: Stores;
  entity?: Entity;
  stripe?: StripeReader;
  qbo?: FakeQbo;
}

/** A consumer over the in-memory ports, with what it wrote and recorded kept for the test to read. */
export function testConsumer(options: TestConsumerOptions) {
  const { stores } = options;
  const qbo = options.qbo ?? new FakeQbo();
  const audit = new RecordingAuditSink();
  const publisher = new RecordingPublisher();
  const consumer = createEntityConsumer({
    entity: options.entity ?? 'invoice',
    functionName: 'sync-test',
    logger: silentLogger,
    validators: createValidators(),
    stores,
    audit,
    publisher,
    topicPrefix: 'test-',
    qboFor: async () => qbo,
    ...(options.stripe ? { stripe: options.stripe } : {}),
    now: () => new Date('2026-01-15T12:00:00.000Z'),
    instanceId: 'unit',
    // These tests push without tokens, as the local emulator does; push-oidc.test.ts covers verification.
    pushAuth: UNVERIFIED_LOCAL_EMULATOR_PUSHES,
  });
  return { consumer, qbo, audit, publisher };
}

/** A Pub/Sub push of `event` to `consumer.handle`, as the subscription sends it; resolves with the status. */
export async function push(
  consumer: { handle(req: Request, res: Response): Promise<void> },
  event: object,
  deliveryAttempt = 1,
): Promise<number> {
  let status = 0;
  const body = {
    message: { data: Buffer.from(JSON.stringify(event)).toString('base64'), messageId: 'm-1', attributes: {} },
    subscription: 'projects/test/subscriptions/sync-test',
    deliveryAttempt,
  };
  // The handler reads `req.body` and answers through `res.status(…).end()`: all of Express a push handler uses.
  const res = {
    status(code: number) {
      status = code;
      return res;
    },
    end() {
      return res;
    },
  };
  await consumer.handle({ body } as Request, res as unknown as Response);
  return status;
}
