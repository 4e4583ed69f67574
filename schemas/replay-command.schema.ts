import type { FromSchema } from 'json-schema-to-ts';

/**
 * What `scheduler-ticks` carries (DESIGN sections 3 and 8): catch up on Stripe events the webhook missed or
 * archived (unknown tenant, an outage), by listing `GET /v1/events` since a point. No `tenantId` means every
 * enabled tenant; no `since` means each tenant's stored replay cursor.
 */
export const replayCommandSchema = {
  $id: 'https://stripe-qbo-sync.dev/schemas/replay-command.json',
  title: 'replay-command',
  type: 'object',
  additionalProperties: false,
  // Cloud Scheduler sends a fixed body, so a scheduled tick cannot carry its own time: `requestedAt` is optional and
  // replay falls back to the push message's publishTime.
  required: ['schemaVersion', 'requestedBy'],
  properties: {
    schemaVersion: { const: 1 },
    tenantId: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}$' },
    since: { type: 'string', format: 'date-time' },
    requestedAt: { type: 'string', format: 'date-time' },
    /** `scheduler`, `cli:<operator id>`, …: an id, never a name or an email. */
    requestedBy: { type: 'string', minLength: 1, maxLength: 100 },
  },
} as const;

export type ReplayCommand = FromSchema<typeof replayCommandSchema>;
