import { v1 } from '@google-cloud/pubsub';
import type { NormalizedEvent } from '../../../schemas/normalized-event.schema';
import { publishEntityEvent } from '../../messaging/entity-events';
import { deadLetterTopicName, ENTITIES, ENTITY_TOPIC, topicName } from '../../messaging/topics';
import { parseStoredTokens } from '../../qbo/auth/token-provider';
import { secretNames } from '../../secrets/secret-store';
import {
  DLQ,
  REVIEW,
  REVIEW_APPROVE,
  REVIEW_DISMISS,
  REVIEW_LIST,
  REVIEW_RETRY,
  TENANT,
  TENANT_ACTIVATE,
  TENANT_GET,
  TENANT_LIST,
  TENANT_PUT,
} from '../command-specs';
import type { CliIo } from '../io';
import { runOps, type OpsCommand } from '../ops-context';
import { parseCommand, selectSubcommand } from '../spec';

const print = (out: { stdout: (s: string) => void }, value: unknown, json: boolean, text: () => string) =>
  out.stdout(json ? JSON.stringify(value, null, 2) : text());

async function republish(context: Parameters<OpsCommand>[1], event: NormalizedEvent): Promise<string> {
  return publishEntityEvent(context.publisher, context.topicPrefix, event);
}

/** `review list [--tenant T] [--status S] [--reason R] [--json]`, `approve ID`, `dismiss ID`, `retry ID` (specs in command-specs.ts). */
export const reviewCommand: OpsCommand = async (argv, context, out) => {
  const selected = selectSubcommand(REVIEW, argv);
  if (selected.name === 'list') {
    const { values } = parseCommand(REVIEW_LIST, selected.argv);
    const items = await context.stores.reviewQueue.list({
      ...(values.tenant ? { tenantId: values.tenant } : {}),
      status: values.status,
      ...(values.reason ? { reason: values.reason } : {}),
    });
    print(
      out,
      items.map(({ event: _event, proposal, ...item }) => ({
        ...item,
        operations: (proposal as { operations?: unknown[] } | null)?.operations?.length ?? 0,
      })),
      values.json,
      () =>
        items.length === 0
          ? 'no parked items'
          : items.map((i) => `${i.reviewId}  ${i.status}  ${i.reason}  ${i.detail}`).join('\n'),
    );
    return 0;
  }
  const action = selected.name;
  const [reviewId] = parseCommand(
    { approve: REVIEW_APPROVE, dismiss: REVIEW_DISMISS, retry: REVIEW_RETRY }[action],
    selected.argv,
  ).positionals;
  const item = await context.stores.reviewQueue.get(reviewId);
  if (!item) {
    out.stderr(`no review item ${reviewId}`);
    return 1;
  }
  if (action === 'dismiss') {
    await context.stores.reviewQueue.setStatus(reviewId, 'dismissed', context.now().toISOString());
    out.stdout(`dismissed ${reviewId}`);
    return 0;
  }
  if (action === 'approve') {
    // Approval marks the item and sends its event through the pipeline again; the consumer sees the approval and
    // posts (the one-writer rule holds: only the consumer writes to QBO).
    if (!context.validators.normalizedEvent.is(item.event)) {
      out.stderr(`${reviewId} holds no replayable event (reason ${item.reason}); fix the source and replay instead`);
      return 1;
    }
    await context.stores.reviewQueue.setStatus(reviewId, 'approved', context.now().toISOString());
    const messageId = await republish(context, item.event);
    out.stdout(`approved ${reviewId}; republished as message ${messageId}`);
    return 0;
  }
  if (action === 'retry') {
    if (!context.validators.normalizedEvent.is(item.event)) {
      out.stderr(`${reviewId} holds no replayable event`);
      return 1;
    }
    await context.stores.reviewQueue.setStatus(reviewId, 'resolved', context.now().toISOString());
    out.stdout(`republished ${reviewId} as message ${await republish(context, item.event)}`);
    return 0;
  }
  const unhandled: never = action;
  throw new Error(`review ${String(unhandled)} has no implementation`);
};

function deadLetterArchives(prefix: string): Array<{ source: string; subscription: string }> {
  return ENTITIES.map((entity) => ({
    source: topicName(prefix, ENTITY_TOPIC[entity]),
    subscription: `${deadLetterTopicName(prefix, ENTITY_TOPIC[entity])}-archive`,
  }));
}

/** How long one pull may wait for messages: an empty dead-letter subscription answers only when this runs out. */
const DLQ_PULL_TIMEOUT_MS = 3_000;

type PulledMessage = {
  message?: { messageId?: string | null; attributes?: unknown; orderingKey?: string | null; data?: unknown } | null;
  ackId?: string | null;
};

/**
 * Pulls up to `max` messages, page by page, until a pull comes back empty or times out. Nothing is nacked until the
 * caller is done, so a message seen once is not handed out again by a later pull of the same run.
 */
async function pullUntilEmpty(
  client: v1.SubscriberClient,
  subscription: string,
  max: number,
): Promise<PulledMessage[]> {
  const all: PulledMessage[] = [];
  while (all.length < max) {
    let page: PulledMessage[];
    try {
      const [response] = await client.pull(
        { subscription, maxMessages: max - all.length },
        { timeout: DLQ_PULL_TIMEOUT_MS, retry: null },
      );
      page = (response.receivedMessages ?? []) as PulledMessage[];
    } catch (error) {
      // DEADLINE_EXCEEDED: nothing (more) to pull.
      if ((error as { code?: unknown }).code === 4) break;
      throw error;
    }
    if (page.length === 0) break;
    all.push(...page);
  }
  return all;
}

/** `dlq list [--json]` shows dead-lettered messages without consuming them; `dlq redrive [--tenant T]` republishes them. */
export const dlqCommand: OpsCommand = async (argv, context, out) => {
  const selected = selectSubcommand(DLQ, argv);
  const action = selected.name;
  const { values } = parseCommand(selected.spec, selected.argv);
  const found: Array<{
    subscription: string;
    messageId: string;
    tenantId: string;
    eventType: string;
    objectId: string;
    redriven: boolean;
  }> = [];
  const max = values.max;
  // Every archive at once, each pulled until it answers empty: an empty pull waits out its whole deadline, so six
  // subscriptions in a row made `dlq list` take minutes.
  const perArchive = await Promise.all(
    deadLetterArchives(context.topicPrefix).map(async (archive) => {
      const subscriber = context.pubsub.subscription(archive.subscription);
      const [exists] = await subscriber.exists();
      if (!exists) return [];
      // The low-level client pulls without a streaming listener; PubSub's options carry the emulator's endpoint.
      const client = new v1.SubscriberClient(
        context.pubsub.options as ConstructorParameters<typeof v1.SubscriberClient>[0],
      );
      const entries: typeof found = [];
      try {
        const received = await pullUntilEmpty(client, subscriber.name, max);
        const ack: string[] = [];
        const nack: string[] = [];
        for (const { message, ackId } of received) {
          const attributes = (message?.attributes ?? {}) as Record<string, string>;
          const entry = {
            subscription: archive.subscription,
            messageId: message?.messageId ?? '',
            tenantId: attributes.tenantId ?? '',
            eventType: attributes.eventType ?? '',
            objectId: message?.orderingKey ?? '',
            redriven: false,
          };
          const matches = !values.tenant || entry.tenantId === values.tenant;
          if (matches) entries.push(entry);
          if (action === 'redrive' && matches && message?.data) {
            await context.publisher.publish(archive.source, Buffer.from(message.data as Uint8Array), {
              attributes,
              ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
            });
            entry.redriven = true;
            ack.push(ackId ?? '');
          } else nack.push(ackId ?? '');
        }
        if (ack.length) await client.acknowledge({ subscription: subscriber.name, ackIds: ack });
        // Listing consumes nothing: what was only looked at goes back at once.
        if (nack.length)
          await client.modifyAckDeadline({ subscription: subscriber.name, ackIds: nack, ackDeadlineSeconds: 0 });
      } finally {
        await client.close();
      }
      return entries;
    }),
  );
  found.push(...perArchive.flat());
  print(out, found, values.json, () =>
    found.length === 0
      ? 'no dead letters'
      : found
          .map((f) => `${f.redriven ? 'redriven ' : ''}${f.messageId}  ${f.tenantId}  ${f.eventType}  ${f.objectId}`)
          .join('\n'),
  );
  return 0;
};

/**
 * `tenant put FILE`, `tenant get ID`, `tenant list`, `tenant check ID`, `tenant activate ID`.
 * `activate` is the second half of a reconnect: after `connect-qbo` stored a new token pair it clears `needs_reauth`
 * (a settings `put` never does), so consumers post again and the next replay republishes what was parked for auth.
 */
export const tenantCommand: OpsCommand = async (argv, context, out) => {
  const selected = selectSubcommand(TENANT, argv);
  const action = selected.name;
  if (action === 'list') {
    const { values } = parseCommand(TENANT_LIST, selected.argv);
    const tenants = await context.stores.tenants.list();
    print(
      out,
      tenants,
      values.json,
      () =>
        tenants
          .map(
            (t) =>
              `${t.tenantId}  ${t.enabled ? 'enabled' : 'disabled'}  ${t.status ?? 'active'}  realm ${t.qbo.realmId}  ${t.mode}`,
          )
          .join('\n') || 'no tenants',
    );
    return 0;
  }
  if (action === 'get') {
    const [argument] = parseCommand(TENANT_GET, selected.argv).positionals;
    const tenant = await context.stores.tenants.get(argument);
    if (!tenant) {
      out.stderr(`no tenant ${argument}`);
      return 1;
    }
    out.stdout(JSON.stringify(tenant, null, 2));
    return 0;
  }
  if (action === 'put') {
    const [argument] = parseCommand(TENANT_PUT, selected.argv).positionals;
    const { readFile } = await import('node:fs/promises');
    const settings = context.validators.tenantSettings.parse(JSON.parse(await readFile(argument, 'utf8')));
    await context.stores.tenants.put(settings);
    out.stdout(`stored tenant ${settings.tenantId}`);
    return 0;
  }
  if (action === 'activate') {
    const [argument] = parseCommand(TENANT_ACTIVATE, selected.argv).positionals;
    const tenant = await context.stores.tenants.get(argument);
    if (!tenant) {
      out.stderr(`no tenant ${argument}`);
      return 1;
    }
    // Tokens for another company would post this tenant's books into the wrong QBO file.
    const tokens = parseStoredTokens(await context.secrets.read(secretNames.qboTokens(argument)));
    if (!tokens || tokens.realmId !== tenant.qbo.realmId) {
      out.stderr(
        tokens
          ? `tenant ${argument} is connected to realm ${tokens.realmId}, its settings name ${tenant.qbo.realmId}`
          : `tenant ${argument} has no QBO tokens: run connect-qbo --tenant ${argument} first`,
      );
      return 1;
    }
    await context.stores.tenants.setStatus(argument, 'active', 'reconnected');
    out.stdout(`tenant ${argument} active (realm ${tenant.qbo.realmId}); replay --tenant ${argument} catches up`);
    return 0;
  }
  if (action === 'check') {
    const { tenantCheckCommand } = await import('./tenant-check');
    return tenantCheckCommand(selected.argv, context, out);
  }
  const unhandled: never = action;
  throw new Error(`tenant ${String(unhandled)} has no implementation`);
};

const backfillCommand: OpsCommand = async (argv, context, out) =>
  (await import('./backfill')).backfillCommand(argv, context, out);
const replayCommand: OpsCommand = async (argv, context, out) =>
  (await import('./replay')).replayCommand(argv, context, out);

/** Every operator command, by name: what a running local stack's ops endpoint serves (see runOps). */
export const OPS_COMMANDS: Record<string, OpsCommand> = {
  review: reviewCommand,
  dlq: dlqCommand,
  tenant: tenantCommand,
  backfill: backfillCommand,
  replay: replayCommand,
};

export const runReview = (argv: string[], io: CliIo) => runOps('review', reviewCommand, argv, io);
export const runDlq = (argv: string[], io: CliIo) => runOps('dlq', dlqCommand, argv, io);
export const runTenant = (argv: string[], io: CliIo) => runOps('tenant', tenantCommand, argv, io);
export const runBackfill = (argv: string[], io: CliIo) => runOps('backfill', backfillCommand, argv, io);
export const runReplay = (argv: string[], io: CliIo) => runOps('replay', replayCommand, argv, io);
