import type { PayoutRow } from '../history/reader';
import { html } from '../html';
import { qboLink, stripeLink, type LinkContext } from './activity';
import { renderPage, type PageContext } from './layout';

export function payoutsPage(ctx: PageContext, rows: readonly PayoutRow[], links: LinkContext): string {
  const body = html` <p class="notice">
      Payout reconciliation is coming in a later release: matching each payout's balance transactions to its QBO deposit
      line by line. Until then this page lists the payouts and the QBO object each is linked to, from the link records
      (the <span class="mono">payout_reconciliation</span> view), and whether the amounts agree to the cent.
    </p>
    ${
      rows.length === 0
        ? html`<p class="muted">No payouts yet.</p>`
        : html`<table id="payouts">
            <thead>
              <tr>
                <th scope="col">Tenant</th>
                <th scope="col">Payout</th>
                <th scope="col">Latest event</th>
                <th scope="col" class="num">Stripe amount</th>
                <th scope="col">QBO deposit</th>
                <th scope="col">Deposit date</th>
                <th scope="col" class="num">QBO amount</th>
                <th scope="col">Ties out</th>
              </tr>
            </thead>
            <tbody>
              ${rows.map(
                (row) =>
                  html`<tr data-payout="${row.payoutId}">
                    <td>${row.tenantId}</td>
                    <td>${stripeLink({ tenantId: row.tenantId, stripeId: row.payoutId }, links)}</td>
                    <td>${row.latestEventType ?? ''}</td>
                    <td class="num">${row.stripeAmount ?? ''} ${row.currency ?? ''}</td>
                    <td>
                      ${row.qboId ? qboLink(row.tenantId, row.qboEntity, row.qboId, links) : html`<span class="muted">not linked</span>`}
                    </td>
                    <td>${row.txnDate ?? ''}</td>
                    <td class="num">${row.qboAmount ?? ''}</td>
                    <td>
                      ${row.tiesOut === null ? '' : row.tiesOut ? 'yes' : html`<strong class="light red">no</strong>`}
                    </td>
                  </tr>`,
              )}
            </tbody>
          </table>`
    }`;
  return renderPage(ctx, 'Payouts', body);
}
