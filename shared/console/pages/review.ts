import type { ReviewItem, ReviewStatus } from '../../stores/ports';
import { html } from '../html';
import { reasonHelp } from '../reasons';
import { stripeLink, type LinkContext } from './activity';
import { actionForm, ago, csrfField, renderPage, type PageContext } from './layout';

export interface ReviewFilter {
  tenantId?: string;
  reason?: string;
  status: ReviewStatus;
}

export const REVIEW_STATUSES: ReviewStatus[] = ['open', 'approved', 'resolved', 'dismissed'];

export function reviewQuery(filter: ReviewFilter): string {
  const params = new URLSearchParams({ status: filter.status });
  if (filter.tenantId) params.set('tenant', filter.tenantId);
  if (filter.reason) params.set('reason', filter.reason);
  return params.toString();
}

interface ProposalOperation {
  entity?: string;
  operation?: string;
  stripeId?: string;
  body?: unknown;
}

function proposalOperations(item: ReviewItem): ProposalOperation[] {
  const operations = (item.proposal as { operations?: unknown } | null)?.operations;
  return Array.isArray(operations) ? (operations as ProposalOperation[]) : [];
}

/** The exact QBO request bodies the plan proposes (symbolic $refs resolve to QBO ids when it runs). */
export function proposalBlock(item: ReviewItem) {
  const operations = proposalOperations(item);
  if (operations.length === 0)
    return html`<p class="muted">No proposed payload (nothing was planned before it parked).</p>`;
  return html`<details>
    <summary>Proposed QBO payload (${operations.length} operation${operations.length === 1 ? '' : 's'})</summary>
    ${operations.map(
      (op) =>
        html`<p>
            <strong>${op.operation ?? 'create'} ${op.entity ?? ''}</strong> for
            <span class="mono">${op.stripeId ?? item.stripeId}</span>
          </p>
          <pre>${JSON.stringify(op.body ?? op, null, 2)}</pre>`,
    )}
  </details>`;
}

function itemArticle(ctx: PageContext, item: ReviewItem, links: LinkContext) {
  const help = reasonHelp(item.reason);
  const id = `item-${item.reviewId.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return html`<article class="item" aria-labelledby="${id}-h" data-review-id="${item.reviewId}">
    <h2 id="${id}-h">${help.title}</h2>
    <p>
      <span class="mono">${item.reviewId}</span> · tenant ${item.tenantId} · ${item.entity}
      ${stripeLink({ tenantId: item.tenantId, stripeId: item.stripeId }, links)} · ${item.status} · parked
      ${ago(item.updatedAt, ctx.now)}
    </p>
    <p><strong>What to do:</strong> ${help.todo}</p>
    <p>
      <strong
        >${item.failureClass === 'rejected' && item.reason.startsWith('qbo_') ? "QBO's message" : 'Detail'}:</strong
      >
      <span class="mono">${item.detail}</span>
    </p>
    ${proposalBlock(item)}
    ${
      item.status === 'open' || item.status === 'approved'
        ? html`<div class="actions" role="group" aria-label="Actions for ${item.reviewId}">
            ${actionForm(ctx, `/review/${encodeURIComponent(item.reviewId)}/approve`, 'Approve', { className: 'primary' })}
            ${actionForm(ctx, `/review/${encodeURIComponent(item.reviewId)}/retry`, 'Retry')}
            ${actionForm(ctx, `/review/${encodeURIComponent(item.reviewId)}/dismiss`, 'Dismiss', { className: 'danger' })}
          </div>`
        : ''
    }
  </article>`;
}

export interface ReviewView {
  filter: ReviewFilter;
  items: ReviewItem[];
  total: number;
  tenants: string[];
  reasons: string[];
}

export function reviewPage(ctx: PageContext, view: ReviewView, links: LinkContext): string {
  const { filter } = view;
  const scope = `${filter.tenantId ? `tenant ${filter.tenantId}` : 'every tenant'}${filter.reason ? `, reason ${filter.reason}` : ''}`;
  const option = (value: string, current: string | undefined) =>
    html`<option value="${value}" ${value === current ? ' selected' : ''}>${value}</option>`;
  const body = html` <form method="get" action="/review" class="filters" aria-label="Filter the review queue">
      <label for="r-tenant"
        >Tenant<select id="r-tenant" name="tenant">
          <option value="">any</option>
          ${view.tenants.map((t) => option(t, filter.tenantId))}
        </select></label
      >
      <label for="r-reason"
        >Reason<select id="r-reason" name="reason">
          <option value="">any</option>
          ${view.reasons.map((r) => option(r, filter.reason))}
        </select></label
      >
      <label for="r-status"
        >Status<select id="r-status" name="status">
          ${REVIEW_STATUSES.map((s) => option(s, filter.status))}
        </select></label
      >
      <button type="submit" class="primary">Filter</button>
    </form>
    <p id="review-count" data-total="${view.total}">
      ${view.total} ${filter.status} item${view.total === 1 ? '' : 's'} for
      ${scope}${view.items.length < view.total ? ` (showing the first ${view.items.length})` : ''}.
    </p>
    ${
      filter.status === 'open' && view.total > 0
        ? html`<form method="post" action="/review/bulk" class="actions" aria-label="Bulk actions for ${scope}">
            ${csrfField(ctx)}
            ${filter.tenantId ? html`<input type="hidden" name="tenant" value="${filter.tenantId}" />` : ''}
            ${filter.reason ? html`<input type="hidden" name="reason" value="${filter.reason}" />` : ''}
            <button
              type="submit"
              name="action"
              value="retry"
              ${ctx.viewer.role === 'operator' ? '' : html` disabled title="operators only"`}
            >
              Retry all ${view.total}
            </button>
            <button
              type="submit"
              name="action"
              value="dismiss"
              class="danger"
              data-confirm-button="Dismiss all ${view.total} items for ${scope}?"
              ${ctx.viewer.role === 'operator' ? '' : html` disabled title="operators only"`}
            >
              Dismiss all ${view.total}
            </button>
          </form>`
        : ''
    }
    ${view.items.map((item) => itemArticle(ctx, item, links))}`;
  return renderPage(ctx, 'Review queue', body);
}
