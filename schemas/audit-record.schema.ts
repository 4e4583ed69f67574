import type { FromSchema } from 'json-schema-to-ts';

/**
 * One row per decision (DESIGN sections 4 and 7), published to `audit-records` and loaded into BigQuery.
 * External ids only: no names, emails, addresses or tokens ever go in here.
 */
export const auditRecordSchema = {
  $id: 'https://stripe-qbo-sync.dev/schemas/audit-record.json',
  title: 'audit-record',
  type: 'object',
  additionalProperties: false,
  required: ['schemaVersion', 'recordId', 'recordedAt', 'tenantId', 'function', 'outcome', 'reason'],
  properties: {
    schemaVersion: { const: 1 },
    /** Deterministic where the decision is (so a redelivery does not double-count in views), else random. */
    recordId: { type: 'string', minLength: 1, maxLength: 200 },
    recordedAt: { type: 'string', format: 'date-time' },
    tenantId: { type: 'string', minLength: 1, maxLength: 64 },
    function: { type: 'string', minLength: 1, maxLength: 64 },
    outcome: {
      enum: ['received', 'posted', 'skipped', 'parked', 'waiting', 'failed', 'dead_lettered', 'planned', 'progress'],
    },
    /** e.g. `created`, `already_linked`, `unhandled_type`, `unknown_tenant`, `settings_incomplete`, `qbo_6240`. */
    reason: { type: 'string', minLength: 1, maxLength: 100 },
    failureClass: { enum: ['retryable', 'auth', 'settings', 'rejected', 'ignored'] },
    eventId: { type: 'string', maxLength: 255 },
    eventType: { type: 'string', maxLength: 100 },
    source: { enum: ['webhook', 'replay', 'backfill', 'dependency', 'cli'] },
    entity: { type: 'string', maxLength: 32 },
    stripeId: { type: 'string', maxLength: 255 },
    qboEntity: { type: 'string', maxLength: 32 },
    qboId: { type: 'string', maxLength: 32 },
    realmId: { type: 'string', maxLength: 32 },
    /** Decimal string in the object's currency, at the QBO boundary. */
    amount: { type: 'string', pattern: '^-?[0-9]+(\\.[0-9]+)?$' },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    attempt: { type: 'integer', minimum: 0 },
    latencyMs: { type: 'number', minimum: 0 },
    /** Short, id-only explanation (e.g. the missing mapping keys, QBO's fault code and element). */
    detail: { type: 'string', maxLength: 2000 },
  },
} as const;

export type AuditRecord = FromSchema<typeof auditRecordSchema>;
