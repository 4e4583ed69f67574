import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import type { QboTokenHealth } from '../../qbo/auth/token-health';
import { dailyChart, type ChartDay } from '../chart';
import type { Health } from '../health';
import type { Counted, TenantCounts } from '../history/reader';
import { html, type SafeHtml } from '../html';
import { ago, renderPage, type PageContext } from './layout';

export interface TenantOverview {
  tenant: TenantSettings;
  health: Health;
  counts: TenantCounts | undefined;
  lastSyncAt: string | undefined;
  refreshTokenDays: number | undefined;
  /** The daily QBO token check's record, when there is one. */
  tokenHealth?: QboTokenHealth;
  openReview: number;
}

export const COUNT_COLUMNS: Array<[Counted | 'backlog', string]> = [
  ['discovered', 'Discovered'],
  ['posted', 'Posted'],
  ['skipped', 'Skipped'],
  ['parked', 'Parked'],
  ['failed', 'Failed (retried)'],
  ['deadLettered', 'Dead-lettered'],
];

const LIGHT_TEXT = { green: 'All synced', yellow: 'Needs a look', red: 'Needs action' } as const;

export function healthLight(health: Health): SafeHtml {
  return html`<span class="light ${health.light}" data-light="${health.light}">${LIGHT_TEXT[health.light]}</span>${
      health.notes.length
        ? html`<ul class="notes">
            ${health.notes.map((note) => html`<li>${note}</li>`)}
          </ul>`
        : ''
    }`;
}

const TOKEN_PROBLEM: Record<NonNullable<QboTokenHealth['problem']>, string> = {
  not_connected: 'no tokens stored',
  invalid_grant: 'Intuit refused the refresh token',
  refresh_failed: 'the last refresh failed',
};

export function qboConnection(
  tenant: TenantSettings,
  refreshTokenDays: number | undefined,
  tokenHealth: QboTokenHealth | undefined,
  now: Date,
): SafeHtml {
  const state =
    tenant.status === 'needs_reauth'
      ? html`<strong class="light red">needs reconnect</strong>`
      : html`<span>connected</span>`;
  const token =
    refreshTokenDays === undefined
      ? html`refresh token expiry unknown`
      : refreshTokenDays <= 0
        ? html`refresh token expired`
        : html`refresh token expires in ${refreshTokenDays} days`;
  const check = tokenHealth
    ? html`<br /><span class="muted"
          >checked
          ${ago(tokenHealth.checkedAt, now)}${
            tokenHealth.problem ? html`: <strong>${TOKEN_PROBLEM[tokenHealth.problem]}</strong>` : ''
          }</span
        >`
    : '';
  return html`${state}<br /><span class="muted">${tenant.qbo.environment} realm ${tenant.qbo.realmId}; ${token}</span
    >${check}`;
}

export function countCells(counts: TenantCounts | undefined): SafeHtml[] {
  const cells = COUNT_COLUMNS.map(([key]) => {
    const today = counts ? counts.today[key as Counted] : 0;
    const window = counts ? counts.window[key as Counted] : 0;
    return html`<td class="num" data-measure="${key}" data-today="${today}" data-window="${window}">
      ${today} / ${window}
    </td>`;
  });
  const backlog = counts?.backlog ?? 0;
  cells.push(html`<td class="num" data-measure="backlog" data-window="${backlog}">${backlog}</td>`);
  return cells;
}

export function countHeaders(): SafeHtml {
  return html`${COUNT_COLUMNS.map(([, label]) => html`<th scope="col" class="num">${label}</th>`)}
    <th scope="col" class="num">Backlog</th>`;
}

export function overviewPage(
  ctx: PageContext,
  rows: readonly TenantOverview[],
  chart: readonly ChartDay[],
  windowDays: number,
): string {
  const body = html` <p class="muted">
      Counts are decisions recorded today (UTC) / in the last ${windowDays} days; discovered counts Stripe events
      published to the pipeline; backlog is events with no final decision yet.
    </p>
    <table id="tenants">
      <caption class="muted">
        ${rows.length} tenant${rows.length === 1 ? '' : 's'}
      </caption>
      <thead>
        <tr>
          <th scope="col">Tenant</th>
          <th scope="col">Health</th>
          <th scope="col">QBO</th>
          <th scope="col">Last sync</th>
          ${countHeaders()}
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (row) =>
            html`<tr data-tenant="${row.tenant.tenantId}">
              <th scope="row">
                <a href="/tenants/${row.tenant.tenantId}">${row.tenant.tenantId}</a
                >${row.openReview ? html`<br /><a class="muted" href="/review?tenant=${row.tenant.tenantId}">${row.openReview} parked</a>` : ''}
              </th>
              <td>${healthLight(row.health)}</td>
              <td>${qboConnection(row.tenant, row.refreshTokenDays, row.tokenHealth, ctx.now)}</td>
              <td>${ago(row.lastSyncAt, ctx.now)}</td>
              ${countCells(row.counts)}
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Posted and parked per day</h2>
    ${dailyChart('overview-chart', `Posted and parked per day, all tenants, last ${chart.length} days`, chart)}`;
  return renderPage(ctx, 'Overview', body);
}
