import type { FromSchema } from 'json-schema-to-ts';

const qboId = { type: 'string', pattern: '^[0-9]{1,20}$' } as const;
/** A QBO TaxCode id: numeric in VAT/GST companies, `TAX`/`NON` in US ones. */
const qboTaxCodeId = { type: 'string', pattern: '^([0-9]{1,20}|TAX|NON)$' } as const;

/** A tenant: one Stripe account synced into one QBO company (DESIGN section 6). */
export const tenantSettingsSchema = {
  $id: 'https://stripe-qbo-sync.dev/schemas/tenant-settings.json',
  title: 'tenant-settings',
  type: 'object',
  additionalProperties: false,
  required: [
    'tenantId',
    'enabled',
    'stripe',
    'qbo',
    'homeCurrency',
    'timezone',
    'goLiveAt',
    'mode',
    'flags',
    'accounts',
    'items',
  ],
  properties: {
    tenantId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    enabled: { type: 'boolean' },
    status: { enum: ['active', 'needs_reauth'] },
    stripe: {
      type: 'object',
      additionalProperties: false,
      required: ['accountId', 'livemode'],
      properties: {
        accountId: { anyOf: [{ type: 'null' }, { type: 'string', pattern: '^acct_' }] },
        livemode: { type: 'boolean' },
      },
    },
    qbo: {
      type: 'object',
      additionalProperties: false,
      required: ['realmId', 'environment', 'multicurrency'],
      properties: {
        realmId: { type: 'string', pattern: '^[0-9]{1,32}$' },
        environment: { enum: ['sandbox', 'production'] },
        multicurrency: { type: 'boolean' },
      },
    },
    homeCurrency: { type: 'string', pattern: '^[A-Z]{3}$' },
    timezone: { type: 'string', minLength: 1 },
    goLiveAt: { type: 'string', format: 'date-time' },
    mode: { enum: ['invoices', 'payout_summary'] },
    flags: {
      type: 'object',
      additionalProperties: false,
      required: ['dryRun', 'autoPost'],
      properties: { dryRun: { type: 'boolean' }, autoPost: { type: 'boolean' } },
    },
    accounts: {
      type: 'object',
      additionalProperties: false,
      properties: {
        stripeClearing: qboId,
        bank: qboId,
        stripeFees: qboId,
        disputes: qboId,
        adjustments: qboId,
        discountAccount: qboId,
        income: qboId,
        refunds: qboId,
        /** Funds Stripe holds in reserve (an asset); defaults to stripeClearing, where they stay otherwise. */
        stripeReserve: qboId,
        /** Delayed-notification payments (ACH, SEPA) that failed after they succeeded; defaults to disputes. */
        failedPayments: qboId,
        /** Connect platform earnings (application fees); defaults to income. */
        platformIncome: qboId,
        /** Connect transfers to and from connected accounts. */
        connectTransfers: qboId,
        /** Stripe Climate contributions. */
        contributions: qboId,
        /** Stripe Capital advances and repayments, and other obligations Stripe collects. */
        financing: qboId,
        /** Stripe Issuing card spending. */
        issuing: qboId,
        /** Realized exchange gains and losses between QBO's home amount of a payment and Stripe's settlement. */
        fxGainLoss: qboId,
        /** Where money refunded outside Stripe (a credit note's out-of-band amount) came from. */
        outOfBandRefunds: qboId,
      },
    },
    /**
     * How sales tax reaches QBO (DESIGN section 6). `us` (the default): lines carry TaxCodeRef NON and Stripe's tax
     * is a line on items.taxItem, so QBO never computes tax of its own. `vat`: lines carry the TaxCode mapped from
     * their Stripe tax rate (taxed lines without a mapping take defaultTaxCode, untaxed ones exemptTaxCode) and
     * Stripe's tax amounts go in TxnTaxDetail, per rate.
     */
    tax: {
      type: 'object',
      additionalProperties: false,
      properties: {
        regime: { enum: ['us', 'vat'] },
        taxCodeByRate: {
          type: 'object',
          propertyNames: { pattern: '^txr_' },
          additionalProperties: qboTaxCodeId,
        },
        defaultTaxCode: qboTaxCodeId,
        exemptTaxCode: qboTaxCodeId,
      },
    },
    items: {
      type: 'object',
      additionalProperties: false,
      properties: {
        defaultItem: qboId,
        taxItem: qboId,
        byStripeProduct: { type: 'object', additionalProperties: qboId },
      },
    },
    /**
     * How long an event may wait for an object another consumer owns (a payment for its invoice) before replay
     * parks it for review as `dependency_missing` (DESIGN section 7). Default 7.
     */
    dependencyWaitDays: { type: 'integer', minimum: 1, maximum: 90 },
  },
} as const;

export type TenantSettings = FromSchema<typeof tenantSettingsSchema>;
