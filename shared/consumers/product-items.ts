import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { classifyError, SettingsIncompleteError } from '../errors';
import { qboLiteral, type QboObject, type QboWriter } from './qbo-port';
import { createTtlCache } from '../runtime/ttl-cache';

/** The name of a Stripe product, or undefined when Stripe has no such product (the consumer's StripeReader). */
export type ProductNameSource = (tenant: TenantSettings, productId: string) => Promise<string | undefined>;

export interface ProductItemLookupDeps {
  /** Undefined where no Stripe reader is wired: every unmapped product then goes on `defaultItem`. */
  productName: ProductNameSource | undefined;
  /** Epoch ms. */
  now(): number;
  ttlMs?: number;
}

/**
 * How long one instance trusts what it found: a busy invoice stream asks QBO once per product, and an item an
 * accountant adds or renames is picked up within minutes.
 */
export const PRODUCT_ITEM_TTL_MS = 10 * 60_000;
const MAX_CACHED_PRODUCTS = 10_000;

/** QBO Item names hold 100 characters and no colon (the colon joins parent and sub-item in FullyQualifiedName). */
const QBO_ITEM_NAME_MAX = 100;

function couldBeItemName(name: string): boolean {
  return name.length <= QBO_ITEM_NAME_MAX && !/[:\t\n]/.test(name);
}

/** QBO keeps Item names unique regardless of case, so a case-only difference is still the same item. */
function sameName(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.trim().toLowerCase() === b.toLowerCase();
}

/** Category items group others on QBO's product list and cannot stand on a sales line. */
function canSell(item: QboObject): boolean {
  return item.Active !== false && item.Type !== 'Category';
}

/**
 * The middle step of the ItemRef rule (DESIGN section 6: product mapping → item of the same name → `defaultItem`),
 * for lines whose plan carries `{"$ref":"item:<product>"}`. It reads; it never creates Items, and it keeps product
 * names out of errors and logs (they can name a customer's deal).
 */
export function createProductItemLookup(deps: ProductItemLookupDeps) {
  // The lines of concurrent invoices share one lookup; a failed one (Stripe or QBO unavailable) is not
  // remembered, so the retry asks again.
  const cache = createTtlCache<string>({
    ttlMs: deps.ttlMs ?? PRODUCT_ITEM_TTL_MS,
    maxEntries: MAX_CACHED_PRODUCTS,
    now: () => deps.now(),
  });

  async function itemNamedLike(tenant: TenantSettings, qbo: QboWriter, productId: string) {
    const name = (await deps.productName?.(tenant, productId))?.trim();
    if (!name || !couldBeItemName(name)) return undefined;
    let items: QboObject[];
    try {
      items = await qbo.query(`SELECT * FROM Item WHERE Name = ${qboLiteral(name)}`);
    } catch (error) {
      // A name QBO's query language refuses cannot be an Item's name either: the line goes on defaultItem.
      // Throttling, outages and expired tokens still fail the attempt, which Pub/Sub then retries.
      if (classifyError(error).failureClass === 'rejected') return undefined;
      throw error;
    }
    const item = items.find((candidate) => sameName(candidate.Name, name) && canSell(candidate));
    return item?.Id === undefined ? undefined : String(item.Id);
  }

  /** Which cache key answered which item, so an item QBO calls inactive can be forgotten (forgetItem). */
  const answered = new Map<string, string>();
  const forgotten = new Set<string>();

  /** The QBO Item id for a line of an unmapped Stripe product: the active item of the same name, else `defaultItem`. */
  async function itemForProduct(tenant: TenantSettings, qbo: QboWriter, productId: string): Promise<string> {
    const key = cacheKey(tenant.tenantId, tenant.qbo.realmId, productId);
    const fresh = forgotten.delete(key);
    const itemId = await cache.get(key, () => itemNamedLike(tenant, qbo, productId), fresh ? 0 : undefined);
    if (itemId !== undefined) {
      if (answered.size >= MAX_CACHED_PRODUCTS) answered.clear();
      answered.set(key, itemId);
      return itemId;
    }
    // Unreachable through buildPlan, which parks an unmapped line's plan when defaultItem is missing.
    const fallback = tenant.items.defaultItem;
    if (fallback === undefined) throw new SettingsIncompleteError(['items.defaultItem']);
    return fallback;
  }

  /**
   * QBO refused a document because an item on it is inactive (610): the name lookup that found it is asked again
   * next time instead of trusting this instance's cache for up to PRODUCT_ITEM_TTL_MS. True when the item was one
   * this cache had handed out (so resolving the document's lines again can give a different answer).
   */
  function forgetItem(tenantId: string, realmId: string, itemId: string): boolean {
    const prefix = cacheKey(tenantId, realmId, '');
    let forgot = false;
    for (const [key, cached] of answered) {
      if (cached !== itemId || !key.startsWith(prefix)) continue;
      answered.delete(key);
      forgotten.add(key);
      forgot = true;
    }
    return forgot;
  }

  return Object.assign(itemForProduct, { forgetItem });
}

function cacheKey(tenantId: string, realmId: string, productId: string): string {
  return `${tenantId}\n${realmId}\n${productId}`;
}

/** What resolving a line needs: the lookup itself. */
export type ProductItemLookup = (tenant: TenantSettings, qbo: QboWriter, productId: string) => Promise<string>;

/** The lookup with its cache control, as an instance holds it. */
export type ProductItems = ReturnType<typeof createProductItemLookup>;
