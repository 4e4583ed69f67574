import type { FromSchema } from 'json-schema-to-ts';

/** One row per QBO object we created, voided or linked (Stripe id ↔ QBO id), published to `link-records`. */
export const linkRecordSchema = {
  $id: 'https://stripe-qbo-sync.dev/schemas/link-record.json',
  title: 'link-record',
  type: 'object',
  additionalProperties: false,
  required: [
    'schemaVersion',
    'tenantId',
    'realmId',
    'stripeId',
    'stripeObject',
    'qboEntity',
    'qboId',
    'operation',
    'linkedAt',
  ],
  properties: {
    schemaVersion: { const: 1 },
    tenantId: { type: 'string', minLength: 1, maxLength: 64 },
    realmId: { type: 'string', minLength: 1, maxLength: 32 },
    stripeId: { type: 'string', minLength: 1, maxLength: 255 },
    /** Stripe object kind: customer, invoice, charge, invoice_payment, refund, credit_note, payout. */
    stripeObject: { type: 'string', minLength: 1, maxLength: 32 },
    qboEntity: { type: 'string', minLength: 1, maxLength: 32 },
    qboId: { type: 'string', minLength: 1, maxLength: 32 },
    qboSyncToken: { type: 'string', maxLength: 16 },
    /** create, void, delete, link (an existing QBO object adopted, e.g. a customer matched by email). */
    operation: { enum: ['create', 'update', 'void', 'delete', 'link'] },
    docNumber: { type: 'string', maxLength: 21 },
    txnDate: { type: 'string', format: 'date' },
    amount: { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    eventId: { type: 'string', maxLength: 255 },
    linkedAt: { type: 'string', format: 'date-time' },
  },
} as const;

export type LinkRecord = FromSchema<typeof linkRecordSchema>;
