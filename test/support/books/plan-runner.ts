import type { Plan, PlannedOperation } from '../../../shared/accounting/plan';
import type { QboBooks } from './qbo-books';
import { QboRejection } from './qbo-books';

/**
 * The executor's write protocol, modelled in memory over QboBooks (test support): the ledger keys every write by
 * (Stripe id, operation) and posts it once; `{"$ref":"kind:id"}` resolves to the QBO id the ledger holds for
 * (id, create); a create whose `target` is not posted is skipped (nothing to reverse), any other unresolved ref
 * makes the event wait and come back later, as the real consumer's retry does. Customers, items and tax rates
 * resolve to themselves: any consumer may ensure them (DESIGN section 2).
 */
export type RunOutcome = 'done' | 'waiting' | 'skipped' | 'parked';

export class PlanRunner {
  readonly ledger = new Map<string, string>();
  readonly parked: string[] = [];
  readonly rejected: string[] = [];

  constructor(readonly books: QboBooks) {}

  private key(stripeId: string, operation: string): string {
    return `${stripeId}|${operation}`;
  }

  /** The QBO id a ref stands for, or undefined while its object is not posted. */
  private resolve(ref: string): string | undefined {
    const [kind = '', rest = ''] = ref.split(/:(.*)/s);
    const [stripeId = '', field] = rest.split('#');
    if (kind === 'customer') return stripeId;
    if (kind === 'item') return `item:${stripeId}`;
    if (kind === 'taxrate') return `rate:${stripeId}`;
    const id = this.ledger.get(this.key(stripeId, 'create'));
    if (id === undefined || field === undefined) return id;
    if (field === 'CustomerRef') return this.books.customerOf(id);
    throw new Error(`the model does not resolve field ${field}`);
  }

  private substitute(value: unknown, key?: string): unknown {
    if (Array.isArray(value)) return value.map((item) => this.substitute(item));
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Record<string, unknown>;
    if (typeof record.$ref === 'string' && Object.keys(record).length === 1) {
      const id = this.resolve(record.$ref);
      if (id === undefined) throw new Waiting(record.$ref);
      return key === 'TxnId' ? id : { value: id };
    }
    return Object.fromEntries(Object.entries(record).map(([name, child]) => [name, this.substitute(child, name)]));
  }

  private execute(operation: PlannedOperation, label: string): void {
    const key = this.key(operation.stripeId, operation.operation);
    if (this.ledger.has(key)) return;
    if (operation.target !== undefined) {
      const target = this.resolve(operation.target.$ref);
      if (target === undefined) {
        if (operation.operation === 'create') return; // nothing to reverse
        throw new Waiting(operation.target.$ref);
      }
      if (operation.operation !== 'create') {
        this.books.remove(target, operation.operation === 'void' ? 'void' : 'delete', label);
        this.ledger.set(key, target);
        return;
      }
    }
    const body = this.substitute(operation.body) as Record<string, unknown>;
    const id = this.books.create(operation.entity, body, operation.currency, operation.expectedTotal, label);
    this.ledger.set(key, id);
  }

  /** Runs one event's plan: its operations in order, each once. */
  run(plan: Plan, label: string): RunOutcome {
    if (plan.parked !== undefined) {
      this.parked.push(`${label}: ${plan.parked.reason} ${plan.parked.detail}`);
      return 'parked';
    }
    if (plan.operations.length === 0) return 'skipped';
    try {
      for (const operation of plan.operations)
        this.execute(operation, `${label} ${operation.entity} ${operation.stripeId}`);
      return 'done';
    } catch (error) {
      if (error instanceof Waiting) return 'waiting';
      if (error instanceof QboRejection) {
        this.rejected.push(error.message);
        return 'parked';
      }
      throw error;
    }
  }
}

class Waiting extends Error {
  constructor(readonly ref: string) {
    super(`waiting for ${ref}`);
  }
}
