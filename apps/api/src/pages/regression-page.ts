import type { ResultsDb } from '@benchrunner/results-db';
import {
  type HistoryPoint,
  HistoryQueryError,
  type Regression,
  type RunFacts,
} from '@benchrunner/results-db';
import type { Context } from 'hono';
import { orUnavailable } from '../routes/history.ts';
import { bisectionSection, confirmationSection } from './evidence-sections.ts';
import { esc, htmlPage, pageResponse, webUrl } from './html.ts';
import { PAGE_STYLE } from './style.ts';
import { type ChartPoint, formatNumber, lineChart } from './svg-chart.ts';

/** Points drawn on each side of the change. */
const AROUND = 30;

/** The fields this page knows; any other field of a record is shown as it is, under "More". */
const KNOWN = new Set([
  'id',
  'series',
  'detector',
  'kind',
  'status',
  'lastGood',
  'firstBad',
  'before',
  'after',
  'change',
  'changeCi',
  'pValue',
  'runs',
  'createdAt',
  'updatedAt',
  'confirmation',
  'bisection',
]);

/** What the page shows beside the record itself. */
export interface RegressionEvidence {
  /** The series around the change, oldest first; null when its history cannot be read. */
  points: readonly HistoryPoint[] | null;
  /** Facts of the record's runs (and its first bad and last good run). */
  runs: readonly RunFacts[];
}

/** Reads the series around the change and the facts of the runs involved. */
async function regressionEvidence(results: ResultsDb, regression: Regression): Promise<RegressionEvidence> {
  const { series } = regression;
  let points: readonly HistoryPoint[] | null = null;
  try {
    const history = await results.history({
      benchmark: series.benchmark,
      measure: series.measure,
      minion: series.minion,
      branch: series.branch,
      result: series.result,
      params: series.params,
      limit: 1000,
    });
    const at = history.points.findIndex((p) => p.runId === regression.firstBad.runId);
    const end = at < 0 ? history.points.length : at + AROUND;
    points = history.points.slice(Math.max(0, end - 2 * AROUND), end);
  } catch (error) {
    // The series was renamed or reindexed away: the record still stands, without its chart.
    if (!(error instanceof HistoryQueryError)) throw error;
  }
  const ids = new Set([...regression.runs, regression.firstBad.runId]);
  if (regression.lastGood) ids.add(regression.lastGood.runId);
  return { points, runs: await results.runFacts([...ids]) };
}

/** A commit's page when the repository is on the web (GitHub, GitLab, Gitea and the like). */
export function commitUrl(repository: string | null, sha: string): string | null {
  if (!repository || !webUrl(repository) || !/^[0-9a-f]{7,64}$/i.test(sha)) return null;
  return `${repository.replace(/\/+$/, '').replace(/\.git$/, '')}/commit/${sha}`;
}

const percent = (x: number) => `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

function level(l: Regression['before'], unit: string): string {
  const ci = l.ci
    ? ` <span class="ci">(${esc(formatNumber(l.ci.lower))} … ${esc(formatNumber(l.ci.upper))})</span>`
    : '';
  return `${esc(formatNumber(l.median))} ${esc(unit)}${ci}`;
}

/** A commit's short sha, linked to its web page when the repository has one. */
function commitLink(repository: string | null): (sha: string) => string {
  return (sha) => {
    const url = commitUrl(repository, sha);
    const short = esc(sha.slice(0, 12));
    return url ? `<a href="${esc(url)}"><code>${short}</code></a>` : `<code>${short}</code>`;
  };
}

function commitCell(commit: { commit: string; runId: string } | null, repository: string | null): string {
  if (!commit) return '<em>none (first point of the series)</em>';
  const sha = commitLink(repository)(commit.commit);
  return `${sha} run <a href="/runs/${esc(encodeURIComponent(commit.runId))}"><code>${esc(commit.runId)}</code></a>`;
}

/** The environment fingerprints after the change that no run before it had, if any. */
function fingerprintChange(regression: Regression, runs: readonly RunFacts[]): string {
  const byRun = new Map(runs.map((r) => [r.runId, r.environmentFingerprint]));
  const split = regression.runs.indexOf(regression.firstBad.runId);
  const beforeIds =
    split < 0
      ? regression.runs.filter((id) => id !== regression.firstBad.runId)
      : regression.runs.slice(0, split);
  const afterIds = split < 0 ? [regression.firstBad.runId] : regression.runs.slice(split);
  const side = (ids: string[]) => new Set(ids.flatMap((id) => byRun.get(id) ?? []));
  const before = side(beforeIds);
  const after = side(afterIds);
  const added = [...after].filter((f) => !before.has(f));
  if (before.size === 0 || added.length === 0) return '';
  const list = (s: Iterable<string>) => [...s].map((f) => `<code>${esc(f)}</code>`).join(', ');
  return `<h2>Possible cause</h2><p class="cause">The environment fingerprint changed with the change: runs before it had ${list(before)}, runs after it ${list(after)}. The machine's set-up (CPU, governor, kernel, Node, …) differs, which alone can move a benchmark. Compare the runs' manifests before suspecting the code.</p>`;
}

function extraFields(regression: Regression): string {
  const extra = Object.entries(regression).filter(([key, value]) => !KNOWN.has(key) && value !== undefined);
  if (extra.length === 0) return '';
  const rows = extra.map(
    ([key, value]) =>
      `<tr><th>${esc(key)}</th><td><pre>${esc(JSON.stringify(value, null, 2))}</pre></td></tr>`,
  );
  return `<h2>More</h2><table class="facts">${rows.join('')}</table>`;
}

function chartSection(regression: Regression, points: readonly HistoryPoint[] | null): string {
  if (!points || points.length === 0) return '<h2>Series</h2><p>The series has no stored points to draw.</p>';
  const chartPoints: ChartPoint[] = points.map((p) => ({
    value: p.median ?? p.value,
    lower: p.ci?.lower ?? null,
    upper: p.ci?.upper ?? null,
    label: p.commit.slice(0, 7),
  }));
  const at = points.findIndex((p) => p.runId === regression.firstBad.runId);
  const { series } = regression;
  const svg = lineChart({
    points: chartPoints,
    changeIndex: at < 0 ? null : at,
    before: regression.before,
    after: regression.after,
    unit: series.unit,
    title: `${series.benchmark} ${series.measure} around the change`,
  });
  return `<h2>Series around the change</h2>
<p>${points.length} points in first-parent order (median of each run's samples, with its interval); the dashed lines are the levels before and after the change.</p>
<figure>${svg}</figure>`;
}

/** The regression page: the record's facts, the series around the change, and a possible cause. */
function renderRegressionPage(
  regression: Regression,
  evidence: RegressionEvidence,
): { html: string; csp: string } {
  const { series } = regression;
  const facts = new Map(evidence.runs.map((r) => [r.runId, r]));
  const repository = facts.get(regression.firstBad.runId)?.repository ?? null;
  const params = Object.entries(series.params)
    .map(([k, v]) => `${esc(k)}=${esc(v)}`)
    .join(', ');
  const change =
    regression.change === null
      ? 'unknown'
      : `${percent(regression.change)}${regression.changeCi ? ` (interval ${percent(regression.changeCi.lower)} … ${percent(regression.changeCi.upper)})` : ''}`;
  const title = `${regression.kind} of ${series.benchmark} ${series.measure}`;
  const rows: [string, string][] = [
    ['Status', `<span class="status">${esc(regression.status)}</span>`],
    ['Kind', `<span class="kind-${esc(regression.kind)}">${esc(regression.kind)}</span>`],
    [
      'Benchmark',
      `<code>${esc(series.benchmark)}</code> result <code>${esc(series.result)}</code>${params ? ` (${params})` : ''}`,
    ],
    [
      'Measure',
      `${esc(series.measure)} in ${esc(series.unit)}${series.direction ? `, ${esc(series.direction)} is better` : ''}`,
    ],
    ['Minion', esc(series.minion)],
    ['Branch', esc(series.branch)],
    ['Last good', commitCell(regression.lastGood, repository)],
    ['First bad', commitCell(regression.firstBad, repository)],
    ['Before', level(regression.before, series.unit)],
    ['After', level(regression.after, series.unit)],
    ['Change', esc(change)],
    ['p-value', regression.pValue === null ? 'none' : esc(regression.pValue.toPrecision(3))],
    ['Detector', esc(regression.detector)],
    ['Recorded', `${esc(regression.createdAt)} (updated ${esc(regression.updatedAt)})`],
  ];
  const runs = regression.runs
    .map((id) => `<li><a href="/runs/${esc(encodeURIComponent(id))}"><code>${esc(id)}</code></a></li>`)
    .join('');
  const body = `<main class="${esc(regression.kind)}">
<h1>${esc(title)}</h1>
<p>Record <code>${esc(regression.id)}</code> (as JSON: the same URL with <code>Accept: application/json</code>)</p>
<table class="facts">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>
${fingerprintChange(regression, evidence.runs)}
${chartSection(regression, evidence.points)}
${confirmationSection(regression, series.unit)}
${bisectionSection(regression.bisection, series.unit, commitLink(repository))}
<h2>Runs involved (${regression.runs.length})</h2>
<ul class="runs">${runs}</ul>
${extraFields(regression)}
</main>`;
  return htmlPage(`${title} · benchrunner`, PAGE_STYLE, body);
}

/** `GET /regressions/:id` for a browser: the page, with a policy that lets it load nothing else. */
export async function regressionPageResponse(c: Context, results: ResultsDb, regression: Regression) {
  return pageResponse(
    c,
    renderRegressionPage(regression, await orUnavailable(regressionEvidence(results, regression))),
  );
}
