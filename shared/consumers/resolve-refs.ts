import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { PlannedOperation } from '../accounting/plan';
import { PermanentError } from '../errors';
import type { Ledger, LedgerEntry } from '../stores/ports';
import { qboEntityName } from '../qbo/entities';
import type { ProductItemLookup } from './product-items';
import type { QboWriter } from './qbo-port';
import { collectRefs, type PlanRef } from './ref-resolver';

/** A `$ref` whose Stripe object is not posted yet: what it is, and its ledger entry if it has one (being written). */
export interface MissingRef {
  kind: 'missing';
  text: string;
  ref: PlanRef;
  owner: LedgerEntry | undefined;
}

/**
 * Every `$ref` of an operation with its QBO id; or the first one that is not posted yet (the wait stage holds the
 * event for it); or: the operation reverses something that was never posted.
 */
export type Resolution = { kind: 'resolved'; ids: Map<string, string> } | MissingRef | { kind: 'nothing_to_reverse' };

export interface RefResolverDeps {
  ledger: Pick<Ledger, 'get'>;
  itemForProduct: ProductItemLookup;
}

/**
 * Stage `resolve-refs`: the QBO id behind each `$ref` of one operation. A Stripe object's QBO id is its posted
 * ledger entry; an unmapped product's is the QBO item of its name, else `defaultItem`. A reference that is not
 * posted yet is answered as missing, for the wait stage (wait.ts): one writer per QBO object kind (DESIGN
 * section 2), and waiting for another is no failure. `known` holds entries this run just wrote (an ensured
 * customer), so the step after it needs no second ledger read.
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
      // One ledger read answers all three questions: is it posted, is someone writing it, what is its customer.
      const owner =
        known.get(ref.stripeId) ??
        (await deps.ledger.get({ tenantId: tenant.tenantId, stripeId: ref.stripeId, operation: 'create' }));
      let id = owner?.state === 'posted' ? owner.qboId : undefined;
      if (id === undefined) {
        if (operation.target?.$ref === text && operation.operation === 'create') return { kind: 'nothing_to_reverse' };
        return { kind: 'missing', text, ref, owner };
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
