import type { Regression, RegressionStatus } from '@benchrunner/results-db';

/** A regression record that reached a status; `previous` is null for a record just made. */
export interface StatusChange {
  regression: Regression;
  previous: RegressionStatus | null;
}

/** What every message needs besides the record. */
export interface MessageContext {
  project: string;
  /** Base URL of the API (PUBLIC_URL); links are left out without it. */
  publicUrl?: string;
}

/** The regression's page on the API, or undefined without a public URL. */
export function regressionUrl(context: MessageContext, id: string): string | undefined {
  return context.publicUrl
    ? `${context.publicUrl.replace(/\/+$/, '')}/regressions/${encodeURIComponent(id)}`
    : undefined;
}

const STATUS_WORD: Record<RegressionStatus, string> = {
  suspected: 'Suspected',
  confirming: 'Confirming',
  confirmed: 'Confirmed',
  noise: 'Dismissed as noise:',
  acknowledged: 'Acknowledged',
  fixed: 'Fixed',
};

/** `add file latency {fileSet=One4MBFile}`: the result, its params and the measure. */
export function seriesLabel(regression: Regression): string {
  const { series } = regression;
  const params = Object.entries(series.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const result = series.result === series.benchmark ? series.result : `${series.benchmark}/${series.result}`;
  return `${result} ${series.measure}${params ? ` {${params}}` : ''}`;
}

/** `+12.3 %`, or `n/a`. */
export function percent(change: number | null | undefined): string {
  if (change === null || change === undefined || !Number.isFinite(change)) return 'n/a';
  const p = change * 100;
  return `${p > 0 ? '+' : ''}${p.toFixed(Math.abs(p) < 10 ? 2 : 1)} %`;
}

/** `+12.3 % (95 % CI +10.1 % to +14.0 %)`. */
export function changeWithCi(regression: Pick<Regression, 'change' | 'changeCi'>): string {
  const ci = regression.changeCi;
  return ci
    ? `${percent(regression.change)} (CI ${percent(ci.lower)} to ${percent(ci.upper)})`
    : percent(regression.change);
}

export function pValueText(p: number | null): string {
  if (p === null) return 'n/a';
  return p < 0.0001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

export function shortSha(commit: string): string {
  return /^[0-9a-f]{40}$/.test(commit) ? commit.slice(0, 8) : commit;
}

/** `a1b2c3d4..e5f6a7b8`, or the first bad commit alone. */
export function commitRange(regression: Regression): string {
  const bad = shortSha(regression.firstBad.commit);
  return regression.lastGood ? `${shortSha(regression.lastGood.commit)}..${bad}` : bad;
}

/** `Confirmed regression: add file latency +20.1 % on local (main)`. */
export function headline(change: StatusChange): string {
  const r = change.regression;
  return `${STATUS_WORD[r.status]} ${r.kind}: ${seriesLabel(r)} ${percent(r.change)} on ${r.series.minion} (${r.series.branch})`;
}

/** `text` cut to `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
