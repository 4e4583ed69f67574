import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { PlannedOperation } from '../accounting/plan';
import { PermanentError, RetryableError } from '../errors';
import { publishEntityEvent } from '../messaging/entity-events';
import type { MessagePublisher } from '../messaging/publisher';
import type { Ledger, LedgerEntry } from '../stores/ports';
import { qboEntityName } from '../qbo/entities';
import type { StripeReader } from '../stripe/ports';
import type { ProductItemLookup } from './product-items';
import type { QboWriter } from './qbo-port';
import { collectRefs, type PlanRef } from './ref-resolver';
import type { TaxRateLookup } from './tax-rates';

/** Every `$ref` of an operation with its QBO id, or: the operation reverses something that was never posted. */
export type Resolution = { kind: 'resolved'; ids: Map<string, string> } | { kind: 'nothing_to_reverse' };

export interface RefResolverDeps {
  ledger: Pick<Ledger, 'get'>;
  itemForProduct: ProductItemLookup;
  taxRateOfCode: TaxRateLookup;
  requestDependency: DependencyRequester;
}

/**
 * Stage `resolve-refs`: the QBO id behind each `$ref` of one operation. A Stripe object's QBO id is its posted
 * ledger entry; an unmapped product's is the QBO item of its name, else `defaultItem`. A reference that is not
 * posted yet asks its owning consumer for it and makes this attempt come back later (retryable): one writer per QBO
 * object kind (DESIGN section 2). `known` holds entries this run just wrote (an ensured customer), so the step
 * after it needs no second ledger read.
 */
export function createRefResolver(deps: RefResolverDeps) {
  return async function resolveRefs(
    tenant: TenantSettings,
    qbo: QboWriter,
    operation: PlannedOperation,
    known: ReadonlyMap<string, LedgerEntry> = new Map(),
  ): Promise<Resolution> {
    const refs = collectRefs(operation.body);
    if (operation.target) collectRefs(operation.target, refs);
    const ids = new Map<string, string>();
    for (const [text, ref] of refs) {
      if (ref.kind === 'item') {
        ids.set(text, await deps.itemForProduct(tenant, qbo, ref.stripeId));
        continue;
      }
      // `taxrate:<QBO TaxCode id>` names QBO's own object, not a Stripe one: nothing to wait for (tax-rates.ts).
      if (ref.kind === 'taxrate') {
        ids.set(text, await deps.taxRateOfCode(tenant, qbo, ref.stripeId));
        continue;
      }
      // One ledger read answers all three questions: is it posted, is someone writing it, what is its customer.
      const owner =
        known.get(ref.stripeId) ??
        (await deps.ledger.get({ tenantId: tenant.tenantId, stripeId: ref.stripeId, operation: 'create' }));
      let id = owner?.state === 'posted' ? owner.qboId : undefined;
      if (id === undefined) {
        if (operation.target?.$ref === text && operation.operation === 'create') return { kind: 'nothing_to_reverse' };
        await deps.requestDependency(tenant, { kind: ref.kind, stripeId: ref.stripeId }, owner);
        throw new RetryableError(`waiting for ${text}`, {
          code: 'dependency_pending',
          detail: text,
          retryAfterMs: 2_000,
        });
      }
      if (ref.field) id = await fieldOfLinked(qbo, text, ref, id, owner);
      ids.set(text, id);
    }
    return { kind: 'resolved', ids };
  };
}

/**
 * e.g. the customer of a basil invoice payment: the ledger kept it when the invoice was posted; entries from
 * before it did are read off the QBO invoice we linked.
 */
async function fieldOfLinked(
  qbo: QboWriter,
  text: string,
  ref: PlanRef,
  linkedId: string,
  owner: LedgerEntry | undefined,
): Promise<string> {
  let value: unknown = ref.field === 'CustomerRef' ? owner?.qboCustomerId : undefined;
  if (value === undefined) {
    // `invoice` → `Invoice`: a lower-case kind is not an envelope key the client could read the answer by.
    const entity = qboEntityName(ref.kind);
    if (!entity) throw new PermanentError(`${text} names no QBO entity`, { code: 'malformed_ref', detail: text });
    const linked = await qbo.read(entity, linkedId);
    value = (linked[ref.field ?? ''] as { value?: unknown } | undefined)?.value;
  }
  if (typeof value !== 'string')
    throw new PermanentError(`${text} has no ${ref.field}`, { code: 'ref_field_missing', detail: text });
  return value;
}

export type DependencyRequester = (
  tenant: TenantSettings,
  ref: PlanRef,
  entry: LedgerEntry | undefined,
) => Promise<void>;

/** A dependency requested less than this long ago is not requested again by the same instance. */
const DEPENDENCY_REQUEST_QUIET_MS = 30_000;
const MAX_REMEMBERED_REQUESTS = 10_000;

/**
 * Asks the owning consumer for an object this one needs: Stripe's current object, published to its entity topic
 * as a `dependency` event. Every retry of every dependent would otherwise publish another copy: skip it while the
 * owner is writing it (a live pending lease) or this instance asked recently. With no Stripe reader it asks nothing
 * and the dependent waits for the object's own event.
 */
export function createDependencyRequester(deps: {
  stripe: StripeReader | undefined;
  publisher: MessagePublisher;
  topicPrefix: string;
  now(): number;
}): DependencyRequester {
  const recentRequests = new Map<string, number>();
  return async (tenant, ref, entry) => {
    const now = deps.now();
    const requestKey = `${tenant.tenantId}:${ref.kind}:${ref.stripeId}`;
    const requestedAt = recentRequests.get(requestKey);
    if (requestedAt !== undefined && now - requestedAt < DEPENDENCY_REQUEST_QUIET_MS) return;
    if (entry?.state === 'pending' && entry.leaseExpiresAt > now) return;
    const dependency = deps.stripe ? await deps.stripe.fetchDependency(tenant, ref) : undefined;
    if (!dependency) return;
    await publishEntityEvent(deps.publisher, deps.topicPrefix, dependency);
    if (recentRequests.size > MAX_REMEMBERED_REQUESTS) recentRequests.clear();
    recentRequests.set(requestKey, now);
  };
}
