import { RetryableError, PermanentError } from '../errors';

/** `{"$ref":"customer:cus_…"}` in a plan body: a QBO object that another Stripe object owns. */
export interface PlanRef {
  kind: string;
  stripeId: string;
  /** `invoice:in_…#CustomerRef`: not the invoice itself but the CustomerRef of the QBO invoice linked to it. */
  field?: string;
}

export function parseRef(ref: string): PlanRef {
  const separator = ref.indexOf(':');
  if (separator <= 0) throw new PermanentError(`malformed $ref ${ref}`, { code: 'malformed_ref' });
  const [stripeId = '', field] = ref.slice(separator + 1).split('#');
  return { kind: ref.slice(0, separator), stripeId, ...(field ? { field } : {}) };
}

/** Every $ref in a body, each once, in document order. */
export function collectRefs(value: unknown, found: Map<string, PlanRef> = new Map()): Map<string, PlanRef> {
  if (Array.isArray(value)) for (const item of value) collectRefs(item, found);
  else if (typeof value === 'object' && value !== null) {
    const ref = (value as Record<string, unknown>).$ref;
    if (typeof ref === 'string' && Object.keys(value).length === 1) found.set(ref, parseRef(ref));
    else for (const child of Object.values(value)) collectRefs(child, found);
  }
  return found;
}

/** Fields where QBO wants the bare id string rather than a `{"value": id}` reference. */
const BARE_ID_FIELDS = new Set(['TxnId']);

/** Replaces each `{"$ref":…}` with QBO's `{"value":"<id>"}` (or the bare id where QBO wants one, e.g. LinkedTxn.TxnId). */
export function substituteRefs(value: unknown, resolved: ReadonlyMap<string, string>, key?: string): unknown {
  if (Array.isArray(value)) return value.map((item) => substituteRefs(item, resolved));
  if (typeof value === 'object' && value !== null) {
    const ref = (value as Record<string, unknown>).$ref;
    if (typeof ref === 'string' && Object.keys(value).length === 1) {
      const id = resolved.get(ref);
      if (id === undefined) throw new RetryableError(`unresolved ${ref}`, { code: 'dependency_pending' });
      return key !== undefined && BARE_ID_FIELDS.has(key) ? id : { value: id };
    }
    return Object.fromEntries(
      Object.entries(value).map(([name, child]) => [name, substituteRefs(child, resolved, name)]),
    );
  }
  return value;
}
