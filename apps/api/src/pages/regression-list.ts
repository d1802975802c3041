import type { Regression } from '@benchrunner/results-db';
import type { Context } from 'hono';
import { esc, htmlPage, pageResponse } from './html.ts';
import { PAGE_STYLE } from './style.ts';

function row(r: Regression): string {
  const href = `/regressions/${esc(encodeURIComponent(r.id))}`;
  const params = Object.entries(r.series.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const change = r.change === null ? '' : `${r.change > 0 ? '+' : ''}${(r.change * 100).toFixed(1)} %`;
  return `<tr>
<td><a href="${href}">${esc(r.kind)}</a></td>
<td><span class="status">${esc(r.status)}</span></td>
<td><code>${esc(r.series.benchmark)}</code> ${esc(r.series.result)}${params ? ` (${esc(params)})` : ''} · ${esc(r.series.measure)}</td>
<td>${esc(r.series.minion)}</td>
<td>${esc(r.series.branch)}</td>
<td><code>${esc(r.firstBad.commit.slice(0, 12))}</code></td>
<td class="num">${esc(change)}</td>
<td>${esc(r.detector)}</td>
<td>${esc(r.createdAt)}</td>
</tr>`;
}

/** `GET /regressions` for a browser: the records as a table, each linking to its page. */
export function regressionListResponse(c: Context, regressions: readonly Regression[]) {
  const body = `<main>
<h1>Regressions</h1>
<p>${regressions.length} record${regressions.length === 1 ? '' : 's'}, newest first. Filter with <code>?status=</code>, <code>&amp;minion=</code>, <code>&amp;benchmark=</code>.</p>
${
  regressions.length === 0
    ? '<p>No records.</p>'
    : `<table class="list"><thead><tr><th>kind</th><th>status</th><th>series</th><th>minion</th><th>branch</th><th>first bad</th><th>change</th><th>detector</th><th>recorded</th></tr></thead>
<tbody>${regressions.map(row).join('')}</tbody></table>`
}
</main>`;
  return pageResponse(c, htmlPage('Regressions · benchrunner', PAGE_STYLE, body));
}
