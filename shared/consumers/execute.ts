import { randomUUID } from 'node:crypto';
import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { PlannedOperation } from '../accounting/plan';
import type { Ledger, SyncStateStore } from '../stores/ports';
import { CustomerDirectory } from './customer-directory';
import { customerEmailClaims } from './customer-email-claims';
import { customerMatcher, emailOf } from './customer-matching';
import type { QboWriter } from './qbo-port';
import { writeOnce, type FindExisting, type OperationOutcome, type WriteContext } from './write-protocol';

export interface ExecutorDeps {
  ledger: Ledger;
  /** Where email claims live: shared by every instance (customer-email-claims.ts). */
  syncState: SyncStateStore;
  /** Identifies this instance as a lease owner. */
  instanceId: string;
  /** Lease per attempt (write-protocol LEASE_MS unless set). */
  leaseMs?: number;
  now(): Date;
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

  /** `body` is the operation's body with every `$ref` resolved; `targetId` the QBO id a void or delete acts on. */
  async function execute(
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
      const found = await customerMatcher(customers.lookupFor(realmKey, context.qbo), body, operation.stripeId)();
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
