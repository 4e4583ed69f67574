import type { Validators } from '../../schemas/validators';
import { publishEntityEvent } from '../messaging/entity-events';
import type { MessagePublisher } from '../messaging/publisher';
import type { ReviewItem, ReviewQueue, ReviewStatus } from '../stores/ports';

/**
 * What a person does to a parked item (DESIGN section 7): approve it, send it through the pipeline again, or close
 * it. The CLI's `review approve|retry|dismiss` and the console's buttons both call `actOnReviewItem`, so there is
 * one implementation of each action. Only the consumer writes to QBO: approve and retry republish the item's event
 * and the consumer decides again.
 */
export const REVIEW_ACTIONS = ['approve', 'retry', 'dismiss'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

export interface ReviewActionDeps {
  reviewQueue: Pick<ReviewQueue, 'get' | 'setStatus'>;
  publisher: MessagePublisher;
  topicPrefix: string;
  validators: Pick<Validators, 'normalizedEvent'>;
  now: () => Date;
}

export type ReviewActionResult =
  | { ok: true; action: ReviewAction; reviewId: string; status: ReviewStatus; messageId?: string; message: string }
  | { ok: false; action: ReviewAction; reviewId: string; problem: 'not_found' | 'not_replayable'; message: string };

export function isReviewAction(value: string): value is ReviewAction {
  return (REVIEW_ACTIONS as readonly string[]).includes(value);
}

export async function actOnReviewItem(
  deps: ReviewActionDeps,
  action: ReviewAction,
  reviewId: string,
): Promise<ReviewActionResult> {
  const item = await deps.reviewQueue.get(reviewId);
  if (!item) return { ok: false, action, reviewId, problem: 'not_found', message: `no review item ${reviewId}` };
  return actOnItem(deps, action, item);
}

/** The same, for an item already read (bulk actions list first, then act on each). */
export async function actOnItem(
  deps: ReviewActionDeps,
  action: ReviewAction,
  item: ReviewItem,
): Promise<ReviewActionResult> {
  const { reviewId } = item;
  const now = () => deps.now().toISOString();
  if (action === 'dismiss') {
    await deps.reviewQueue.setStatus(reviewId, 'dismissed', now());
    return { ok: true, action, reviewId, status: 'dismissed', message: `dismissed ${reviewId}` };
  }
  // An invalid message has no event to run again: its source must be fixed and replayed.
  if (!deps.validators.normalizedEvent.is(item.event))
    return {
      ok: false,
      action,
      reviewId,
      problem: 'not_replayable',
      message:
        action === 'approve'
          ? `${reviewId} holds no replayable event (reason ${item.reason}); fix the source and replay instead`
          : `${reviewId} holds no replayable event`,
    };
  if (action === 'approve') {
    // Approval marks the item and sends its event through the pipeline again; the consumer sees the approval and
    // posts (the one-writer rule holds: only the consumer writes to QBO).
    await deps.reviewQueue.setStatus(reviewId, 'approved', now());
    const messageId = await publishEntityEvent(deps.publisher, deps.topicPrefix, item.event);
    return {
      ok: true,
      action,
      reviewId,
      status: 'approved',
      messageId,
      message: `approved ${reviewId}; republished as message ${messageId}`,
    };
  }
  if (action === 'retry') {
    await deps.reviewQueue.setStatus(reviewId, 'resolved', now());
    const messageId = await publishEntityEvent(deps.publisher, deps.topicPrefix, item.event);
    return {
      ok: true,
      action,
      reviewId,
      status: 'resolved',
      messageId,
      message: `republished ${reviewId} as message ${messageId}`,
    };
  }
  const unhandled: never = action;
  throw new Error(`review ${String(unhandled)} has no implementation`);
}
