import type { ObjectOutcome } from './history/reader';
import { actOnItem, type ReviewActionDeps } from '../ops/review-actions';
import type { ReviewItem, ReviewQueue, SyncStateStore } from '../stores/ports';

/**
 * "Retry all" and "Dismiss all" for a review-queue filter. The items are acted on in the request that asks
 * (through the same actOnItem as one item, a few at a time) and the job is stored in the sync-state store, so its
 * page can be read from any instance. What happened to each retried item is read back, not remembered: the review
 * queue says which were parked again, the audit trail which were posted.
 */
export type BulkAction = 'retry' | 'dismiss';

export interface BulkJobItem {
  reviewId: string;
  tenantId: string;
  stripeId: string;
  sent: boolean;
  problem?: string;
}

export interface BulkJob {
  schemaVersion: 1;
  jobId: string;
  action: BulkAction;
  scope: { tenantId?: string; reason?: string };
  /** Actor id (IAP subject), never an email. */
  requestedBy: string;
  startedAt: string;
  sentAt: string;
  items: BulkJobItem[];
  /** Open items beyond the job's limit, left for another run. */
  leftOver: number;
}

export const bulkJobKey = (jobId: string) => `console-job:${jobId}`;

/** At most this many items per job: a request must finish well inside the function's timeout. */
export const BULK_LIMIT = 500;
const CONCURRENCY = 8;

export interface BulkDeps extends ReviewActionDeps {
  reviewQueue: Pick<ReviewQueue, 'get' | 'setStatus' | 'list'>;
  syncState: Pick<SyncStateStore, 'put'>;
}

export async function runBulkAction(
  deps: BulkDeps,
  request: { jobId: string; action: BulkAction; scope: BulkJob['scope']; requestedBy: string },
): Promise<BulkJob> {
  const startedAt = deps.now().toISOString();
  const open = await deps.reviewQueue.list({ ...request.scope, status: 'open' });
  const chosen = open.slice(0, BULK_LIMIT);
  const items: BulkJobItem[] = chosen.map((item) => ({
    reviewId: item.reviewId,
    tenantId: item.tenantId,
    stripeId: item.stripeId,
    sent: false,
  }));
  let next = 0;
  const worker = async () => {
    while (next < chosen.length) {
      const index = next++;
      const result = await actOnItem(deps, request.action, chosen[index] as ReviewItem).catch((error: unknown) => ({
        ok: false as const,
        message: (error as Error).message,
      }));
      const item = items[index] as BulkJobItem;
      if (result.ok) item.sent = true;
      else item.problem = result.message;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const job: BulkJob = {
    schemaVersion: 1,
    jobId: request.jobId,
    action: request.action,
    scope: request.scope,
    requestedBy: request.requestedBy,
    startedAt,
    sentAt: deps.now().toISOString(),
    items,
    leftOver: open.length - chosen.length,
  };
  await deps.syncState.put(bulkJobKey(job.jobId), job, 0);
  return job;
}

export const PROGRESS = [
  'posted',
  'already_in_qbo',
  'still_parked',
  'skipped',
  'dead_lettered',
  'waiting',
  'dismissed',
  'not_sent',
] as const;
export type ItemProgress = (typeof PROGRESS)[number];

const WORDS: Record<ItemProgress, string> = {
  posted: 'posted',
  already_in_qbo: 'already in QBO',
  still_parked: 'still parked',
  skipped: 'skipped',
  dead_lettered: 'dead-lettered',
  waiting: 'still waiting',
  dismissed: 'dismissed',
  not_sent: 'could not be sent',
};

export interface BulkProgress {
  counts: Record<ItemProgress, number>;
  perItem: Map<string, ItemProgress>;
  done: boolean;
  /** "7 posted, 3 still parked". */
  summary: string;
}

/**
 * Where each item of a job stands. Pure: the caller reads the open review items of the job's scope and the latest
 * decision per Stripe object since the job started. A retried item parked again is open with a newer update; one
 * that went through has a posted (or already_linked) decision. Retrying items that are neither are still waiting
 * (in flight, or retried by Pub/Sub) until `giveUpAfterMs`.
 */
export function bulkProgress(
  job: BulkJob,
  openItems: ReadonlyMap<string, Pick<ReviewItem, 'status' | 'updatedAt'>>,
  outcomes: ReadonlyMap<string, Pick<ObjectOutcome, 'outcome' | 'reason' | 'recordedAt'>>,
  now: Date,
  giveUpAfterMs = 300_000,
): BulkProgress {
  const counts = Object.fromEntries(PROGRESS.map((p) => [p, 0])) as Record<ItemProgress, number>;
  const perItem = new Map<string, ItemProgress>();
  for (const item of job.items) {
    let state: ItemProgress;
    if (!item.sent) state = 'not_sent';
    else if (job.action === 'dismiss') state = 'dismissed';
    else {
      const review = openItems.get(item.reviewId);
      const decision = outcomes.get(`${item.tenantId}:${item.stripeId}`);
      const decided = decision && decision.recordedAt >= job.startedAt ? decision : undefined;
      if (review && review.status === 'open' && review.updatedAt >= job.startedAt) state = 'still_parked';
      else if (decided?.outcome === 'posted') state = 'posted';
      else if (decided?.outcome === 'skipped' && decided.reason === 'already_linked') state = 'already_in_qbo';
      else if (decided?.outcome === 'parked' || decided?.outcome === 'planned') state = 'still_parked';
      else if (decided?.outcome === 'skipped') state = 'skipped';
      else if (decided?.outcome === 'dead_lettered') state = 'dead_lettered';
      else state = 'waiting';
    }
    counts[state] += 1;
    perItem.set(item.reviewId, state);
  }
  const expired = now.getTime() - Date.parse(job.sentAt) > giveUpAfterMs;
  const done = counts.waiting === 0 || expired;
  const parts = PROGRESS.filter((p) => counts[p] > 0).map((p) => `${counts[p]} ${WORDS[p]}`);
  return { counts, perItem, done, summary: parts.length ? parts.join(', ') : 'nothing to do' };
}
