import { randomUUID } from 'node:crypto';
import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { PlannedOperation } from '../accounting/plan';
import { classifyError, RetryableError } from '../errors';
import type { Ledger, SyncStateStore } from '../stores/ports';
import { CustomerDirectory } from './customer-directory';
import { customerEmailClaims } from './customer-email-claims';
import { customerMatcher, emailOf } from './customer-matching';
import type { ProductItems } from './product-items';
import type { QboObject, QboWriter } from './qbo-port';
import { writeOnce, type FindExisting, type OperationOutcome, type WriteContext } from './write-protocol';

export interface ExecutorDeps {
  ledger: Ledger;
  /** Where email claims live: shared by every instance (customer-email-claims.ts). */
  syncState: SyncStateStore;
  /** Identifies this instance as a lease owner. */
  instanceId: string;
  /** Lease per attempt (write-protocol LEASE_MS unless set). */
  leaseMs?: number;
  /** The instance's item-by-name cache, so a 610 can make it look again (unset: nothing is cached). */
  items?: Pick<ProductItems, 'forgetItem'>;
  now(): Date;
}

/** Entries kept to retry a 610 only once per document in an instance. */
const MAX_REMEMBERED_RETRIES = 10_000;

/** Item ids on a resolved sales form's lines. */
function itemIdsOf(body: Record<string, unknown>): string[] {
  const lines = Array.isArray(body.Line) ? (body.Line as Array<Record<string, unknown>>) : [];
  return lines.flatMap((line) => {
    const detail = line.SalesItemLineDetail as { ItemRef?: { value?: unknown } } | undefined;
    const id = detail?.ItemRef?.value;
    return typeof id === 'string' ? [id] : [];
  });
}

/**
 * Stage `execute`: one resolved operation through the exactly-once write protocol (write-protocol.ts: reserve,
 * probe, post, commit). A new customer is matched to an existing QBO customer first (by email through the
 * instance's customer directory and the shared email claims, then by name), so two Stripe customers with one email
 * stay one QBO customer.
 */
export function createExecutor(deps: ExecutorDeps) {
  const clock = () => deps.now().getTime();
  const customers = new CustomerDirectory({ now: clock });
  const emailClaims = customerEmailClaims(deps.syncState, clock);
  const retriedAfter610 = new Set<string>();

  /** The protocol's context for one delivery of `event` to `tenant`'s QBO company. */
  function writeContext(
    tenant: TenantSettings,
    qbo: QboWriter,
    event: NormalizedEvent,
    deliveryAttempt: number | undefined,
  ): WriteContext {
    return {
      tenantId: tenant.tenantId,
      realmId: tenant.qbo.realmId,
      ledger: deps.ledger,
      qbo,
      // Unique per delivery: two copies of one message pushed at once must not share a lease (the emulator and
      // Pub/Sub without a dead-letter policy send no deliveryAttempt to tell them apart).
      leaseOwner: `${deps.instanceId}:${event.eventId}:${deliveryAttempt ?? 0}:${randomUUID().slice(0, 8)}`,
      now: clock,
      ...(deps.leaseMs !== undefined ? { leaseMs: deps.leaseMs } : {}),
    };
  }

  /**
   * A match from the instance's directory may be a refresh window old (customer-directory.ts): it is read before
   * it is linked, and one QBO has made inactive is forgotten and the match run once more (the same email or name
   * may belong to another active customer, or to none, and then ours is created).
   */
  async function matchCustomer(
    realmKey: string,
    qbo: QboWriter,
    body: Record<string, unknown>,
    stripeId: string,
  ): Promise<QboObject | undefined> {
    for (let attempt = 0; ; attempt += 1) {
      const lookup = customers.lookupFor(realmKey, qbo);
      const found = await customerMatcher(lookup, body, stripeId)();
      if (!found || !lookup.fromDirectory) return found;
      const current = await qbo.read('Customer', String(found.Id));
      if (current.Active !== false) return current;
      customers.forget(realmKey, String(found.Id));
      if (attempt >= 1) return undefined;
    }
  }

  /**
   * QBO refused a create with 610: something on it is inactive. What this instance cached may be why (the item of a
   * product's name, the customer in the directory): forget those. When an item came from that cache, resolving the
   * lines again can give another answer, so the attempt is retried, once per document in this instance; otherwise
   * (the item is the tenant's mapping, the customer is the one the ledger links) a retry would only meet the same
   * 610, and it stays a rejection for a person.
   */
  function retryAfterInactive(
    context: WriteContext,
    operation: PlannedOperation,
    body: Record<string, unknown>,
    error: unknown,
  ): RetryableError | undefined {
    if (operation.operation !== 'create' || classifyError(error).code !== 'qbo_610') return undefined;
    const realmKey = `${context.tenantId}:${context.realmId}`;
    const customerId = (body.CustomerRef as { value?: unknown } | undefined)?.value;
    if (typeof customerId === 'string') customers.forget(realmKey, customerId);
    const forgotItems = itemIdsOf(body).filter(
      (id) => deps.items?.forgetItem(context.tenantId, context.realmId, id) === true,
    );
    const key = `${realmKey}:${operation.stripeId}:${operation.operation}`;
    if (forgotItems.length === 0 || retriedAfter610.has(key)) return undefined;
    if (retriedAfter610.size >= MAX_REMEMBERED_RETRIES) retriedAfter610.clear();
    retriedAfter610.add(key);
    return new RetryableError(`a cached item on ${operation.entity} is inactive in QBO; resolving it again`, {
      code: 'inactive_reference',
      detail: `items=${forgotItems.join(',')}`,
      cause: error,
    });
  }

  /** `body` is the operation's body with every `$ref` resolved; `targetId` the QBO id a void or delete acts on. */
  async function execute(
    context: WriteContext,
    operation: PlannedOperation,
    body: Record<string, unknown>,
    targetId: string | undefined,
  ): Promise<OperationOutcome> {
    try {
      return await executeOnce(context, operation, body, targetId);
    } catch (error) {
      throw retryAfterInactive(context, operation, body, error) ?? error;
    }
  }

  async function executeOnce(
    context: WriteContext,
    operation: PlannedOperation,
    body: Record<string, unknown>,
    targetId: string | undefined,
  ): Promise<OperationOutcome> {
    if (operation.entity !== 'Customer' || operation.operation !== 'create')
      return writeOnce(context, operation, body, targetId);
    const realmKey = `${context.tenantId}:${context.realmId}`;
    const email = emailOf(body);
    const findExisting: FindExisting = async () => {
      const found = await matchCustomer(realmKey, context.qbo, body, operation.stripeId);
      return found ?? (email ? emailClaims.claim(realmKey, email, operation.stripeId) : undefined);
    };
    const outcome = await writeOnce(context, operation, body, targetId, findExisting);
    if (outcome.kind === 'posted') {
      customers.remember(realmKey, outcome.qbo);
      // Linked or created, this is the QBO customer for the email from now on.
      if (email) await emailClaims.created(realmKey, email, operation.stripeId, String(outcome.qbo.Id));
    }
    return outcome;
  }

  return { writeContext, execute };
}

export type Executor = ReturnType<typeof createExecutor>;
