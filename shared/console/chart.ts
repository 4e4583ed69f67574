import { html, type SafeHtml } from './html';

/**
 * Posted and parked decisions per day as an inline SVG bar chart, server-rendered (no script). The same figures
 * are in a table beside it for screen readers and for anyone who wants the numbers.
 */
export interface ChartDay {
  day: string;
  posted: number;
  parked: number;
}

/** Every day from `firstDay` to `lastDay` (YYYY-MM-DD, UTC), with zeros where nothing happened. */
export function fillDays(days: readonly ChartDay[], firstDay: string, lastDay: string): ChartDay[] {
  const byDay = new Map<string, ChartDay>();
  for (const d of days) {
    const sum = byDay.get(d.day) ?? { day: d.day, posted: 0, parked: 0 };
    byDay.set(d.day, { day: d.day, posted: sum.posted + d.posted, parked: sum.parked + d.parked });
  }
  const filled: ChartDay[] = [];
  for (let t = Date.parse(`${firstDay}T00:00:00Z`); t <= Date.parse(`${lastDay}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    filled.push(byDay.get(day) ?? { day, posted: 0, parked: 0 });
  }
  return filled;
}

export function dailyChart(id: string, title: string, days: readonly ChartDay[]): SafeHtml {
  const width = 560;
  const height = 140;
  const top = 10;
  const bottom = 22;
  const max = Math.max(1, ...days.map((d) => d.posted + d.parked));
  const slot = width / Math.max(1, days.length);
  const bar = Math.max(2, slot * 0.7);
  const scale = (height - top - bottom) / max;
  const bars = days.map((d, i) => {
    const x = i * slot + (slot - bar) / 2;
    const postedHeight = d.posted * scale;
    const parkedHeight = d.parked * scale;
    const base = height - bottom;
    const label = i === 0 || i === days.length - 1 || i % 7 === 0 ? d.day.slice(5) : '';
    return html`<g>
      <rect
        class="posted"
        x="${x.toFixed(1)}"
        y="${(base - postedHeight).toFixed(1)}"
        width="${bar.toFixed(1)}"
        height="${postedHeight.toFixed(1)}"
        ><title>${d.day}: ${d.posted} posted</title></rect
      >
      <rect
        class="parked"
        x="${x.toFixed(1)}"
        y="${(base - postedHeight - parkedHeight).toFixed(1)}"
        width="${bar.toFixed(1)}"
        height="${parkedHeight.toFixed(1)}"
        ><title>${d.day}: ${d.parked} parked</title></rect
      >
      ${label ? html`<text x="${(x + bar / 2).toFixed(1)}" y="${height - 6}" text-anchor="middle">${label}</text>` : ''}
    </g>`;
  });
  const total = days.reduce((sum, d) => ({ posted: sum.posted + d.posted, parked: sum.parked + d.parked }), {
    posted: 0,
    parked: 0,
  });
  return html`<figure class="chart">
    <svg
      id="${id}"
      viewBox="0 0 ${width} ${height}"
      role="img"
      aria-labelledby="${id}-title ${id}-desc"
      preserveAspectRatio="none"
    >
      <title id="${id}-title">${title}</title>
      <desc id="${id}-desc">
        ${days.length} days: ${total.posted} posted, ${total.parked} parked; most in one day ${max}.
      </desc>
      <line x1="0" x2="${width}" y1="${height - bottom}" y2="${height - bottom}" class="axis" />
      ${bars}
    </svg>
    <figcaption>
      <span class="key posted"></span> posted <span class="key parked"></span> parked (per UTC day)
    </figcaption>
    <details>
      <summary>Figures</summary>
      <table>
        <caption>
          ${title}
        </caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Posted</th>
            <th scope="col">Parked</th>
          </tr>
        </thead>
        <tbody>
          ${days.map(
            (d) =>
              html`<tr>
                <td>${d.day}</td>
                <td>${d.posted}</td>
                <td>${d.parked}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </details>
  </figure>`;
}
