import type { Bisection, BisectionProbe, Culprit, Regression } from '@benchrunner/results-db';
import { esc } from './html.ts';
import { formatNumber } from './svg-chart.ts';

const percent = (x: number | null | undefined) =>
  x === null || x === undefined || !Number.isFinite(x)
    ? 'n/a'
    : `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;
const pValue = (p: number | null | undefined) => (p === null || p === undefined ? 'n/a' : p.toPrecision(3));
const interval = (ci: { lower: number; upper: number } | null, format: (x: number) => string) =>
  ci ? ` <span class="ci">(${esc(format(ci.lower))} … ${esc(format(ci.upper))})</span>` : '';
const number = (x: number | null | undefined) => (x === null || x === undefined ? 'n/a' : formatNumber(x));
const commits = (n: number) => `${n} commit${n === 1 ? '' : 's'}`;
const code = (text: string) => `<code>${esc(text)}</code>`;
const runLink = (id: string) => `<a href="/runs/${esc(encodeURIComponent(id))}">${code(id)}</a>`;
const table = (rows: [string, string][]) =>
  `<table class="facts">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`;

/** The confirmation: the runs of each side, their medians, the comparison and its outcome. */
export function confirmationSection(regression: Regression, unit: string): string {
  const confirmation = regression.confirmation;
  if (!confirmation) return '';
  const result = confirmation.result;
  const planned = (side: 'baseline' | 'suspect') => confirmation.runs.filter((r) => r.side === side);
  const side = (name: 'baseline' | 'suspect') => {
    const runs = planned(name);
    const measured = result?.[name];
    const figures = measured
      ? `${measured.runs} of ${runs.length} runs, n = ${measured.n}, median ${esc(number(measured.median))} ${esc(unit)}${interval(measured.ci, formatNumber)}`
      : `${runs.length} runs asked for`;
    // A run that left its lane before it ran links nowhere: its id and why, instead.
    const link = (r: (typeof runs)[number]) =>
      r.lost === undefined ? runLink(r.runId) : `${code(r.runId)} (${esc(`lost: ${r.lost}`)})`;
    return `${figures} at ${code(runs[0]?.commit.slice(0, 12) ?? '?')}: ${runs.map(link).join(' ')}`;
  };
  const rows: [string, string][] = [
    ['Started', esc(confirmation.startedAt)],
    ['Baseline (last good)', side('baseline')],
    ['Suspect (first bad)', side('suspect')],
  ];
  if (result) {
    rows.push(
      ['Change', `${esc(percent(result.change))}${interval(result.changeCi, percent)}`],
      ['p-value', `${esc(pValue(result.pValue))} (at most ${esc(result.maxPValue)} to decide)`],
      ['Minimum change', esc(percent(result.minChange))],
      ['Outcome', `<span class="outcome outcome-${esc(result.outcome)}">${esc(result.outcome)}</span>`],
      ['Reason', esc(result.reason)],
      ['Decided', esc(result.decidedAt)],
    );
  } else {
    rows.push(['Outcome', 'waiting for its runs']);
  }
  return `<h2>Confirmation</h2>
<p>The last good and the first bad commit measured again on the same minion, interleaved.</p>
<section class="confirmation">${table(rows)}</section>`;
}

function culpritCell(culprit: Culprit, commitLink: (sha: string) => string): string {
  const merged =
    culprit.merge && culprit.merged.length > 0
      ? `<br>a merge, bringing in ${commits(culprit.merged.length)} (not bisected): ${culprit.merged.map((sha) => commitLink(sha)).join(' ')}`
      : culprit.merge
        ? '<br>a merge commit'
        : '';
  return `${commitLink(culprit.sha)} ${esc(culprit.subject)}<br>by ${esc(culprit.author)}, ${esc(culprit.time)}${merged}`;
}

function probeRow(probe: BisectionProbe, commitLink: (sha: string) => string, unit: string): string {
  const f = probe.figures;
  const vs = (side: NonNullable<BisectionProbe['figures']>['vsGood'] | undefined) =>
    side
      ? `${esc(percent(side.change))}${interval(side.changeCi, percent)}, p ${esc(pValue(side.p))}, ${esc(side.verdict)}`
      : '';
  const outcome = `<span class="outcome outcome-${esc(probe.outcome)}">${esc(probe.outcome)}</span>${probe.reason ? `<br><small>${esc(probe.reason)}</small>` : ''}`;
  return `<tr><td class="num">${esc(probe.seq + 1)}</td><td>${commitLink(probe.commit)} <small>#${esc(probe.position + 1)}${probe.attempt > 1 ? `, attempt ${esc(probe.attempt)}` : ''}</small></td><td>${outcome}</td><td class="num">${esc(f?.n ?? probe.samples?.length ?? '')}</td><td class="num">${f ? `${esc(number(f.median))} ${esc(unit)}` : ''}</td><td>${vs(f?.vsGood)}</td><td>${vs(f?.vsBad)}</td><td>${probe.runId ? runLink(probe.runId) : ''}</td></tr>`;
}

/** The bisection: its status, the culprit (or candidates), and every probe with its figures. */
export function bisectionSection(
  bisection: Bisection | undefined,
  unit: string,
  commitLink: (sha: string) => string,
): string {
  if (!bisection) return '';
  const rows: [string, string][] = [
    ['Status', `<span class="status">${esc(bisection.status)}</span>`],
    [
      'Range',
      `${commitLink(bisection.good)} .. ${commitLink(bisection.bad)}, ${esc(bisection.commits)} commits`,
    ],
  ];
  if (bisection.culprit) rows.push(['Culprit', culpritCell(bisection.culprit, commitLink)]);
  if (bisection.candidates && bisection.candidates.length > 0) {
    rows.push(['Candidates', bisection.candidates.map((c) => culpritCell(c, commitLink)).join('<hr>')]);
  }
  if (bisection.reason) rows.push(['Reason', esc(bisection.reason)]);
  rows.push([
    'Record',
    `${code(bisection.id)}, started ${esc(bisection.createdAt)}, updated ${esc(bisection.updatedAt)}`,
  ]);
  const probes =
    bisection.probes.length === 0
      ? '<p>No probe has run yet.</p>'
      : `<table class="list probes"><thead><tr><th>#</th><th>Commit</th><th>Outcome</th><th>n</th><th>Median</th><th>vs good</th><th>vs bad</th><th>Run</th></tr></thead><tbody>${bisection.probes.map((p) => probeRow(p, commitLink, unit)).join('')}</tbody></table>`;
  return `<h2>Bisection</h2>
<section class="bisection">${table(rows)}
<h3>Probes (${bisection.probes.length})</h3>
${probes}</section>`;
}
