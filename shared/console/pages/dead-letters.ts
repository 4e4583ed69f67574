import type { DeadLetterEntry } from '../../ops/dead-letters';
import type { DeadLetterRow } from '../history/reader';
import { html } from '../html';
import { stripeLink, type LinkContext } from './activity';
import { actionForm, ago, renderPage, type PageContext } from './layout';

export interface DeadLettersView {
  tenantId: string | undefined;
  tenants: string[];
  rows: DeadLetterRow[];
  sinceDays: number;
  /** The result of a redrive just run (shown once). */
  redriven?: DeadLetterEntry[];
}

export function deadLettersPage(ctx: PageContext, view: DeadLettersView, links: LinkContext): string {
  const open = view.rows.filter((row) => !row.settledAt);
  const scope = view.tenantId ? `tenant ${view.tenantId}` : 'every tenant';
  const body = html` <p>
      Messages a consumer failed on ${10} times in a row (a QBO or Stripe outage, a bug). Redriving publishes each to
      its topic again; the consumer's ledger makes a message that was in fact written a no-op. Redriving pulls the
      dead-letter subscriptions, which takes a few seconds.
    </p>
    <form method="get" action="/dead-letters" class="filters" aria-label="Filter the dead letters">
      <label for="d-tenant"
        >Tenant<select id="d-tenant" name="tenant">
          <option value="">any</option>
          ${view.tenants.map((t) => html`<option value="${t}" ${t === view.tenantId ? ' selected' : ''}>${t}</option>`)}
        </select></label
      >
      <button type="submit" class="primary">Filter</button>
    </form>
    ${
      view.redriven
        ? html`<p class="notice" role="status">
            Redriven ${view.redriven.filter((e) => e.redriven).length}
            message(s)${
              view.redriven.length
                ? html`: <span class="mono">${view.redriven.map((e) => e.messageId).join(', ')}</span>`
                : ''
            }.
          </p>`
        : ''
    }
    <div class="actions">
      ${actionForm(ctx, '/dead-letters/redrive', `Redrive all for ${scope}`, {
        fields: view.tenantId ? { tenant: view.tenantId } : {},
        className: 'primary',
        confirm: `Publish every dead-lettered message for ${scope} again?`,
      })}
    </div>
    <p id="dead-letter-count" data-open="${open.length}">
      ${open.length} open, ${view.rows.length - open.length} settled since, in the last ${view.sinceDays} days (from the
      dead_letters table).
    </p>
    ${
      view.rows.length === 0
        ? html`<p class="muted">No dead letters.</p>`
        : html`<table>
            <thead>
              <tr>
                <th scope="col">Dead-lettered</th>
                <th scope="col">Tenant</th>
                <th scope="col">Event</th>
                <th scope="col">Stripe object</th>
                <th scope="col">Status</th>
                <th scope="col">Message</th>
                <th scope="col"><span class="sr">Action</span></th>
              </tr>
            </thead>
            <tbody>
              ${view.rows.map(
                (row) =>
                  html`<tr data-message="${row.messageId}">
                    <td>${ago(row.deadLetteredAt, ctx.now)}</td>
                    <td>${row.tenantId ?? ''}</td>
                    <td>${row.eventType ?? ''}</td>
                    <td>
                      ${row.objectId ? stripeLink({ tenantId: row.tenantId ?? '', stripeId: row.objectId }, links) : ''}
                    </td>
                    <td>
                      ${row.settledAt ? html`settled ${ago(row.settledAt, ctx.now)}` : html`<strong>open</strong>`}
                    </td>
                    <td class="mono">${row.messageId}</td>
                    <td>
                      ${row.settledAt ? '' : actionForm(ctx, '/dead-letters/redrive', 'Redrive', { fields: { messageId: row.messageId } })}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
  return renderPage(ctx, 'Dead letters', body);
}
