import type { BackfillCheckpoint } from '../../backfill/backfill';
import type { ReviewItem } from '../../stores/ports';
import type { BulkJob, BulkProgress } from '../bulk';
import { html } from '../html';
import { stripeLink, type LinkContext } from './activity';
import { ago, renderPage, type PageContext } from './layout';
import { proposalBlock } from './review';

export function bulkJobPage(ctx: PageContext, job: BulkJob, progress: BulkProgress, links: LinkContext): string {
  const settled = job.items.length - progress.counts.waiting;
  const verb = job.action === 'retry' ? 'Retry all' : 'Dismiss all';
  const scope = `${job.scope.tenantId ? `tenant ${job.scope.tenantId}` : 'every tenant'}${job.scope.reason ? `, reason ${job.scope.reason}` : ''}`;
  const body = html` <p>
      ${verb} for ${scope}, started ${ago(job.startedAt, ctx.now)}: ${job.items.filter((i) => i.sent).length} of
      ${job.items.length} sent${job.leftOver ? html`; ${job.leftOver} more open items were left for another run` : ''}.
    </p>
    <p>
      <label for="job-progress">Progress</label>
      <progress id="job-progress" max="${job.items.length}" value="${settled}">
        ${settled} of ${job.items.length}
      </progress>
      ${settled} of ${job.items.length} settled
    </p>
    <p id="job-summary" role="status" data-done="${progress.done ? 'yes' : 'no'}">
      <strong>${progress.done ? 'Done: ' : 'So far: '}${progress.summary}.</strong>${
        progress.done ? '' : html` <span class="muted">This page refreshes every 2 seconds.</span>`
      }
    </p>
    <table>
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col">Stripe object</th>
          <th scope="col">Now</th>
          <th scope="col">Problem</th>
        </tr>
      </thead>
      <tbody>
        ${job.items.map(
          (item) =>
            html`<tr data-review-id="${item.reviewId}">
              <td class="mono">${item.reviewId}</td>
              <td>${stripeLink(item, links)}</td>
              <td>${(progress.perItem.get(item.reviewId) ?? '').replace(/_/g, ' ')}</td>
              <td>${item.problem ?? ''}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p>
      <a
        href="/review?${new URLSearchParams({ status: 'open', ...(job.scope.tenantId ? { tenant: job.scope.tenantId } : {}), ...(job.scope.reason ? { reason: job.scope.reason } : {}) }).toString()}"
        >Back to the review queue</a
      >
    </p>`;
  return renderPage(
    ctx,
    `${verb}: ${progress.done ? 'done' : 'in progress'}`,
    body,
    progress.done ? {} : { refreshSeconds: 2 },
  );
}

export function testRunPage(
  ctx: PageContext,
  tenantId: string,
  backfillId: string,
  checkpoint: BackfillCheckpoint | undefined,
  proposals: readonly ReviewItem[],
  links: LinkContext,
): string {
  const done = checkpoint?.status === 'done';
  const counts = checkpoint
    ? Object.entries(checkpoint.counts).map(
        ([entity, n]) =>
          html`<tr>
            <th scope="row">${entity}</th>
            <td class="num">${n?.objects ?? 0}</td>
            <td class="num">${n?.events ?? 0}</td>
            <td class="num">${n?.skipped ?? 0}</td>
          </tr>`,
      )
    : [];
  const body = html` <p>
      Dry-run backfill <span class="mono">${backfillId}</span> of tenant
      <a href="/tenants/${tenantId}">${tenantId}</a>${
        checkpoint
          ? html` over Stripe objects created ${checkpoint.createdFrom} to ${checkpoint.createdTo}:
              <strong id="test-run-status" data-status="${checkpoint.status}">${done ? 'done' : 'running'}</strong>.
              Nothing is posted.`
          : html`: <strong id="test-run-status" data-status="starting">starting</strong>.`
      }
    </p>
    ${
      counts.length
        ? html`<table>
            <thead>
              <tr>
                <th scope="col">Stripe list</th>
                <th scope="col" class="num">Objects</th>
                <th scope="col" class="num">Events planned</th>
                <th scope="col" class="num">Nothing to sync</th>
              </tr>
            </thead>
            <tbody>
              ${counts}
            </tbody>
          </table>`
        : ''
    }
    <h2>Proposed QBO payloads (${proposals.length})</h2>
    <p class="muted">
      Each is parked in the review queue as <em>dry run</em>: approve one there to post it for real, or dismiss it.
    </p>
    ${proposals.map(
      (item) =>
        html`<article class="item" data-review-id="${item.reviewId}">
          <h2>${item.entity} ${stripeLink(item, links)}</h2>
          ${proposalBlock(item)}
        </article>`,
    )}`;
  return renderPage(ctx, `Test run: ${done ? 'done' : 'running'}`, body, done ? {} : { refreshSeconds: 3 });
}
