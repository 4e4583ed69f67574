import { foldCustomerName, queryLookup, type CustomerLookup } from './customer-matching';
import { qboLiteral, type QboObject, type QboWriter } from './qbo-port';

/**
 * The realm's active customers, held by one consumer instance, so matching a new Stripe customer costs no QBO
 * request once the directory is loaded. Matching by query costs up to three requests per new customer, and QBO
 * counts every request against the realm's 500 a minute: in a backfill that is most of the budget.
 *
 * Freshness: before a match the directory asks QBO for the customers changed since the newest change it has seen
 * (`MetaData.LastUpdatedTime >=`, one request, at most every `refreshMs`), so a customer an accountant just created
 * is seen within that window. Customers this instance creates are added as it creates them. An instance that has
 * matched only a few customers keeps querying: loading a large customer list to match one customer would cost
 * more than it saves.
 *
 * Deactivation: QBO's queries return active customers only unless they filter on Active, so the refresh asks for
 * both (`Active IN (true, false)`) and a customer made inactive drops out of matching within the window. Inside
 * the window a match from the directory may still be one QBO has made inactive: the executor reads it before
 * linking it (a link to an inactive customer would have QBO refuse every document of the Stripe customer with
 * 610) and `forget`s it when it is.
 */
export interface CustomerDirectoryOptions {
  now: () => number;
  /** How stale the directory may be when it answers (default 5 s). */
  refreshMs?: number;
  /** Matches per realm answered by query before the directory loads (default 10). */
  warmupMatches?: number;
}

/** Only what matching and linking read: a directory of 100,000 customers stays a few tens of MB. */
type DirectoryCustomer = Pick<QboObject, 'Id' | 'SyncToken'> & {
  DisplayName?: string;
  PrimaryEmailAddr?: { Address?: string };
  Active?: boolean;
};

interface RealmDirectory {
  customers: Map<string, DirectoryCustomer>;
  /** The newest `MetaData.LastUpdatedTime` seen, in QBO's own format, for the next refresh query. */
  watermark: string | undefined;
  refreshedAt: number;
  loaded: boolean;
  matches: number;
  refreshing: Promise<void> | undefined;
}

const PAGE = 1000;

function slim(customer: QboObject): DirectoryCustomer {
  const email = (customer.PrimaryEmailAddr as { Address?: unknown } | undefined)?.Address;
  return {
    Id: String(customer.Id ?? ''),
    ...(customer.SyncToken !== undefined ? { SyncToken: String(customer.SyncToken) } : {}),
    ...(typeof customer.DisplayName === 'string' ? { DisplayName: customer.DisplayName } : {}),
    ...(typeof email === 'string' ? { PrimaryEmailAddr: { Address: email } } : {}),
    Active: customer.Active !== false,
  };
}

function updatedAt(customer: QboObject): string | undefined {
  const time = (customer.MetaData as { LastUpdatedTime?: unknown } | undefined)?.LastUpdatedTime;
  return typeof time === 'string' ? time : undefined;
}

const sameText = (a: string | undefined, b: string) =>
  a !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

export class CustomerDirectory {
  private readonly realms = new Map<string, RealmDirectory>();
  private readonly refreshMs: number;
  private readonly warmupMatches: number;

  constructor(private readonly options: CustomerDirectoryOptions) {
    this.refreshMs = options.refreshMs ?? 5_000;
    this.warmupMatches = options.warmupMatches ?? 10;
  }

  /**
   * The lookup for one match in `realmKey` (tenant and realm): by query while warming up, else the directory.
   * `fromDirectory` says which: a query's answer is QBO's own, the directory's may be a refresh window old.
   */
  lookupFor(realmKey: string, qbo: QboWriter): CustomerLookup & { fromDirectory: boolean } {
    const realm = this.realm(realmKey);
    realm.matches += 1;
    if (!realm.loaded && realm.matches <= this.warmupMatches) return { ...queryLookup(qbo), fromDirectory: false };
    const fresh = () => this.refresh(realm, qbo).then(() => [...realm.customers.values()].filter((c) => c.Active));
    return {
      fromDirectory: true,
      byEmail: async (email) => (await fresh()).filter((c) => sameText(c.PrimaryEmailAddr?.Address, email)),
      byName: async (name) => (await fresh()).filter((c) => sameText(c.DisplayName, name)),
      byFoldedName: async (folded) =>
        (await fresh()).filter((c) => foldCustomerName(String(c.DisplayName ?? '')) === folded),
    };
  }

  /** A customer QBO says is inactive (read before linking, or a 610 on a document): no longer matchable here. */
  forget(realmKey: string, customerId: string): boolean {
    return this.realms.get(realmKey)?.customers.delete(customerId) ?? false;
  }

  /** A customer this instance just created or linked: known at once, without waiting for a refresh. */
  remember(realmKey: string, customer: QboObject): void {
    const realm = this.realms.get(realmKey);
    if (realm?.loaded && customer.Id !== undefined) realm.customers.set(String(customer.Id), slim(customer));
  }

  private realm(realmKey: string): RealmDirectory {
    let realm = this.realms.get(realmKey);
    if (!realm) {
      realm = {
        customers: new Map(),
        watermark: undefined,
        refreshedAt: 0,
        loaded: false,
        matches: 0,
        refreshing: undefined,
      };
      this.realms.set(realmKey, realm);
    }
    return realm;
  }

  private refresh(realm: RealmDirectory, qbo: QboWriter): Promise<void> {
    if (realm.loaded && this.options.now() - realm.refreshedAt < this.refreshMs) return Promise.resolve();
    // One refresh at a time per realm; concurrent matches wait for it.
    realm.refreshing ??= this.load(realm, qbo).finally(() => {
      realm.refreshing = undefined;
    });
    return realm.refreshing;
  }

  private async load(realm: RealmDirectory, qbo: QboWriter): Promise<void> {
    const startedAt = this.options.now();
    // `>=`: QBO's times have whole seconds, so a change in the watermark's own second is read again, not missed.
    // `Active IN (true, false)`: without it QBO leaves out the customers made inactive since, which would then
    // stay matchable here (the first load needs only the active ones).
    const where =
      realm.loaded && realm.watermark !== undefined
        ? ` WHERE MetaData.LastUpdatedTime >= ${qboLiteral(realm.watermark)} AND Active IN (true, false)`
        : '';
    const seen: QboObject[] = [];
    // QBO has no default order: pages cut without ORDERBY may skip or repeat customers.
    for (let start = 1; ; start += PAGE) {
      const page = await qbo.query(
        `SELECT * FROM Customer${where} ORDERBY Id STARTPOSITION ${start} MAXRESULTS ${PAGE}`,
      );
      seen.push(...page);
      if (page.length < PAGE) break;
    }
    if (!realm.loaded) realm.customers.clear();
    for (const customer of seen) {
      if (customer.Id === undefined) continue;
      realm.customers.set(String(customer.Id), slim(customer));
      const time = updatedAt(customer);
      // Compared as instants: QBO writes company-local times whose offset changes with daylight saving.
      if (time !== undefined && (realm.watermark === undefined || Date.parse(time) > Date.parse(realm.watermark)))
        realm.watermark = time;
    }
    realm.loaded = true;
    realm.refreshedAt = startedAt;
  }
}
