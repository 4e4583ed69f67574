import { createHash } from 'node:crypto';
import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
// The QBO entity list is vocabulary shared with the client; the module imports nothing, so no I/O comes with it.
import type { QboEntityName } from '../qbo/entities';
import { localDate } from './dates';
import type { StripeEnrichment } from './enrichment';
import { minorToDecimal } from './money';

export type { QboEntityName };

export type OperationKind = 'create' | 'void' | 'delete' | 'update';

export interface QboRef {
  $ref: string;
}

export interface PlannedOperation {
  entity: QboEntityName;
  operation: OperationKind;
  /** The Stripe object that owns this QBO write; with `operation`, the ledger key. */
  stripeId: string;
  stripeObject: string;
  /** UUIDv5 of (tenantId, realmId, stripeId, operation): the same write always gets the same QBO requestid. */
  requestId: string;
  /** What QBO must compute for TotalAmt (section 5 step 6), as decimal text. */
  expectedTotal?: string;
  currency: string;
  txnDate?: string;
  docNumber?: string;
  body: Record<string, unknown>;
  target?: QboRef;
}

/**
 * Why a plan posts nothing on purpose (audit `skipped/<reason>`). One list so the audit vocabulary is closed.
 */
export const SKIP_REASONS = [
  'unhandled_type',
  'before_go_live',
  'mode_payout_summary',
  'out_of_band_payment',
  'zero_amount',
  'payment_succeeded_not_a_payment',
  'paid_without_payment',
  'payment_via_invoice_payment',
  'payment_not_paid',
  'charge_has_invoice',
  'charge_not_succeeded',
  'refund_not_succeeded',
  'refunds_not_listed',
  'handled_by_payout',
  'not_reconciled',
  'payout_not_paid',
  'refund_of_uncaptured_charge',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** Why a plan cannot be right as it stands (review queue; section 7 classes `settings` and `rejected`). */
export const PARK_REASONS = [
  'settings_incomplete',
  'currency_unsupported',
  'totals_mismatch',
  'balance_transactions_required',
  'charge_invoice_unknown',
  'invalid_object',
  'negative_total',
  'balance_type_unknown',
  'tax_code_ambiguous',
  'invoice_lines_incomplete',
  'credit_note_lines_incomplete',
  'exchange_rate_required',
  'customer_balance_transactions_required',
  'customer_credit_unbooked',
  'credit_note_lookup_required',
] as const;
export type ParkReason = (typeof PARK_REASONS)[number];

export interface Plan {
  operations: PlannedOperation[];
  skipped?: { reason: SkipReason };
  parked?: { reason: ParkReason; detail: string };
}

/**
 * Thrown where a park is decided deep inside line building (a line that cannot have one tax code); buildPlan turns
 * it into a parked plan, as it does InvalidStripeObject.
 */
export class ParkPlan extends Error {
  constructor(
    readonly reason: ParkReason,
    readonly detail: string,
  ) {
    super(`${reason}: ${detail}`);
    this.name = 'ParkPlan';
  }
}

export const skip = (reason: SkipReason): Plan => ({ operations: [], skipped: { reason } });
export const park = (reason: ParkReason, detail: string): Plan => ({ operations: [], parked: { reason, detail } });

export type AccountKey = keyof NonNullable<TenantSettings['accounts']>;
export type ItemKey = 'defaultItem' | 'taxItem';

/**
 * What every recipe needs besides its Stripe object. `account`/`item` record each missing setting instead of
 * failing on the first, so the parked plan names all of them at once (section 7 `settings`).
 */
export class PlanContext {
  readonly missingSettings = new Set<string>();

  constructor(
    readonly event: NormalizedEvent,
    readonly settings: TenantSettings,
    readonly balanceTransactions: readonly unknown[] | undefined,
    /** What the enrich stage read from Stripe; undefined when no enrich stage ran (see enrichment.ts). */
    readonly stripe: StripeEnrichment | undefined = undefined,
  ) {}

  get currencyRefNeeded(): boolean {
    return this.settings.qbo.multicurrency;
  }

  account(key: AccountKey): { value: string } {
    const value = this.settings.accounts[key];
    if (value === undefined) this.missingSettings.add(`accounts.${key}`);
    return { value: value ?? '0' };
  }

  /**
   * An optional account that defaults to another one (accounts.refunds → income, stripeReserve → stripeClearing …).
   * When neither is set, the default is reported missing, as section 6 names it (`accounts.income`).
   */
  accountOr(key: AccountKey, fallback: AccountKey): { value: string } {
    const value = this.settings.accounts[key] ?? this.settings.accounts[fallback];
    if (value === undefined) this.missingSettings.add(`accounts.${fallback}`);
    return { value: value ?? '0' };
  }

  /** Records a missing setting that is not an account or item (e.g. `tax.defaultTaxCode`). */
  requireSetting(value: string | undefined, key: string): { value: string } {
    if (value === undefined) this.missingSettings.add(key);
    return { value: value ?? '0' };
  }

  /** The date the event happened, in the tenant's zone: what a reversal is dated on. */
  eventDate(): string {
    return this.date(Math.floor(Date.parse(this.event.occurredAt) / 1000));
  }

  item(key: ItemKey): { value: string } {
    const value = this.settings.items[key];
    if (value === undefined) this.missingSettings.add(`items.${key}`);
    return { value: value ?? '0' };
  }

  /**
   * ItemRef for a Stripe product (section 6): its mapping; else `{"$ref":"item:<product>"}`, which the executor
   * resolves to the QBO item named like the product, or to `defaultItem` when there is none. The name lives in
   * Stripe and the item in QBO, so neither is knowable here. `defaultItem` stays required either way: it is the
   * fallback, and a plan that may need it must not post without it.
   */
  productItem(productId: string | undefined): QboRef | { value: string } {
    const mapped = productId === undefined ? undefined : this.settings.items.byStripeProduct?.[productId];
    if (mapped !== undefined) return { value: mapped };
    const fallback = this.item('defaultItem');
    return productId === undefined ? fallback : refTo('Item', productId);
  }

  date(unixSeconds: number): string {
    return localDate(unixSeconds, this.settings.timezone);
  }

  requestId(stripeId: string, operation: OperationKind): string {
    return uuidV5(`${this.settings.tenantId}\n${this.settings.qbo.realmId}\n${stripeId}\n${operation}`);
  }
}

/** `{"$ref":"invoice:in_…"}`: the QBO object that another Stripe object owns, resolved by the executor. */
export function refTo(entity: QboEntityName, stripeId: string): QboRef {
  return { $ref: `${entity.toLowerCase()}:${stripeId}` };
}

const QBO_DOC_NUMBER_MAX = 21;
const QBO_PAYMENT_REF_MAX = 21;

/**
 * QBO DocNumber holds 21 characters. Stripe numbers are `<customer prefix>-<sequence>`; when one is longer we
 * keep the last 21, because the sequence at the end is what tells two documents of one customer apart.
 */
export function qboDocNumber(stripeNumber: string): string {
  return stripeNumber.length <= QBO_DOC_NUMBER_MAX ? stripeNumber : stripeNumber.slice(-QBO_DOC_NUMBER_MAX);
}

/** PaymentRefNum (21 chars): Stripe ids are `<prefix>_<random>`, so the tail is the unique part. */
export function qboPaymentRef(stripeId: string): string {
  return stripeId.length <= QBO_PAYMENT_REF_MAX ? stripeId : stripeId.slice(-QBO_PAYMENT_REF_MAX);
}

export interface OperationSpec {
  entity: QboEntityName;
  operation?: OperationKind;
  stripeId: string;
  stripeObject: string;
  currency: string;
  body: Record<string, unknown>;
  /** Integer minor units QBO must total to. */
  expectedTotalMinor?: number;
  txnDate?: string;
  docNumber?: string;
  target?: QboRef;
  /** Human text after the recovery marker in PrivateNote. */
  note?: string;
  /** Foreign currency → home currency rate (multicurrency companies): Stripe's, from the balance transaction. */
  exchangeRate?: number;
}

/**
 * Assembles one write. The PrivateNote always starts with `stripe:<id>`, the marker the recovery probe of section 5
 * step 5 matches; TxnDate, DocNumber and CurrencyRef are written into the body here so every recipe sets them the
 * same way.
 */
export function buildOperation(context: PlanContext, spec: OperationSpec): PlannedOperation {
  const operation = spec.operation ?? 'create';
  const marker = `stripe:${spec.stripeId}`;
  const body: Record<string, unknown> = { ...spec.body };
  if (spec.txnDate !== undefined) body.TxnDate = spec.txnDate;
  if (spec.docNumber !== undefined) body.DocNumber = spec.docNumber;
  // Every write carries its currency in a multicurrency company: without CurrencyRef QBO takes the home currency,
  // which for a journal entry or transfer in another currency would book the wrong amounts.
  if (operation === 'create' && context.currencyRefNeeded) {
    body.CurrencyRef = { value: spec.currency };
    if (spec.exchangeRate !== undefined) body.ExchangeRate = spec.exchangeRate;
  }
  // QBO caps PrivateNote at 4000 characters; our notes are far shorter, the cap is only a guard.
  body.PrivateNote = (spec.note === undefined ? marker : `${marker} ${spec.note}`).slice(0, 4000);
  const planned: PlannedOperation = {
    entity: spec.entity,
    operation,
    stripeId: spec.stripeId,
    stripeObject: spec.stripeObject,
    requestId: context.requestId(spec.stripeId, operation),
    currency: spec.currency,
    body,
  };
  if (spec.expectedTotalMinor !== undefined)
    planned.expectedTotal = minorToDecimal(spec.expectedTotalMinor, spec.currency);
  if (spec.txnDate !== undefined) planned.txnDate = spec.txnDate;
  if (spec.docNumber !== undefined) planned.docNumber = spec.docNumber;
  if (spec.target !== undefined) planned.target = spec.target;
  return planned;
}

/** A fixed namespace for our request ids (a random v4, generated once; changing it would re-key every ledger entry). */
const REQUEST_ID_NAMESPACE = '6f1c2b9e-4a57-4d8e-9b3a-2c1e5f7d8a90';

/** RFC 9562 UUIDv5: SHA-1 of namespace bytes + name, with version and variant bits set. */
export function uuidV5(name: string, namespace: string = REQUEST_ID_NAMESPACE): string {
  const namespaceBytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(namespaceBytes).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Objects created before the tenant's go-live cutoff were onboarded by hand (DESIGN section 8). */
export function isBeforeGoLive(context: PlanContext, createdUnixSeconds: number | undefined): boolean {
  if (createdUnixSeconds === undefined) return false;
  return createdUnixSeconds * 1000 < Date.parse(context.settings.goLiveAt);
}

/** A foreign currency in a single-currency QBO company cannot be posted faithfully: park it (section 6). */
export function currencyProblem(context: PlanContext, currency: string): Plan | undefined {
  if (currency === context.settings.homeCurrency || context.settings.qbo.multicurrency) return undefined;
  return park(
    'currency_unsupported',
    `${currency} differs from home currency ${context.settings.homeCurrency} and the QBO company has no multicurrency`,
  );
}

/** Applies the settings check last, so a plan names every missing mapping at once. */
export function finishPlan(context: PlanContext, operations: PlannedOperation[]): Plan {
  if (context.missingSettings.size > 0)
    return park('settings_incomplete', [...context.missingSettings].sort().join(','));
  return { operations };
}
