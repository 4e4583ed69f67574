/** The entity types that own a QBO write, each with its topic and its consumer (DESIGN sections 2 and 3). */
export const ENTITIES = ['customer', 'invoice', 'payment', 'refund', 'credit_note', 'payout'] as const;
export type Entity = (typeof ENTITIES)[number];

export const ENTITY_TOPIC: Record<Entity, string> = {
  customer: 'stripe-customers',
  invoice: 'stripe-invoices',
  payment: 'stripe-payments',
  refund: 'stripe-refunds',
  credit_note: 'stripe-credit-notes',
  payout: 'stripe-payouts',
};

export const ENTITY_CONSUMER: Record<Entity, string> = {
  customer: 'sync-customer',
  invoice: 'sync-invoice',
  payment: 'sync-payment',
  refund: 'sync-refund',
  credit_note: 'sync-credit-note',
  payout: 'sync-payout',
};

export const CONTROL_TOPICS = {
  schedulerTicks: 'scheduler-ticks',
  opsBackfill: 'ops-backfill',
  auditRecords: 'audit-records',
  linkRecords: 'link-records',
} as const;

export function isEntity(value: unknown): value is Entity {
  return typeof value === 'string' && (ENTITIES as readonly string[]).includes(value);
}

/** Topic names take an optional prefix so several deployments can share a project. */
export function topicName(prefix: string, base: string): string {
  return `${prefix}${base}`;
}

export function deadLetterTopicName(prefix: string, base: string): string {
  return `${prefix}${base}-dead-letter`;
}
