import { createHash } from 'node:crypto';
import type { DetectSpec } from '@benchrunner/core';
import {
  DEFAULT_MIN_CHANGE,
  type Direction,
  describeSamples,
  detectChangePoints,
  median,
  type SeriesVerdict,
} from '@benchrunner/results';
import type { Detection, DetectSettingsOf, Regression, RegressionStatus } from './results-db.ts';
import type { RegressionTable } from './schema.ts';

/** One stored point of a series, in first-parent order. */
export interface StoredPoint {
  runId: string;
  commit: string;
  value: number;
  samples: number[] | null;
}

/** A change a detector found; the database adds status and times. */
export type Finding = Omit<RegressionTable, 'status' | 'confirmation' | 'created_at' | 'updated_at'>;

/** How many of a series' latest points change-point detection looks at after each run. */
export const CHANGE_POINT_WINDOW = 200;

/** A change point this many points or fewer from a recorded change is that change, found again. */
export const SAME_CHANGE = 2;

/** A suite's `detect` settings per benchmark: the benchmark's fields over the suite's. */
export function suiteDetectSettings(spec: {
  detect?: DetectSpec | undefined;
  benchmarks: readonly { name: string; detect?: DetectSpec | undefined }[];
}): DetectSettingsOf {
  return (benchmark) => {
    const own = spec.benchmarks.find((b) => b.name === benchmark)?.detect;
    return spec.detect || own ? { ...spec.detect, ...own } : undefined;
  };
}

/** Pull-request runs are compared with their base branch elsewhere; they never enter detection. */
export function isPullRequestBranch(branch: string, prNumber: number | null): boolean {
  return prNumber !== null || /^pull\/\d+\/(head|merge)$/.test(branch);
}

/** One record per series, first bad commit and detector, the same on every database and reindex. */
function regressionId(seriesKey: string, firstBadCommit: string, detector: string): string {
  return createHash('sha256')
    .update(JSON.stringify([seriesKey, firstBadCommit, detector]))
    .digest('hex')
    .slice(0, 20);
}

/** A point's level: the median of its samples when it has them, else its value. */
function levelOf(point: StoredPoint): number {
  return point.samples && point.samples.length > 0 ? median(point.samples) : point.value;
}

/** Median and its interval of a set of values. */
function level(values: number[]): { median: number; lower: number | null; upper: number | null } {
  const stats = describeSamples(values);
  return { median: stats.median, lower: stats.medianCi?.lower ?? null, upper: stats.medianCi?.upper ?? null };
}

type Levels = ReturnType<typeof level>;

/** The columns of a finding that say where the change lies and the levels on either side. */
function rangeAndLevels(lastGood: StoredPoint, firstBad: StoredPoint, before: Levels, after: Levels) {
  return {
    last_good_commit: lastGood.commit,
    last_good_run: lastGood.runId,
    first_bad_commit: firstBad.commit,
    first_bad_run: firstBad.runId,
    before_median: before.median,
    before_ci_lower: before.lower,
    before_ci_upper: before.upper,
    after_median: after.median,
    after_ci_lower: after.lower,
    after_ci_upper: after.upper,
  };
}

/** Pooled samples when every point has them, else the points' levels. */
function pooled(points: readonly StoredPoint[]): number[] {
  return points.every((p) => p.samples && p.samples.length > 0)
    ? points.flatMap((p) => p.samples ?? [])
    : points.map(levelOf);
}

/**
 * The baseline of a new point: the window's points after the latest change already recorded (its
 * first bad point starts the new level), so one change is reported once, not by every run after it.
 */
export function sinceLastChange(baseline: readonly StoredPoint[], firstBadRuns: ReadonlySet<string>) {
  const last = baseline.findLastIndex((p) => firstBadRuns.has(p.runId));
  return last < 0 ? [...baseline] : baseline.slice(last);
}

const KIND: Partial<Record<SeriesVerdict['verdict'], Finding['kind']>> = {
  regressed: 'regression',
  improved: 'improvement',
  changed: 'change',
};

/** A record of the per-run test's verdict on a series' new point, or null when it found no change. */
export function baselineFinding(
  seriesKey: string,
  verdict: SeriesVerdict,
  candidate: StoredPoint,
  baseline: readonly StoredPoint[],
): Finding | null {
  const kind = KIND[verdict.verdict];
  const previous = baseline.at(-1);
  if (!kind || !previous) return null;
  const before = level(pooled(baseline));
  const after = level(pooled([candidate]));
  return {
    id: regressionId(seriesKey, candidate.commit, 'baseline'),
    series_key: seriesKey,
    detector: 'baseline',
    kind,
    ...rangeAndLevels(previous, candidate, before, after),
    change: verdict.change,
    change_ci_lower: verdict.changeCi?.lower ?? null,
    change_ci_upper: verdict.changeCi?.upper ?? null,
    p_value: verdict.pAdjusted,
    runs: JSON.stringify([...baseline.map((p) => p.runId), candidate.runId]),
  };
}

/** An open record of a series, as change-point detection needs it. */
export interface OpenRecord {
  id: string;
  firstBadRun: string;
  beforeMedian: number;
  afterMedian: number;
}

/**
 * Change points of a series' latest points (E-Divisive, minimum relative change `minChange`):
 * findings for those not already recorded near the same point, and the open records that a later
 * change point returns to their old level (within `minChange`), which are then fixed.
 */
export function changePointFindings(
  seriesKey: string,
  points: readonly StoredPoint[],
  settings: DetectSpec,
  direction: Direction | null,
  recorded: readonly OpenRecord[],
): { findings: Finding[]; fixed: string[] } {
  const minChange = settings.minChange ?? DEFAULT_MIN_CHANGE;
  const changes = detectChangePoints(
    points.map((p) => ({ value: p.value, ...(p.samples ? { samples: p.samples } : {}) })),
    { minMagnitude: minChange },
  );
  const indexOf = new Map(points.map((p, i) => [p.runId, i]));
  const findings: Finding[] = [];
  const fixed = new Set<string>();
  changes.forEach((cp, k) => {
    const start = changes[k - 1]?.index ?? 0;
    const end = changes[k + 1]?.index ?? points.length;
    const beforePoints = points.slice(start, cp.index);
    const afterPoints = points.slice(cp.index, end);
    const firstBad = points[cp.index];
    const lastGood = points[cp.index - 1];
    if (!firstBad || !lastGood) return;
    const before = level(beforePoints.map(levelOf));
    const after = level(afterPoints.map(levelOf));
    const change = before.median === 0 ? null : (after.median - before.median) / Math.abs(before.median);
    for (const record of recorded) {
      const at = indexOf.get(record.firstBadRun);
      if (at === undefined || at >= cp.index || record.beforeMedian === 0) continue;
      const back = Math.abs(after.median - record.beforeMedian) / Math.abs(record.beforeMedian);
      const reverses =
        Math.sign(after.median - before.median) !== Math.sign(record.afterMedian - record.beforeMedian);
      if (reverses && back < minChange) fixed.add(record.id);
    }
    const known = recorded.some((r) => {
      const at = indexOf.get(r.firstBadRun);
      return at !== undefined && Math.abs(at - cp.index) <= SAME_CHANGE;
    });
    if (known) return;
    const up = after.median > before.median;
    const kind: Finding['kind'] =
      direction === null ? 'change' : up === (direction === 'lower') ? 'regression' : 'improvement';
    findings.push({
      id: regressionId(seriesKey, firstBad.commit, 'change-point'),
      series_key: seriesKey,
      detector: 'change-point',
      kind,
      ...rangeAndLevels(lastGood, firstBad, before, after),
      change,
      change_ci_lower: null,
      change_ci_upper: null,
      p_value: Number.isNaN(cp.pValue) ? null : cp.pValue,
      runs: JSON.stringify([...beforePoints, ...afterPoints].map((p) => p.runId)),
    });
  });
  return { findings, fixed: [...fixed] };
}

/**
 * A run's detection as its caller sees it: the records found (in the order found), the records
 * written now as `null` -> `suspected`, then every record the run's change points fixed, now (from
 * its status before) or earlier (from null).
 */
export function detectionOf(
  records: readonly Regression[],
  found: ReadonlySet<string>,
  made: readonly string[],
  fixedFrom: ReadonlyMap<string, RegressionStatus>,
  fixed: ReadonlySet<string>,
): Detection {
  const byId = new Map(records.map((r) => [r.id, r]));
  const changes: Detection['changes'] = [];
  for (const id of new Set(made)) {
    const regression = byId.get(id);
    if (regression?.status === 'suspected') changes.push({ regression, from: null, to: 'suspected' });
  }
  for (const id of fixed) {
    const regression = byId.get(id);
    if (regression?.status === 'fixed')
      changes.push({ regression, from: fixedFrom.get(id) ?? null, to: 'fixed' });
  }
  return { found: records.filter((r) => found.has(r.id)), changes };
}
