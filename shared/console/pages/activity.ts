import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import type { ActivityCursor, ActivityFilter, ActivityRow } from '../history/reader';
import { html, type SafeHtml } from '../html';
import { qboAppUrl, stripeDashboardUrl } from '../links';
import { renderPage, type PageContext } from './layout';

/** Per tenant, what its links need: Stripe test or live mode (and Connect account), QBO sandbox or production. */
export type LinkContext = Map<string, Pick<TenantSettings, 'stripe' | 'qbo'>>;

export const OUTCOMES = ['posted', 'skipped', 'parked', 'failed', 'dead_lettered', 'planned', 'progress', 'received'];
export const ENTITIES = ['customer', 'invoice', 'payment', 'refund', 'credit_note', 'payout'];

/** The activity filter as the page's form holds it: UTC days, the last one included. */
export interface ActivityForm {
  fromDay: string;
  toDay: string;
  tenantId?: string;
  entity?: string;
  outcome?: string;
  reason?: string;
}

export function stripeLink(row: Pick<ActivityRow, 'tenantId' | 'stripeId'>, links: LinkContext): SafeHtml {
  if (!row.stripeId) return html``;
  const tenant = links.get(row.tenantId);
  if (!tenant) return html`<span class="mono">${row.stripeId}</span>`;
  const url = stripeDashboardUrl(row.stripeId, {
    livemode: tenant.stripe.livemode,
    stripeAccount: tenant.stripe.accountId,
  });
  return html`<a class="mono" href="${url}" rel="noreferrer" target="_blank"
    >${row.stripeId}<span class="sr"> (opens the Stripe dashboard)</span></a
  >`;
}

export function qboLink(
  tenantId: string,
  qboEntity: string | null,
  qboId: string | null,
  links: LinkContext,
): SafeHtml {
  if (!qboEntity || !qboId) return html``;
  const tenant = links.get(tenantId);
  const url = tenant ? qboAppUrl(qboEntity, qboId, tenant.qbo.environment) : undefined;
  return url
    ? html`<a class="mono" href="${url}" rel="noreferrer" target="_blank"
        >${qboEntity} ${qboId}<span class="sr"> (opens QuickBooks)</span></a
      >`
    : html`<span class="mono">${qboEntity} ${qboId}</span>`;
}

export function activityTable(rows: readonly ActivityRow[], links: LinkContext, _now: Date): SafeHtml {
  if (rows.length === 0) return html`<p class="muted">No decisions recorded.</p>`;
  return html`<table class="activity">
    <thead>
      <tr>
        <th scope="col">Recorded (UTC)</th>
        <th scope="col">Tenant</th>
        <th scope="col">Outcome</th>
        <th scope="col">Reason</th>
        <th scope="col">Entity</th>
        <th scope="col">Stripe</th>
        <th scope="col">QBO</th>
        <th scope="col" class="num">Amount</th>
        <th scope="col">Detail</th>
      </tr>
    </thead>
    <tbody>
      ${rows.map(
        (row) =>
          html`<tr data-record="${row.recordId}">
            <td>
              <time datetime="${row.recordedAt}">${row.recordedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</time>
            </td>
            <td>${row.tenantId}</td>
            <td>${row.outcome}</td>
            <td>${row.reason}</td>
            <td>${row.entity ?? ''}${row.eventType ? html`<br /><span class="muted">${row.eventType}</span>` : ''}</td>
            <td>${stripeLink(row, links)}</td>
            <td>${qboLink(row.tenantId, row.qboEntity, row.qboId, links)}</td>
            <td class="num">${row.amount ? `${row.amount} ${row.currency ?? ''}` : ''}</td>
            <td class="mono">${row.detail ?? ''}</td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

export function activityQuery(form: ActivityForm, after?: ActivityCursor): string {
  const params = new URLSearchParams({ from: form.fromDay, to: form.toDay });
  if (form.tenantId) params.set('tenant', form.tenantId);
  if (form.entity) params.set('entity', form.entity);
  if (form.outcome) params.set('outcome', form.outcome);
  if (form.reason) params.set('reason', form.reason);
  if (after) params.set('after', `${after.at}|${after.tenantId}|${after.recordId}`);
  return params.toString();
}

function select(id: string, name: string, label: string, values: readonly string[], current: string | undefined) {
  return html`<label for="${id}"
    >${label}<select id="${id}" name="${name}">
      <option value="">any</option>
      ${values.map((value) => html`<option value="${value}" ${value === current ? ' selected' : ''}>${value}</option>`)}
    </select></label
  >`;
}

export interface ActivityView {
  form: ActivityForm;
  filter: ActivityFilter;
  rows: ActivityRow[];
  matching: number;
  reasons: string[];
  tenants: string[];
  next: ActivityCursor | undefined;
  paged: boolean;
}

export function activityPage(ctx: PageContext, view: ActivityView, links: LinkContext): string {
  const { form } = view;
  const body = html` <form method="get" action="/activity" class="filters" aria-label="Filter the activity">
      <label for="f-from">From (UTC day)<input id="f-from" name="from" type="date" value="${form.fromDay}" /></label>
      <label for="f-to">To (UTC day, included)<input id="f-to" name="to" type="date" value="${form.toDay}" /></label>
      ${select('f-tenant', 'tenant', 'Tenant', view.tenants, form.tenantId)}
      ${select('f-entity', 'entity', 'Entity', ENTITIES, form.entity)}
      ${select('f-outcome', 'outcome', 'Outcome', OUTCOMES, form.outcome)}
      ${select('f-reason', 'reason', 'Reason', [...new Set([...view.reasons, ...(form.reason ? [form.reason] : [])])].sort(), form.reason)}
      <button type="submit" class="primary">Filter</button>
      <a href="/activity.csv?${activityQuery(form)}" download>Export CSV (${view.matching} rows)</a>
    </form>
    <p id="activity-count" data-matching="${view.matching}">
      ${view.matching} matching decision${view.matching === 1 ? '' : 's'}${view.paged ? ' (continued)' : ''}, newest
      first.
    </p>
    ${activityTable(view.rows, links, ctx.now)}
    <nav class="pager" aria-label="Pages">
      ${view.paged ? html`<a href="/activity?${activityQuery(form)}">Newest</a>` : ''}
      ${view.next ? html`<a href="/activity?${activityQuery(form, view.next)}" rel="next">Older</a>` : ''}
    </nav>`;
  return renderPage(ctx, 'Activity', body);
}
