import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import { PermanentError } from '../errors';
import { createTtlCache } from '../runtime/ttl-cache';
import { qboLiteral, type QboObject, type QboWriter } from './qbo-port';

/**
 * `{"$ref":"taxrate:<QBO TaxCode id>"}` (the `vat` tax regime, shared/accounting/tax.ts): a TaxLine of
 * TxnTaxDetail names a TaxRate, while the tenant maps Stripe rates to TaxCodes, the thing an accountant picks in
 * QBO. A TaxCode lists its sales rates in `SalesTaxRateList.TaxRateDetail`; a VAT/GST code has one, so its first is
 * the rate Stripe's tax was charged at. Tax codes change when an accountant edits the company, rarely: one instance
 * trusts what it read for a while.
 */
export const TAX_RATE_TTL_MS = 10 * 60_000;
const MAX_CACHED_CODES = 1_000;

/** QBO ids are digit strings; anything else in a ref did not come from the tenant's tax settings as QBO knows them. */
const QBO_ID = /^\d+$/;

function firstSalesRate(code: QboObject): string | undefined {
  const list = code.SalesTaxRateList as { TaxRateDetail?: Array<{ TaxRateRef?: { value?: unknown } }> } | undefined;
  const value = list?.TaxRateDetail?.[0]?.TaxRateRef?.value;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function createTaxRateLookup(deps: { now(): number; ttlMs?: number }) {
  const cache = createTtlCache<string>({
    ttlMs: deps.ttlMs ?? TAX_RATE_TTL_MS,
    maxEntries: MAX_CACHED_CODES,
    now: () => deps.now(),
  });

  async function readRate(qbo: QboWriter, taxCodeId: string): Promise<string> {
    if (!QBO_ID.test(taxCodeId))
      throw new PermanentError(`taxrate:${taxCodeId} names no QBO tax code`, {
        code: 'malformed_ref',
        detail: `taxrate:${taxCodeId}`,
      });
    const [code] = await qbo.query(`SELECT * FROM TaxCode WHERE Id = ${qboLiteral(taxCodeId)}`);
    // Both are the tenant's tax settings pointing at something QBO does not have as a sales rate: a person must
    // fix the mapping (tax.taxCodeByRate / defaultTaxCode), so retrying cannot help.
    if (code === undefined)
      throw new PermanentError(`QBO has no tax code ${taxCodeId}`, {
        code: 'tax_code_missing',
        detail: `taxrate:${taxCodeId}`,
      });
    const rate = firstSalesRate(code);
    if (rate === undefined)
      throw new PermanentError(`QBO tax code ${taxCodeId} has no sales tax rate`, {
        code: 'tax_code_without_sales_rate',
        detail: `taxrate:${taxCodeId}`,
      });
    return rate;
  }

  /** The QBO TaxRate id of a TaxCode's first sales rate. */
  return async function taxRateOfCode(tenant: TenantSettings, qbo: QboWriter, taxCodeId: string): Promise<string> {
    const rate = await cache.get(`${tenant.tenantId}\n${tenant.qbo.realmId}\n${taxCodeId}`, () =>
      readRate(qbo, taxCodeId),
    );
    // readRate answers or throws; the cache's undefined is only its "nothing loaded" case.
    if (rate === undefined) throw new PermanentError(`QBO tax code ${taxCodeId} has no sales tax rate`);
    return rate;
  };
}

export type TaxRateLookup = ReturnType<typeof createTaxRateLookup>;
