import type { FromSchema } from 'json-schema-to-ts';

/** What every entity topic carries (DESIGN section 3). `object` is the Stripe object snapshot, raw. */
export const normalizedEventSchema = {
  $id: 'https://stripe-qbo-sync.dev/schemas/normalized-event.json',
  title: 'normalized-event',
  type: 'object',
  additionalProperties: false,
  required: [
    'schemaVersion',
    'eventId',
    'source',
    'tenantId',
    'livemode',
    'type',
    'entity',
    'objectId',
    'occurredAt',
    'receivedAt',
    'object',
  ],
  properties: {
    schemaVersion: { const: 1 },
    eventId: { type: 'string', minLength: 1, maxLength: 255 },
    source: { enum: ['webhook', 'replay', 'backfill', 'dependency'] },
    tenantId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    livemode: { type: 'boolean' },
    stripeAccount: { type: 'string', pattern: '^acct_' },
    type: { type: 'string', minLength: 1, maxLength: 100 },
    entity: { enum: ['customer', 'invoice', 'payment', 'refund', 'credit_note', 'payout'] },
    /** The Stripe object id that owns the QBO write; also the ordering key. */
    objectId: { type: 'string', minLength: 1, maxLength: 255 },
    occurredAt: { type: 'string', format: 'date-time' },
    receivedAt: { type: 'string', format: 'date-time' },
    /**
     * The amount the event moves or states, in integer minor units of `currency` (invoice total, amount paid,
     * charge, refund, credit note total, payout amount), so the BigQuery events archive can keep it without the
     * Stripe object. Absent for events with no amount (customers).
     */
    amount: { type: 'integer' },
    /** ISO 4217, upper case (Stripe sends lower case). */
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    object: {
      type: 'object',
      required: ['id', 'object'],
      properties: { id: { type: 'string' }, object: { type: 'string' } },
    },
  },
} as const;

export type NormalizedEvent = FromSchema<typeof normalizedEventSchema>;
