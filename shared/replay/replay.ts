import type { NormalizedEvent } from '../../schemas/normalized-event.schema';
import type { ReplayCommand } from '../../schemas/replay-command.schema';
import type { TenantSettings } from '../../schemas/tenant-settings.schema';
import type { Validators } from '../../schemas/validators';
import { classifyError } from '../errors';
import { normalizeStripeEvent } from '../ingest/normalize';
import type { MessagePublisher } from '../messaging/publisher';
import { publishEntityEvent } from '../messaging/entity-events';
import type { Logger } from '../observability/logger';
import type { AuditSink, Ledger, ReviewQueue, SyncStateStore, TenantStore, WaitList } from '../stores/ports';
import { ledgerKeyOf, POSTING_EVENT_TYPES } from '../catalogue/event-catalogue';
import type { QboTokenHealth } from '../qbo/auth/token-health';
import type { StripeApiClient } from '../stripe/ports';
import { isHandledEventType } from '../stripe/event-types';
import { sweepWaits } from './wait-sweep';

/**
 * Replay (DESIGN section 8): per tenant, list Stripe events since the stored cursor (minus an hour, because an
 * event can become visible in the list a little after its `created`), at most 30 days back (Stripe keeps events
 * that long), and republish those whose owning object is not `posted` in the ledger. Items parked for
 * `settings_incomplete`/`auth` are republished first, once the tenant can take them, then the dependency wait-list is
 * swept (wait-sweep.ts). Idempotent: the cursor remembers which events of the overlap window it already handled, and
 * the ledger says what is done, so a second run publishes nothing.
 */

export const REPLAY_OVERLAP_SECONDS = 3600;
export const REPLAY_MAX_LOOKBACK_SECONDS = 30 * 24 * 3600;
const REPUBLISHED_REASONS = ['settings_incomplete', 'auth'] as const;

export interface ReplayCursor {
  schemaVersion: 1;
  tenantId: string;
  /** Unix seconds: every event created before this was listed by a finished run. */
  listedUntil: number;
  /** Events of the overlap window already handled, so the next run's overlap does not republish them. */
  handledEventIds: string[];
  updatedAt: string;
}

export const replayCursorKey = (tenantId: string) => `replay-cursor:${tenantId}`;

export interface ReplaySummary {
  tenantId: string;
  discovered: number;
  republished: number;
  already_posted: number;
  skipped: number;
  /** Parked review items republished because the tenant can take them now. */
  parked: number;
  failed: number;
}

export interface ReplayDeps {
  functionName: string;
  tenants: TenantStore;
  ledger: Ledger;
  syncState: SyncStateStore;
  reviewQueue: ReviewQueue;
  waitList: WaitList;
  publisher: MessagePublisher;
  audit: AuditSink;
  validators: Pick<Validators, 'normalizedEvent'>;
  stripeFor(tenant: TenantSettings): Promise<StripeApiClient>;
  logger: Logger;
  topicPrefix: string;
  now: () => Date;
  /**
   * The daily check of each tenant's QBO connection (QboAccess.upkeep): refreshes a refresh token nearing expiry,
   * which nothing else does for an idle tenant, and records the days left. Absent where replay holds no QBO access.
   */
  qboTokenUpkeep?: (tenant: TenantSettings) => Promise<QboTokenHealth>;
}

async function postedOperations(ledger: Ledger, tenantId: string): Promise<Map<string, Set<string>>> {
  const posted = new Map<string, Set<string>>();
  for (const entry of await ledger.list(tenantId)) {
    if (entry.state !== 'posted') continue;
    const operations = posted.get(entry.stripeId) ?? new Set<string>();
    operations.add(entry.operation);
    posted.set(entry.stripeId, operations);
  }
  return posted;
}

/**
 * Posted when the ledger holds the write the event type's recipe makes for its owning object (the event catalogue's
 * `ledgerWrite`: a customer.updated is posted by the customer's create, a payout.failed only by its own reversal).
 */
export function isPosted(event: NormalizedEvent, posted: Map<string, Set<string>>): boolean {
  if (!isHandledEventType(event.type)) return false;
  const key = ledgerKeyOf({ type: event.type, objectId: event.objectId });
  return key !== undefined && posted.get(key.stripeId)?.has(key.operation) === true;
}

/** What replay does with one listed event: its write is in the ledger, its recipe never writes, or republish it. */
export function replayDecision(
  event: NormalizedEvent,
  posted: Map<string, Set<string>>,
): 'already_posted' | 'nothing_to_post' | 'republish' {
  if (!isHandledEventType(event.type) || ledgerKeyOf({ type: event.type, objectId: event.objectId }) === undefined)
    return 'nothing_to_post';
  return isPosted(event, posted) ? 'already_posted' : 'republish';
}

export function publishEvent(deps: Pick<ReplayDeps, 'publisher' | 'topicPrefix'>, event: NormalizedEvent) {
  return publishEntityEvent(deps.publisher, deps.topicPrefix, event);
}

export async function runReplay(deps: ReplayDeps, command: ReplayCommand): Promise<ReplaySummary[]> {
  const tenants = command.tenantId
    ? [await deps.tenants.get(command.tenantId)].filter((t): t is TenantSettings => t !== undefined)
    : (await deps.tenants.list()).filter((tenant) => tenant.enabled);
  if (command.tenantId && tenants.length === 0)
    deps.logger.warn({ tenantId: command.tenantId }, 'replay: no such tenant');
  const summaries: ReplaySummary[] = [];
  for (const tenant of tenants) {
    const summary = await replayTenant(deps, tenant, command).catch((error: unknown) => {
      const failure = classifyError(error);
      deps.logger.error({ tenantId: tenant.tenantId, reason: failure.code }, `replay failed: ${failure.message}`);
      // One tenant's outage must not hold up the others; a named tenant is retried by redelivery.
      if (command.tenantId && failure.retryable) throw failure;
      return { ...emptySummary(tenant.tenantId), failed: 1 };
    });
    summaries.push(summary);
    await upkeepQboConnection(deps, tenant);
    deps.logger.info({ ...summary }, 'replay summary');
    await deps.audit
      .record({
        schemaVersion: 1,
        recordId: `replay:${tenant.tenantId}:${command.requestedAt}`,
        recordedAt: deps.now().toISOString(),
        tenantId: tenant.tenantId,
        function: deps.functionName,
        outcome: 'progress',
        reason: 'replay_summary',
        source: 'replay',
        detail: JSON.stringify(summary),
      })
      .catch(() => undefined);
  }
  return summaries;
}

const emptySummary = (tenantId: string): ReplaySummary => ({
  tenantId,
  discovered: 0,
  republished: 0,
  already_posted: 0,
  skipped: 0,
  parked: 0,
  failed: 0,
});

async function replayTenant(deps: ReplayDeps, tenant: TenantSettings, command: ReplayCommand): Promise<ReplaySummary> {
  const summary = emptySummary(tenant.tenantId);
  const log = deps.logger.child({ tenantId: tenant.tenantId });
  if (tenant.status === 'needs_reauth') {
    // Nothing can post until the tenant reconnects; the cursor stays put so the next run after that catches up.
    log.info('replay: tenant needs reauth; skipped');
    return summary;
  }
  const runStartedAt = deps.now();
  const nowSeconds = Math.floor(runStartedAt.getTime() / 1000);
  const key = replayCursorKey(tenant.tenantId);
  const stored = await deps.syncState.get<ReplayCursor>(key);
  const oldest = nowSeconds - REPLAY_MAX_LOOKBACK_SECONDS;
  const requested = command.since
    ? Math.floor(Date.parse(command.since) / 1000)
    : stored
      ? stored.value.listedUntil - REPLAY_OVERLAP_SECONDS
      : oldest;
  const since = Math.max(requested, oldest);
  const handledBefore = new Set(stored?.value.handledEventIds ?? []);
  const handledNow: Array<{ id: string; created: number }> = [];

  // First what waits in the review queue: it needs nothing from Stripe, so a Stripe outage (or a missing key)
  // must not keep a reconnected tenant's parked items waiting for the next tick.
  const fromReview = await republishParked(deps, tenant, log);
  summary.parked = fromReview.size;
  // The Stripe client is built once, and only if the sweep or the listing needs it.
  let client: Promise<StripeApiClient> | undefined;
  const stripeClient = () => (client ??= deps.stripeFor(tenant));
  await sweepTenantWaits(deps, tenant, stripeClient, command, log);
  const posted = await postedOperations(deps.ledger, tenant.tenantId);
  const stripe = await stripeClient();
  const receivedAt = runStartedAt.toISOString();
  // Only types whose recipe can post: the rest would be skipped by the consumer anyway. (Stripe takes at most 20
  // types per list; the catalogue test keeps the list under that.)
  for await (const raw of stripe.listEvents({ createdGte: since, types: POSTING_EVENT_TYPES })) {
    summary.discovered += 1;
    const created = typeof raw.created === 'number' ? raw.created : nowSeconds;
    // Republished from the review queue a moment ago: a second copy would only race the first for its lease.
    if (handledBefore.has(raw.id) || fromReview.has(raw.id)) {
      summary.skipped += 1;
      handledNow.push({ id: raw.id, created });
      continue;
    }
    const result = normalizeStripeEvent(raw, { tenantId: tenant.tenantId, source: 'replay', receivedAt });
    if (result.kind !== 'normalized') {
      summary.skipped += 1;
      handledNow.push({ id: raw.id, created });
      continue;
    }
    const decision = replayDecision(result.event, posted);
    if (decision !== 'republish') {
      summary[decision === 'already_posted' ? 'already_posted' : 'skipped'] += 1;
      handledNow.push({ id: raw.id, created });
      continue;
    }
    try {
      await publishEvent(deps, result.event);
      summary.republished += 1;
      handledNow.push({ id: raw.id, created });
    } catch (error) {
      summary.failed += 1;
      log.warn({ eventId: raw.id, reason: classifyError(error).code }, 'replay: republish failed');
    }
  }

  // A failed publish keeps the cursor where it was, so the next run lists that event again.
  if (summary.failed === 0) {
    const windowStart = nowSeconds - REPLAY_OVERLAP_SECONDS;
    const cursor: ReplayCursor = {
      schemaVersion: 1,
      tenantId: tenant.tenantId,
      listedUntil: Math.max(nowSeconds, stored?.value.listedUntil ?? 0),
      handledEventIds: handledNow.filter((event) => event.created >= windowStart).map((event) => event.id),
      updatedAt: receivedAt,
    };
    if (!(await deps.syncState.put(key, cursor, stored?.version ?? 0)))
      log.info('replay: cursor moved by a concurrent run; leaving it');
  }

  return summary;
}

/** The wait sweep's figures go to the log and an audit row of their own (the replay summary keeps its shape). */
async function sweepTenantWaits(
  deps: ReplayDeps,
  tenant: TenantSettings,
  stripe: () => Promise<StripeApiClient>,
  command: ReplayCommand,
  log: Logger,
): Promise<void> {
  const sweep = await sweepWaits({ ...deps, stripe }, tenant);
  if (Object.values(sweep).every((count) => count === 0)) return;
  log.info({ ...sweep }, 'replay: dependency waits swept');
  await deps.audit
    .record({
      schemaVersion: 1,
      recordId: `replay:${tenant.tenantId}:${command.requestedAt}:waits`,
      recordedAt: deps.now().toISOString(),
      tenantId: tenant.tenantId,
      function: deps.functionName,
      outcome: 'progress',
      reason: 'wait_sweep',
      source: 'replay',
      detail: JSON.stringify(sweep),
    })
    .catch(() => undefined);
}

/**
 * Keeps an idle tenant's QBO connection alive (its refresh token expires ~101 days after the last refresh). Never
 * fails the replay: a connection Intuit refuses marks the tenant needs_reauth (a QBO auth failure, the one kind
 * that may), anything else is reported in the health record and tried again tomorrow.
 */
async function upkeepQboConnection(deps: ReplayDeps, tenant: TenantSettings): Promise<void> {
  if (!deps.qboTokenUpkeep || tenant.status === 'needs_reauth') return;
  try {
    const health = await deps.qboTokenUpkeep(tenant);
    if (health.problem === 'invalid_grant') {
      await deps.tenants.setStatus(tenant.tenantId, 'needs_reauth', 'invalid_grant');
      deps.logger.error(
        { tenantId: tenant.tenantId, reason: 'needs_reauth', failureClass: 'auth' },
        'replay: QBO refused the stored refresh token',
      );
    }
  } catch (error) {
    deps.logger.warn({ tenantId: tenant.tenantId, reason: classifyError(error).code }, 'replay: QBO upkeep failed');
  }
}

/** Items parked because settings were incomplete or auth had lapsed go through the pipeline again. */
async function republishParked(deps: ReplayDeps, tenant: TenantSettings, log: Logger): Promise<Set<string>> {
  const published = new Set<string>();
  for (const reason of REPUBLISHED_REASONS) {
    const items = await deps.reviewQueue.list({ tenantId: tenant.tenantId, status: 'open', reason });
    for (const item of items) {
      if (!deps.validators.normalizedEvent.is(item.event)) continue;
      await publishEvent(deps, item.event);
      // Resolved here; if the tenant is still not fixed, the consumer parks it again as a fresh open item.
      await deps.reviewQueue.setStatus(item.reviewId, 'resolved', deps.now().toISOString());
      published.add(item.event.eventId);
      log.debug({ reviewId: item.reviewId, reason }, 'replay: parked item republished');
    }
  }
  return published;
}
