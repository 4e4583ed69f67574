import type { BackfillCommand, BackfillEntity } from '../../schemas/backfill-command.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { AuditRecord } from '../../schemas/audit-record.schema';
import { PermanentError } from '../errors';
import { normalizeStripeEvent } from '../ingest/normalize';
import type { MessagePublisher } from '../messaging/publisher';
import { publishEntityEvent } from '../messaging/entity-events';
import { CONTROL_TOPICS, topicName } from '../messaging/topics';
import type { Logger } from '../observability/logger';
import type { AuditSink, SyncStateStore, TenantStore } from '../stores/ports';
import type { StripeApiClient } from '../stripe/ports';
import type { DryRunPlanner } from './dry-run-plans';
import { syntheticEventsFor } from './synthetic-events';

/**
 * The backfill core (DESIGN section 8): walk a tenant's Stripe objects by `created` range, one list page at a time,
 * publish each object as normalized events with source `backfill`, and checkpoint after every page. The checkpoint
 * in SyncStateStore (`backfill:<backfillId>`) is the truth about where a backfill stands: a redelivered, continued
 * or repeated command resumes from it, and a finished one publishes nothing. Delivery is at least once: a page
 * published but not yet checkpointed (the instance died in between) is published again, and the consumers' ledger
 * makes the second copy a no-op.
 */

export const DEFAULT_TIME_BUDGET_MS = 480_000;

export interface EntityCounts {
  pages: number;
  objects: number;
  events: number;
  /** Objects whose state stands for no event we sync (drafts, failed refunds, charges owned by invoices). */
  skipped: number;
}

export interface BackfillCheckpoint {
  schemaVersion: 1;
  backfillId: string;
  tenantId: string;
  entities: BackfillEntity[];
  createdFrom: string;
  createdTo: string;
  dryRun: boolean;
  status: 'running' | 'done';
  /** Index into `entities` of the list being walked; equals entities.length when done. */
  entityIndex: number;
  /** Stripe's `starting_after` within that list; null at the start of a list. */
  startingAfter: string | null;
  /** Per entity: events published, or, in a dry run, events that would have been. */
  counts: Partial<Record<BackfillEntity, EntityCounts>>;
  continuations: number;
  startedAt: string;
  updatedAt: string;
  completedAt?: string;
}

export const backfillCheckpointKey = (backfillId: string) => `backfill:${backfillId}`;

export interface BackfillDeps {
  functionName: string;
  tenants: TenantStore;
  syncState: SyncStateStore;
  publisher: MessagePublisher;
  audit: AuditSink;
  stripeFor(tenant: TenantSettings): Promise<StripeApiClient>;
  logger: Logger;
  topicPrefix: string;
  now: () => Date;
  /** Milliseconds, monotonic enough to measure the time budget; default Date.now. */
  clock?: () => number;
  /** Stop and continue in a new message after this long (the function times out at 540 s). */
  timeBudgetMs?: number;
  /**
   * A dry run's planner (dry-run-plans.ts): each event planned and parked for review as `dry_run`, the payload a
   * person checks before a real backfill. Without one a dry run only counts what it would publish.
   */
  planDryRun?: DryRunPlanner;
  pageSize?: number;
}

export type BackfillOutcome =
  | { status: 'done'; checkpoint: BackfillCheckpoint }
  | { status: 'continued'; checkpoint: BackfillCheckpoint }
  | { status: 'already_done'; checkpoint: BackfillCheckpoint }
  /** Another delivery of the same backfill moved the checkpoint first; it carries on, this one stops. */
  | { status: 'superseded'; checkpoint: BackfillCheckpoint };

const emptyCounts = (): EntityCounts => ({ pages: 0, objects: 0, events: 0, skipped: 0 });

function newCheckpoint(command: BackfillCommand, startedAt: string): BackfillCheckpoint {
  const entityIndex = command.cursor ? Math.max(0, command.entities.indexOf(command.cursor.entity)) : 0;
  return {
    schemaVersion: 1,
    backfillId: command.backfillId,
    tenantId: command.tenantId,
    entities: [...command.entities],
    createdFrom: command.createdFrom,
    createdTo: command.createdTo,
    dryRun: command.dryRun,
    status: 'running',
    entityIndex,
    startingAfter: command.cursor?.startingAfter ?? null,
    counts: {},
    continuations: 0,
    startedAt,
    updatedAt: startedAt,
  };
}

/** The command that carries on from a checkpoint (published to ops-backfill before the time limit). */
export function continuationOf(checkpoint: BackfillCheckpoint): BackfillCommand {
  const entity = checkpoint.entities[checkpoint.entityIndex];
  return {
    schemaVersion: 1,
    backfillId: checkpoint.backfillId,
    tenantId: checkpoint.tenantId,
    entities: checkpoint.entities,
    createdFrom: checkpoint.createdFrom,
    createdTo: checkpoint.createdTo,
    dryRun: checkpoint.dryRun,
    ...(entity && checkpoint.startingAfter ? { cursor: { entity, startingAfter: checkpoint.startingAfter } } : {}),
  };
}

export async function runBackfill(deps: BackfillDeps, command: BackfillCommand): Promise<BackfillOutcome> {
  const clock = deps.clock ?? Date.now;
  const startedAt = clock();
  const budget = deps.timeBudgetMs ?? DEFAULT_TIME_BUDGET_MS;
  const key = backfillCheckpointKey(command.backfillId);
  const log = deps.logger.child({ backfillId: command.backfillId, tenantId: command.tenantId });

  let stored = await deps.syncState.get<BackfillCheckpoint>(key);
  if (!stored) {
    const fresh = newCheckpoint(command, deps.now().toISOString());
    if (await deps.syncState.put(key, fresh, 0)) stored = { value: fresh, version: 1 };
    else stored = await deps.syncState.get<BackfillCheckpoint>(key);
    if (!stored) throw new PermanentError(`backfill checkpoint ${key} vanished`, { code: 'checkpoint_missing' });
  }
  let checkpoint = stored.value;
  let version = stored.version;
  if (checkpoint.status === 'done') {
    log.info({ counts: checkpoint.counts }, 'backfill already done; nothing to publish');
    return { status: 'already_done', checkpoint };
  }

  const tenant = await deps.tenants.get(checkpoint.tenantId);
  if (!tenant) throw new PermanentError(`unknown tenant ${checkpoint.tenantId}`, { code: 'unknown_tenant' });
  const stripe = await deps.stripeFor(tenant);
  const createdGte = Math.floor(Date.parse(checkpoint.createdFrom) / 1000);
  const createdLt = Math.ceil(Date.parse(checkpoint.createdTo) / 1000);

  const save = async (next: BackfillCheckpoint): Promise<boolean> => {
    if (!(await deps.syncState.put(key, next, version))) return false;
    checkpoint = next;
    version += 1;
    return true;
  };

  while (checkpoint.entityIndex < checkpoint.entities.length) {
    const entity = checkpoint.entities[checkpoint.entityIndex] as BackfillEntity;
    if (clock() - startedAt >= budget) {
      const next = { ...checkpoint, continuations: checkpoint.continuations + 1, updatedAt: deps.now().toISOString() };
      if (!(await save(next))) return { status: 'superseded', checkpoint };
      await deps.publisher.publish(topicName(deps.topicPrefix, CONTROL_TOPICS.opsBackfill), continuationOf(next), {
        orderingKey: next.backfillId,
        attributes: { tenantId: next.tenantId, backfillId: next.backfillId },
      });
      await recordProgress(deps, next, 'continued', entity);
      log.info(
        { entity, startingAfter: next.startingAfter, counts: next.counts },
        'backfill time budget reached; continued',
      );
      return { status: 'continued', checkpoint: next };
    }

    const page = await stripe.listObjects(entity, {
      createdGte,
      createdLt,
      limit: deps.pageSize ?? 100,
      ...(checkpoint.startingAfter ? { startingAfter: checkpoint.startingAfter } : {}),
    });
    const counts = { ...(checkpoint.counts[entity] ?? emptyCounts()) };
    counts.pages += 1;
    const receivedAt = deps.now().toISOString();
    const publishes: Array<Promise<string>> = [];
    for (const object of page.data) {
      counts.objects += 1;
      const events = syntheticEventsFor(entity, object, { stripeAccount: tenant.stripe.accountId });
      let normalizedAny = false;
      for (const event of events) {
        const result = normalizeStripeEvent(event, { tenantId: tenant.tenantId, source: 'backfill', receivedAt });
        if (result.kind !== 'normalized') {
          log.warn({ entity, stripeId: object.id, result: result.kind }, 'backfill object did not normalize; skipped');
          continue;
        }
        normalizedAny = true;
        counts.events += 1;
        if (checkpoint.dryRun) {
          if (deps.planDryRun) await deps.planDryRun(result.event, tenant);
          continue;
        }
        publishes.push(publishEntityEvent(deps.publisher, deps.topicPrefix, result.event));
      }
      if (!normalizedAny) counts.skipped += 1;
    }
    // Every publish must be acknowledged before the checkpoint moves past the page: at least once, never lost.
    await Promise.all(publishes);

    const finishedList = !page.hasMore || !page.lastId;
    const next: BackfillCheckpoint = {
      ...checkpoint,
      counts: { ...checkpoint.counts, [entity]: counts },
      entityIndex: finishedList ? checkpoint.entityIndex + 1 : checkpoint.entityIndex,
      startingAfter: finishedList ? null : (page.lastId ?? null),
      updatedAt: deps.now().toISOString(),
    };
    if (next.entityIndex >= next.entities.length) {
      next.status = 'done';
      next.completedAt = next.updatedAt;
    }
    if (!(await save(next))) {
      log.info({ entity }, 'backfill checkpoint moved by another delivery; this one stops');
      return { status: 'superseded', checkpoint };
    }
    await recordProgress(deps, next, checkpoint.dryRun ? 'planned_page' : 'page', entity);
    log.info(
      { entity, page: counts.pages, objects: page.data.length, events: counts.events, dryRun: next.dryRun },
      'backfill page done',
    );
  }
  await recordProgress(deps, checkpoint, 'done', undefined);
  log.info({ counts: checkpoint.counts, dryRun: checkpoint.dryRun }, 'backfill done');
  return { status: 'done', checkpoint };
}

/** Audit `progress` (or `planned` in a dry run) rows; ids are deterministic so a redelivery does not double-count. */
async function recordProgress(
  deps: BackfillDeps,
  checkpoint: BackfillCheckpoint,
  reason: 'page' | 'planned_page' | 'continued' | 'done',
  entity: BackfillEntity | undefined,
): Promise<void> {
  const counts = entity ? checkpoint.counts[entity] : undefined;
  const totalEvents = Object.values(checkpoint.counts).reduce((sum, c) => sum + (c?.events ?? 0), 0);
  const step = reason === 'continued' ? `c${checkpoint.continuations}` : `p${counts?.pages ?? 0}`;
  const record: AuditRecord = {
    schemaVersion: 1,
    recordId: `backfill:${checkpoint.backfillId}:${entity ?? 'all'}:${reason === 'done' ? 'done' : step}`,
    recordedAt: deps.now().toISOString(),
    tenantId: checkpoint.tenantId,
    function: deps.functionName,
    outcome: reason === 'planned_page' ? 'planned' : 'progress',
    reason: reason === 'planned_page' ? 'page' : reason,
    source: 'backfill',
    detail: JSON.stringify({
      backfillId: checkpoint.backfillId,
      entity,
      ...(counts ?? {}),
      totalEvents,
      dryRun: checkpoint.dryRun,
    }).slice(0, 2000),
    ...(entity ? { entity } : {}),
  };
  await deps.audit.record(record);
}
