import type { ReviewItem, ReviewQueue, ReviewStatus } from '../ports';
import type { DuckDbDatabase } from './connection';
import { RowMirror } from './row-mirror';

interface ReviewRow {
  review_id: string;
  tenant_id: string;
  stripe_id: string;
  entity: string;
  reason: string;
  failure_class: string;
  detail: string;
  event: string;
  proposal: string | null;
  status: string;
  created_at: string;
  updated_at: string;
}

function toItem(row: ReviewRow): ReviewItem {
  return {
    reviewId: row.review_id,
    tenantId: row.tenant_id,
    stripeId: row.stripe_id,
    entity: row.entity,
    reason: row.reason,
    failureClass: row.failure_class,
    detail: row.detail,
    event: JSON.parse(row.event) as object,
    proposal: row.proposal === null ? null : (JSON.parse(row.proposal) as object),
    status: row.status as ReviewStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * A posted object asks whether it was parked before (to close that item), so nearly every read finds nothing: the
 * rows read are mirrored (RowMirror says why that is sound), and a write forgets its item's row.
 */
export class DuckDbReviewQueue implements ReviewQueue {
  private readonly mirror = new RowMirror<ReviewRow>();

  constructor(private readonly db: DuckDbDatabase) {}

  park(item: Omit<ReviewItem, 'status' | 'createdAt' | 'updatedAt'>, now: string): Promise<void> {
    // Re-parking an item refreshes what a person sees (newest reason, payload) and reopens it.
    return this.db.exclusive(async (sql) => {
      await sql.run(
        `INSERT INTO review_queue VALUES ($reviewId, $tenantId, $stripeId, $entity, $reason, $failureClass, $detail,
         $event, $proposal, 'open', $now, $now)
       ON CONFLICT (review_id) DO UPDATE SET reason = excluded.reason, failure_class = excluded.failure_class,
         detail = excluded.detail, event = excluded.event, proposal = excluded.proposal, status = 'open',
         updated_at = excluded.updated_at`,
        {
          reviewId: item.reviewId,
          tenantId: item.tenantId,
          stripeId: item.stripeId,
          entity: item.entity,
          reason: item.reason,
          failureClass: item.failureClass,
          detail: item.detail,
          event: JSON.stringify(item.event),
          proposal: item.proposal === null ? null : JSON.stringify(item.proposal),
          now,
        },
      );
      this.mirror.forget(item.reviewId);
    });
  }

  get(reviewId: string): Promise<ReviewItem | undefined> {
    return this.db.exclusive(async (sql) => {
      const row = await this.mirror.getOrLoad(
        reviewId,
        async () =>
          (await sql.all<ReviewRow>('SELECT * FROM review_queue WHERE review_id = $reviewId', { reviewId }))[0],
      );
      // Parsed per read from the row as stored, so no caller can change what another is given.
      return row && toItem(row);
    });
  }

  async list(filter: { tenantId?: string; status?: ReviewStatus; reason?: string }): Promise<ReviewItem[]> {
    const rows = await this.db.all<ReviewRow>(
      `SELECT * FROM review_queue WHERE ($tenantId IS NULL OR tenant_id = $tenantId)
         AND ($status IS NULL OR status = $status) AND ($reason IS NULL OR reason = $reason)
       ORDER BY created_at, review_id`,
      { tenantId: filter.tenantId ?? null, status: filter.status ?? null, reason: filter.reason ?? null },
    );
    return rows.map(toItem);
  }

  async setStatus(reviewId: string, status: ReviewStatus, now: string): Promise<void> {
    await this.db.exclusive(async (sql) => {
      await sql.run('UPDATE review_queue SET status = $status, updated_at = $now WHERE review_id = $reviewId', {
        reviewId,
        status,
        now,
      });
      this.mirror.forget(reviewId);
    });
  }
}
