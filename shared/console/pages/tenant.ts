import type { TenantSettings } from '../../../schemas/tenant-settings.schema';
import { dailyChart, type ChartDay } from '../chart';
import type { ActivityRow } from '../history/reader';
import { html } from '../html';
import { activityTable, type LinkContext } from './activity';
import { actionForm, ago, csrfField, renderPage, type PageContext } from './layout';
import { countCells, countHeaders, healthLight, qboConnection, type TenantOverview } from './overview';

export interface TenantView extends TenantOverview {
  recent: ActivityRow[];
  chart: ChartDay[];
}

function settingsSummary(tenant: TenantSettings) {
  const yesNo = (value: boolean) => (value ? 'on' : 'off');
  return html`<dl class="settings">
    <dt>Mode</dt>
    <dd>
      ${tenant.mode === 'invoices' ? 'invoices (customers, invoices, payments, refunds, credit notes, payouts as deposits)' : 'payout summary (one journal entry per payout)'}
    </dd>
    <dt>Enabled</dt>
    <dd>${tenant.enabled ? 'yes' : 'no'}</dd>
    <dt>Dry run</dt>
    <dd data-flag="dryRun">${yesNo(tenant.flags.dryRun)}</dd>
    <dt>Auto-post</dt>
    <dd data-flag="autoPost">${yesNo(tenant.flags.autoPost)}</dd>
    <dt>Time zone</dt>
    <dd>${tenant.timezone}</dd>
    <dt>Go-live cutoff</dt>
    <dd><time datetime="${tenant.goLiveAt}">${tenant.goLiveAt}</time></dd>
    <dt>Stripe</dt>
    <dd>
      ${tenant.stripe.livemode ? 'live mode' : 'test mode'}${tenant.stripe.accountId ? html`, connected account <span class="mono">${tenant.stripe.accountId}</span>` : ''}
    </dd>
    <dt>Home currency</dt>
    <dd>${tenant.homeCurrency}${tenant.qbo.multicurrency ? ' (multicurrency)' : ''}</dd>
  </dl>`;
}

export function tenantPage(ctx: PageContext, view: TenantView, links: LinkContext, windowDays: number): string {
  const { tenant } = view;
  const id = tenant.tenantId;
  const today = ctx.now.toISOString().slice(0, 10);
  const monthAgo = new Date(ctx.now.getTime() - 30 * 86_400_000).toISOString().slice(0, 10);
  const body = html` <div class="cards">
      <section class="card" aria-labelledby="health-h">
        <h2 id="health-h">Health</h2>
        ${healthLight(view.health)}
        <p>
          Last sync ${ago(view.lastSyncAt, ctx.now)}; ${view.openReview} parked (<a href="/review?tenant=${id}"
            >review queue</a
          >)
        </p>
      </section>
      <section class="card" aria-labelledby="qbo-h">
        <h2 id="qbo-h">QBO</h2>
        ${qboConnection(tenant, view.refreshTokenDays, view.tokenHealth, ctx.now)}
      </section>
      <section class="card" aria-labelledby="settings-h">
        <h2 id="settings-h">Settings</h2>
        ${settingsSummary(tenant)}
      </section>
    </div>
    <h2>Counts (today / ${windowDays} days)</h2>
    <table id="counts">
      <thead>
        <tr>
          ${countHeaders()}
        </tr>
      </thead>
      <tbody>
        <tr data-tenant="${id}">
          ${countCells(view.counts)}
        </tr>
      </tbody>
    </table>
    ${dailyChart('tenant-chart', `Posted and parked per day, ${id}`, view.chart)}
    <h2 id="actions-h">Actions</h2>
    <section aria-labelledby="actions-h">
      <div class="actions">
        ${actionForm(ctx, `/tenants/${id}/sync`, 'Sync now', { className: 'primary', describedBy: 'sync-help' })}
        ${actionForm(
          ctx,
          `/tenants/${id}/auto-post`,
          tenant.flags.autoPost ? 'Turn auto-post off' : 'Turn auto-post on',
          {
            fields: { autoPost: tenant.flags.autoPost ? 'off' : 'on' },
            describedBy: 'auto-post-help',
          },
        )}
      </div>
      <p id="sync-help" class="muted">
        Sync now asks for a replay: Stripe events since the tenant's cursor that are not in QBO are sent through the
        pipeline again.
      </p>
      <p id="auto-post-help" class="muted">With auto-post off, every plan waits in the review queue for approval.</p>
      <form method="post" action="/tenants/${id}/test-run" class="filters" aria-labelledby="test-run-h">
        <h3 id="test-run-h" class="full">Test run</h3>
        ${csrfField(ctx)}
        <label for="test-from"
          >From (UTC day)<input id="test-from" name="from" type="date" required value="${monthAgo}"
        /></label>
        <label for="test-to"
          >To (UTC day, included)<input id="test-to" name="to" type="date" required value="${today}"
        /></label>
        <button
          type="submit"
          ${ctx.viewer.role === 'operator' ? '' : html` disabled title="operators only"`}
          aria-describedby="test-run-help"
        >
          Start test run
        </button>
        <p id="test-run-help" class="muted full">
          A dry-run backfill: every Stripe object created in the window is planned, nothing is posted, and the exact QBO
          payloads appear for checking.
        </p>
      </form>
      <h3>Reconnect QBO</h3>
      <p>Reconnecting needs the Intuit sign-in in a browser, run from a terminal with access to the deployment:</p>
      <pre>
stripe-qbo connect-qbo --tenant ${id}
stripe-qbo tenant activate ${id}</pre>
      <p class="muted">
        The first opens Intuit's consent page and stores the new tokens; the second clears <em>needs reconnect</em>, and
        the next replay sends what was parked for it.
      </p>
    </section>
    <h2>Recent activity</h2>
    ${activityTable(view.recent, links, ctx.now)}
    <p><a href="/activity?tenant=${id}">All activity for ${id}</a></p>`;
  return renderPage(ctx, `Tenant ${id}`, body);
}
