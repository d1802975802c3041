import type { RunManifest } from '@benchrunner/core';
import { type ComparisonRow, compareResults, formatMeasure } from '@benchrunner/results';
import { clip, percent, shortSha } from './message.ts';

/** A pull request run compared with the latest result of its base branch on the same minion. */
export interface PullRequestReport {
  runId: string;
  minion: string;
  pullRequest: { number: number; baseBranch: string; headBranch: string | null };
  /** The commit the run measured (the pull request's head). */
  commit: string;
  /** The base branch's run compared with, or null when the base branch has none on this minion. */
  base: { runId: string; commit: string } | null;
  rows: ReportRow[];
  /** The noise check found the minion noisy during the run or during the base run. */
  noisy: { run: boolean; base: boolean };
  counts: { regressed: number; improved: number; changed: number; unchanged: number; untested: number };
}

export interface ReportRow {
  benchmark: string;
  params: Record<string, string>;
  measure: string;
  unit: string;
  baseMedian: number | null;
  prMedian: number | null;
  change: number | null;
  changeCi: { lower: number; upper: number } | null;
  pValue: number | null;
  verdict: ComparisonRow['verdict'];
}

/** `pull/7/head`-style branches, which GitHub pull request runs get. */
const PULL_BRANCH = /^pull\/(\d+)\/(head|merge)$/;

/** The pull request a run belongs to, or null for a branch run. `defaultBase`: the suite's target branch. */
export function pullRequestOf(
  manifest: RunManifest,
  defaultBase: string,
): PullRequestReport['pullRequest'] | null {
  const pr = manifest.target?.pullRequest;
  if (pr) return pr;
  const number = PULL_BRANCH.exec(manifest.target?.branch ?? manifest.request.branch ?? '')?.[1];
  return number ? { number: Number(number), baseBranch: defaultBase, headBranch: null } : null;
}

/**
 * Compares every measure of a pull request run with the base run's (`compare`'s rules: samples where
 * there are some, false discovery rate across the rows, an interval excluding zero, `minChange`).
 */
export function pullRequestReport(
  run: RunManifest,
  pullRequest: PullRequestReport['pullRequest'],
  base: RunManifest | null,
  options: { minChange?: number; alpha?: number } = {},
): PullRequestReport {
  const rows = compareResults(base?.results ?? [], run.results, {
    ...(options.minChange !== undefined ? { minChange: options.minChange } : {}),
    ...(options.alpha !== undefined ? { alpha: options.alpha } : {}),
  })
    .filter((row) => row.verdict !== 'only in A')
    .map(
      (row): ReportRow => ({
        benchmark: row.benchmark,
        params: row.params,
        measure: row.measure,
        unit: row.unit,
        baseMedian: row.a?.median ?? null,
        prMedian: row.b?.median ?? null,
        change: row.change,
        changeCi: row.changeCi ? { lower: row.changeCi.lower, upper: row.changeCi.upper } : null,
        pValue: row.pAdjusted,
        verdict: row.verdict,
      }),
    );
  const counts = { regressed: 0, improved: 0, changed: 0, unchanged: 0, untested: 0 };
  for (const row of rows) {
    if (row.verdict === 'regressed') counts.regressed++;
    else if (row.verdict === 'improved') counts.improved++;
    else if (row.verdict === 'changed') counts.changed++;
    else if (row.verdict === 'no significant change') counts.unchanged++;
    else counts.untested++;
  }
  return {
    runId: run.id,
    minion: run.minion,
    pullRequest,
    commit: run.target?.commit.sha ?? run.request.commit,
    base: base ? { runId: base.id, commit: base.target?.commit.sha ?? base.request.commit } : null,
    rows,
    noisy: { run: run.noisy === true, base: base?.noisy === true },
    counts,
  };
}

/** The hidden line that finds a report's comment again: one per project and minion on a pull request. */
export function reportMarker(project: string, minion: string): string {
  return `<!-- benchrunner:pr-report project=${encodeURIComponent(project)} minion=${encodeURIComponent(minion)} -->`;
}

const VERDICT: Record<ReportRow['verdict'], string> = {
  regressed: '🔴 regressed',
  improved: '🟢 improved',
  changed: '🟡 changed',
  'no significant change': '⚪ no change',
  'no test': 'no test (one sample)',
  'too few samples': 'too few samples',
  'only in A': 'removed',
  'only in B': 'new',
  'unit mismatch': 'unit differs',
};

/** GitHub refuses comment bodies over 65,536 characters. */
const MAX_BODY = 65_000;

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function median(value: number | null, unit: string): string {
  return value === null ? '–' : formatMeasure(value, unit);
}

/** The report as a GitHub comment: marker, summary, one table row per benchmark measure. */
export function reportMarkdown(report: PullRequestReport, project: string, runUrl?: string): string {
  const { counts, pullRequest, base } = report;
  const lines = [
    reportMarker(project, report.minion),
    `### benchrunner: ${cell(project)} on \`${cell(report.minion)}\``,
    '',
    base
      ? `\`${shortSha(report.commit)}\` compared with \`${cell(pullRequest.baseBranch)}\` at \`${shortSha(base.commit)}\`: ` +
        `${counts.regressed} regressed, ${counts.improved} improved, ${counts.changed} changed, ` +
        `${counts.unchanged} without significant change, ${counts.untested} not tested.`
      : `\`${shortSha(report.commit)}\`: no result of \`${cell(pullRequest.baseBranch)}\` on \`${cell(report.minion)}\` to compare with yet.`,
    `Run ${runUrl ? `[${report.runId}](${runUrl})` : `\`${report.runId}\``}.`,
    ...(report.noisy.run || report.noisy.base
      ? [
          '',
          `> ⚠️ The noise check found \`${cell(report.minion)}\` noisy during ${report.noisy.run ? 'this run' : 'the base run'}${report.noisy.run && report.noisy.base ? ' and the base run' : ''}: take the verdicts with care.`,
        ]
      : []),
    '',
    '| benchmark | measure | base median | PR median | change | CI | p | verdict |',
    '|---|---|--:|--:|--:|---|--:|---|',
  ];
  const footer = ['', '<sub>Updated in place on every run of this pull request.</sub>'];
  let size = lines.join('\n').length + footer.join('\n').length + 100;
  let shown = 0;
  for (const row of report.rows) {
    const params = Object.entries(row.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const ci = row.changeCi ? `${percent(row.changeCi.lower)} to ${percent(row.changeCi.upper)}` : '–';
    const line = `| ${cell(clip(row.benchmark + (params ? ` {${params}}` : ''), 200))} | ${cell(row.measure)} | ${median(row.baseMedian, row.unit)} | ${median(row.prMedian, row.unit)} | ${percent(row.change)} | ${ci} | ${row.pValue === null ? '–' : row.pValue.toPrecision(2)} | ${VERDICT[row.verdict]} |`;
    if (size + line.length + 1 > MAX_BODY) break;
    size += line.length + 1;
    lines.push(line);
    shown++;
  }
  if (shown < report.rows.length)
    lines.push('', `${report.rows.length - shown} more rows left out (size limit).`);
  return [...lines, ...footer].join('\n');
}
