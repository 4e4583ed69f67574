import type { Viewer } from '../auth/access';
import { CSRF_FIELD } from '../auth/access';
import { html, trusted, type HtmlValue, type SafeHtml } from '../html';

/** What every page is rendered with: who is looking, their CSRF token, the CSP nonce, a one-time notice. */
export interface PageContext {
  viewer: Viewer;
  csrfToken: string;
  nonce: string;
  /** The path of the page, for the navigation's current item. */
  path: string;
  notice?: string;
  now: Date;
}

const NAV: Array<[string, string]> = [
  ['/', 'Overview'],
  ['/activity', 'Activity'],
  ['/review', 'Review queue'],
  ['/dead-letters', 'Dead letters'],
  ['/payouts', 'Payouts'],
];

const STYLE = `
:root{--fg:#1b1f24;--muted:#59636e;--line:#d8dee4;--bg:#fff;--soft:#f6f8fa;--accent:#0b57d0;--green:#1a7f37;--yellow:#9a6700;--red:#cf222e}
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--accent)}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid #fb8c00;outline-offset:2px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:9}
header{display:flex;flex-wrap:wrap;gap:16px;align-items:center;padding:10px 20px;border-bottom:1px solid var(--line);background:var(--soft)}
header .brand{font-weight:700}header nav ul{display:flex;gap:14px;list-style:none;margin:0;padding:0}
header nav a[aria-current=page]{font-weight:700;text-decoration:none;color:var(--fg)}header .who{margin-left:auto;color:var(--muted);font-size:13px}
main{padding:16px 20px;max-width:1400px}h1{font-size:22px;margin:6px 0 12px}h2{font-size:17px;margin:22px 0 8px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:var(--soft);font-weight:600}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.notice{border:1px solid #9ec5fe;background:#e7f1ff;padding:8px 12px;border-radius:6px;margin:0 0 12px}
.problem{border-color:#f5a3a8;background:#ffebe9}
.light{display:inline-flex;align-items:center;gap:6px;font-weight:600;white-space:nowrap}.light::before{content:"";width:12px;height:12px;border-radius:50%;background:currentColor}
.light.green{color:var(--green)}.light.yellow{color:var(--yellow)}.light.red{color:var(--red)}
.notes{margin:2px 0 0;padding-left:16px;color:var(--muted);font-size:13px}.muted{color:var(--muted)}.mono{font-family:ui-monospace,Menlo,monospace;font-size:13px}
form.inline{display:inline}button{font:inherit;padding:5px 12px;border:1px solid #8c959f;border-radius:6px;background:#fff;cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button.danger{color:var(--red);border-color:var(--red)}button[disabled]{opacity:.5;cursor:not-allowed}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end;margin:0 0 14px;padding:10px;background:var(--soft);border-radius:6px}
.filters label{display:flex;flex-direction:column;font-size:13px;gap:2px}input,select{font:inherit;padding:4px 6px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px;align-items:start}.card{border:1px solid var(--line);border-radius:8px;padding:10px 12px}
article.item{border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:0 0 12px}article.item h2{margin:0 0 6px;font-size:16px}
pre{background:var(--soft);padding:8px;overflow:auto;max-height:360px;font-size:12px}dl.settings{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{font-weight:600}dd{margin:0}
.chart svg{width:100%;max-width:640px;height:150px}.chart rect.posted,.key.posted{fill:var(--green);background:var(--green)}.chart rect.parked,.key.parked{fill:var(--yellow);background:var(--yellow)}
.chart text{font-size:10px;fill:var(--muted)}.chart .axis{stroke:var(--line)}.key{display:inline-block;width:10px;height:10px;margin-left:8px}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}.pager{margin:10px 0;display:flex;gap:16px}
progress{width:260px}h3{font-size:15px;margin:14px 0 6px}.filters .full{margin:0;width:100%}
`;

export function csrfField(ctx: PageContext): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrfToken}" />`;
}

/** A POST form with one button. Viewers see it disabled, with the reason in its description. */
export function actionForm(
  ctx: PageContext,
  action: string,
  label: string,
  options: { fields?: Record<string, string>; className?: string; describedBy?: string; confirm?: string } = {},
): SafeHtml {
  const operator = ctx.viewer.role === 'operator';
  return html`<form
    class="inline"
    method="post"
    action="${action}"
    ${options.confirm ? html` data-confirm="${options.confirm}"` : ''}
  >
    ${csrfField(ctx)}${Object.entries(options.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}" />`)}
    <button
      type="submit"
      class="${options.className ?? ''}"
      ${operator ? '' : html` disabled title="operators only"`}${options.describedBy ? html` aria-describedby="${options.describedBy}"` : ''}
    >
      ${label}
    </button>
  </form>`;
}

/** Asks before a destructive bulk action; the form works without it (no script, no question). */
const CONFIRM_SCRIPT = `document.addEventListener('submit',function(e){var b=e.submitter;var q=(b&&b.getAttribute('data-confirm-button'))||e.target.getAttribute('data-confirm');if(q&&!window.confirm(q))e.preventDefault();});`;

export function renderPage(
  ctx: PageContext,
  title: string,
  body: HtmlValue,
  options: { refreshSeconds?: number } = {},
): string {
  const nav = NAV.map(([href, label]) => {
    const current = href === '/' ? ctx.path === '/' : ctx.path.startsWith(href);
    return html`<li><a href="${href}" ${current ? html` aria-current="page"` : ''}>${label}</a></li>`;
  });
  return `<!doctype html>${html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width,initial-scale=1" />
      <title>${title} · stripe-qbo console</title>
      ${options.refreshSeconds ? html`<meta http-equiv="refresh" content="${options.refreshSeconds}" />` : ''}
      <style nonce="${ctx.nonce}">
        ${trusted(STYLE)}
      </style>
    </head>
    <body>
      <a class="skip" href="#main">Skip to content</a>
      <header>
        <span class="brand">stripe-qbo console</span>
        <nav aria-label="Main">
          <ul>
            ${nav}
          </ul>
        </nav>
        <span class="who">${ctx.viewer.email} · ${ctx.viewer.role}</span>
      </header>
      <main id="main" tabindex="-1">
        <h1>${title}</h1>
        ${ctx.notice ? html`<p class="notice" role="status">${ctx.notice}</p>` : ''} ${body}
      </main>
      <script nonce="${ctx.nonce}">
        ${trusted(CONFIRM_SCRIPT)};
      </script>
    </body>
  </html>`}`;
}

/** "3 min ago" with the exact time in a tooltip. */
export function ago(iso: string | null | undefined, now: Date): SafeHtml {
  if (!iso) return html`<span class="muted">never</span>`;
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  const text =
    seconds < 90
      ? `${seconds} s ago`
      : seconds < 5400
        ? `${Math.round(seconds / 60)} min ago`
        : seconds < 172_800
          ? `${Math.round(seconds / 3600)} h ago`
          : `${Math.round(seconds / 86_400)} days ago`;
  return html`<time datetime="${iso}" title="${iso}">${text}</time>`;
}
