import { BACKFILL_ENTITIES } from '../../schemas/backfill-command.schema';
import { defineCommand, defineGroup } from './spec';

/**
 * The product commands' specs. This module imports nothing that opens a store, reads config or loads a Google
 * client, so `--help` and usage errors are answered before any of that happens (a broken environment included).
 */

const json = { type: 'boolean', description: 'print JSON instead of text' } as const;
const tenantFilter = { type: 'string', value: 'ID', description: "only this tenant's" } as const;

export const PREVIEW = defineCommand({
  name: 'preview',
  summary: 'print the QBO plan for one Stripe event, as JSON, without side effects',
  details: ['Exit 0 with the plan (a skipped or parked plan is an answer too), 1 for unusable input.'],
  options: {
    tenant: {
      type: 'string',
      value: 'TENANT.json',
      required: true,
      description: 'tenant settings file (schemas/tenant-settings.schema.json)',
    },
    'balance-transactions': {
      type: 'string',
      value: 'LIST.json',
      description: "a payout's balance transactions: a Stripe list response or an array",
    },
  },
  positionals: [{ name: 'EVENT.json', description: 'the Stripe event file', required: true }],
  examples: [
    'stripe-qbo preview --tenant tenant.json evt_invoice_paid.json',
    'stripe-qbo preview --tenant tenant.json --balance-transactions txns.json evt_payout_paid.json',
  ],
});

export const CONNECT_QBO = defineCommand({
  name: 'connect-qbo',
  summary: 'connect a tenant to its QBO company (Intuit OAuth), or disconnect it',
  details: [
    'The OAuth app comes from the qbo-oauth-client secret. Its redirect URI decides where the callback is',
    'served: https (production apps) is the deployed qbo-connect service, which this command waits on;',
    'http://localhost (sandbox, default http://localhost:8765/callback) is served by this command.',
    'The tokens go to the qbo-tokens-<tenant> secret.',
  ],
  options: {
    tenant: { type: 'string', value: 'ID', required: true, description: 'the tenant to connect' },
    disconnect: { type: 'boolean', description: 'revoke the grant at Intuit and forget the tokens' },
    'oauth-base': {
      type: 'string',
      value: 'URL',
      description: 'run the OAuth flow against this base (the QBO simulator)',
    },
  },
  examples: ['stripe-qbo connect-qbo --tenant acme', 'stripe-qbo connect-qbo --tenant acme --disconnect'],
});

const reviewId = { name: 'ID', description: 'the review item id (see review list)', required: true } as const;

export const REVIEW_LIST = defineCommand({
  name: 'list',
  summary: 'list parked items',
  options: {
    tenant: { ...tenantFilter, description: "only this tenant's items" },
    status: {
      type: 'string',
      value: 'STATUS',
      choices: ['open', 'approved', 'dismissed', 'resolved'],
      default: 'open',
      description: 'only items in this state',
    },
    reason: {
      type: 'string',
      value: 'REASON',
      description: 'only items parked for this reason (e.g. mapping_missing)',
    },
    json,
  },
  examples: ['stripe-qbo review list', 'stripe-qbo review list --tenant acme --status dismissed --json'],
});

export const REVIEW_APPROVE = defineCommand({
  name: 'approve',
  summary: 'approve a parked item and send its event through the pipeline again (approval queues, dry runs)',
  positionals: [reviewId],
  examples: ['stripe-qbo review approve acme:in_1PqR2s:invoice.finalized'],
});

export const REVIEW_DISMISS = defineCommand({
  name: 'dismiss',
  summary: 'close a parked item without posting anything',
  positionals: [reviewId],
  examples: ['stripe-qbo review dismiss acme:in_1PqR2s:invoice.finalized'],
});

export const REVIEW_RETRY = defineCommand({
  name: 'retry',
  summary: "send a parked item's event through the pipeline again once its cause is fixed (a mapping, a token)",
  positionals: [reviewId],
  examples: ['stripe-qbo review retry acme:in_1PqR2s:invoice.finalized'],
});

export const REVIEW = defineGroup({
  name: 'review',
  summary: 'parked items: missing mappings, QBO rejections, dry-run and approval queues',
  subcommands: [REVIEW_LIST, REVIEW_APPROVE, REVIEW_DISMISS, REVIEW_RETRY],
  defaultSubcommand: 'list',
  examples: ['stripe-qbo review list --tenant acme', 'stripe-qbo review retry acme:in_1PqR2s:invoice.finalized'],
});

const dlqOptions = {
  tenant: { ...tenantFilter, description: "only this tenant's messages" },
  max: { type: 'integer', value: 'N', default: 1000, min: 1, description: 'pull at most N messages per topic' },
  json,
} as const;

export const DLQ_LIST = defineCommand({
  name: 'list',
  summary: 'show dead-lettered messages without consuming them',
  options: dlqOptions,
  examples: ['stripe-qbo dlq list', 'stripe-qbo dlq list --tenant acme --json'],
});

export const DLQ_REDRIVE = defineCommand({
  name: 'redrive',
  summary: 'publish dead-lettered messages to their topics again and acknowledge them',
  options: dlqOptions,
  examples: ['stripe-qbo dlq redrive --tenant acme'],
});

export const DLQ = defineGroup({
  name: 'dlq',
  summary: 'dead-lettered messages (each entity topic after 10 failed deliveries)',
  subcommands: [DLQ_LIST, DLQ_REDRIVE],
  defaultSubcommand: 'list',
  examples: ['stripe-qbo dlq list', 'stripe-qbo dlq redrive --tenant acme'],
});

const tenantId = { name: 'ID', description: 'the tenant id', required: true } as const;

export const TENANT_PUT = defineCommand({
  name: 'put',
  summary: "store a tenant's settings (created or replaced)",
  positionals: [
    { name: 'FILE', description: 'the settings file (schemas/tenant-settings.schema.json)', required: true },
  ],
  examples: ['stripe-qbo tenant put tenant-acme.json'],
});

export const TENANT_GET = defineCommand({
  name: 'get',
  summary: "print a tenant's settings as JSON",
  positionals: [tenantId],
  examples: ['stripe-qbo tenant get acme'],
});

export const TENANT_LIST = defineCommand({
  name: 'list',
  summary: 'list tenants with their status, realm and mode',
  options: { json },
  examples: ['stripe-qbo tenant list', 'stripe-qbo tenant list --json'],
});

export const TENANT_CHECK = defineCommand({
  name: 'check',
  summary: 'check that every account and item the settings map exists in QBO, active, with a usable type',
  details: ['Exit 0 when every mapping is usable, 1 with the problems named.'],
  positionals: [tenantId],
  options: { json },
  examples: ['stripe-qbo tenant check acme', 'stripe-qbo tenant check acme --json'],
});

export const TENANT_ACTIVATE = defineCommand({
  name: 'activate',
  summary: 'clear needs_reauth after connect-qbo stored new tokens for the same realm',
  positionals: [tenantId],
  examples: ['stripe-qbo tenant activate acme'],
});

export const TENANT = defineGroup({
  name: 'tenant',
  summary: 'tenant settings and status',
  subcommands: [TENANT_PUT, TENANT_GET, TENANT_LIST, TENANT_CHECK, TENANT_ACTIVATE],
  examples: ['stripe-qbo tenant put tenant-acme.json', 'stripe-qbo tenant check acme'],
});

export const BACKFILL_START = defineCommand({
  name: 'start',
  summary: "walk a tenant's Stripe history for a date range through the pipeline; prints the backfill id",
  details: ['Both dates are whole UTC days, --to included.'],
  options: {
    tenant: { type: 'string', value: 'ID', required: true, description: 'the tenant' },
    from: { type: 'string', value: 'YYYY-MM-DD', required: true, description: 'first day' },
    to: { type: 'string', value: 'YYYY-MM-DD', required: true, description: 'last day, included' },
    entities: {
      type: 'string',
      value: 'LIST',
      description: `comma-separated subset of ${BACKFILL_ENTITIES.join(',')} (default all)`,
    },
    'dry-run': { type: 'boolean', description: 'plan and park for review instead of posting' },
    id: { type: 'string', value: 'ID', description: 'the backfill id (default generated)' },
    json,
  },
  examples: [
    'stripe-qbo backfill start --tenant acme --from 2025-01-01 --to 2025-03-31',
    'stripe-qbo backfill start --tenant acme --from 2025-01-01 --to 2025-01-31 --entities customers,invoices --dry-run',
  ],
});

export const BACKFILL_STATUS = defineCommand({
  name: 'status',
  summary: "print a backfill's checkpoint: range, entity being walked, counts",
  positionals: [{ name: 'ID', description: 'the backfill id (printed by backfill start)', required: true }],
  options: { json },
  examples: ['stripe-qbo backfill status acme-20250101-20250331-1a2b3c4d'],
});

export const BACKFILL = defineGroup({
  name: 'backfill',
  summary: 'sync Stripe history for a date range',
  subcommands: [BACKFILL_START, BACKFILL_STATUS],
  examples: [
    'stripe-qbo backfill start --tenant acme --from 2025-01-01 --to 2025-03-31',
    'stripe-qbo backfill status acme-20250101-20250331-1a2b3c4d',
  ],
});

export const REPLAY = defineCommand({
  name: 'replay',
  summary: 'republish what webhooks missed (what Cloud Scheduler asks for daily)',
  options: {
    tenant: { type: 'string', value: 'ID', description: 'only this tenant (default every enabled tenant)' },
    since: {
      type: 'string',
      value: 'DATE-TIME',
      description:
        "list Stripe events from this ISO 8601 date-time instead of the tenant's cursor (30 days back at most)",
    },
    json,
  },
  examples: ['stripe-qbo replay', 'stripe-qbo replay --tenant acme --since 2025-06-01T00:00:00Z'],
});
