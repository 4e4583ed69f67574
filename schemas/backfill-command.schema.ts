import type { FromSchema } from 'json-schema-to-ts';

/** The Stripe object lists a backfill can walk (one `GET /v1/<list>` each), in the order recipes need them. */
export const BACKFILL_ENTITIES = [
  'customers',
  'invoices',
  'invoice_payments',
  'charges',
  'refunds',
  'credit_notes',
  'payouts',
] as const;

/**
 * What `ops-backfill` carries (DESIGN sections 3 and 8): fetch a tenant's Stripe objects created in
 * [createdFrom, createdTo) and publish them as normalized events with source `backfill`. The ordering key is the
 * backfill id. A backfill that runs out of time republishes itself with `cursor` set, so one message never has to
 * walk a whole account.
 */
export const backfillCommandSchema = {
  $id: 'https://stripe-qbo-sync.dev/schemas/backfill-command.json',
  title: 'backfill-command',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'backfillId', 'tenantId', 'entities', 'createdFrom', 'createdTo', 'dryRun'],
  properties: {
    schemaVersion: { const: 1 },
    backfillId: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,100}$' },
    tenantId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    entities: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: { enum: BACKFILL_ENTITIES },
    },
    createdFrom: { type: 'string', format: 'date-time' },
    createdTo: { type: 'string', format: 'date-time' },
    /** Record what would be published (audit `planned`) and publish nothing. */
    dryRun: { type: 'boolean' },
    /** Where a continuation resumes: the list being walked and Stripe's `starting_after` id within it. */
    cursor: {
      type: 'object',
      additionalProperties: false,
      required: ['entity', 'startingAfter'],
      properties: {
        entity: { enum: BACKFILL_ENTITIES },
        startingAfter: { type: 'string', minLength: 1, maxLength: 255 },
      },
    },
  },
} as const;

export type BackfillCommand = FromSchema<typeof backfillCommandSchema>;
export type BackfillEntity = (typeof BACKFILL_ENTITIES)[number];
