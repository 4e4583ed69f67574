import { RetryableError } from '../../shared/errors';
import type { Ledger, Stores } from '../../shared/stores/ports';

/**
 * The chaos run's consumer crash: the QBO write has happened, the ledger commit never does. The attempt dies the
 * way a killed instance would as far as the ledger can tell: its entry stays `pending` under a lease that nobody
 * will release, so a later delivery must wait the lease out, take over, and find the object by its marker.
 */
export class InjectedCrash extends RetryableError {
  constructor() {
    super('injected crash between the QBO write and the ledger commit', { code: 'injected_crash' });
  }
}

export interface CrashInjection {
  stores: Stores;
  /** How many commits were turned into crashes so far. */
  crashes(): number;
}

/**
 * Wraps the stores so that `rate` of ledger commits crash instead: every (1/rate)th commit, counted rather than
 * drawn, so a short run is sure to crash at least once and a long one crashes at the rate asked for.
 */
export function injectCommitCrashes(stores: Stores, rate: number): CrashInjection {
  const period = Math.max(1, Math.round(1 / rate));
  let commits = 0;
  let crashes = 0;
  const ledger: Ledger = {
    get: (key) => stores.ledger.get(key),
    reserve: (request) => stores.ledger.reserve(request),
    release: (key, owner, outcome) => stores.ledger.release(key, owner, outcome),
    list: (tenantId) => stores.ledger.list(tenantId),
    commit: async (key, owner, result) => {
      commits += 1;
      if (commits % period === 0) {
        crashes += 1;
        throw new InjectedCrash();
      }
      return stores.ledger.commit(key, owner, result);
    },
  };
  return { stores: { ...stores, ledger }, crashes: () => crashes };
}
