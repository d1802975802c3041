import { InputError } from '@benchrunner/core';
import { studentTTwoSided } from './distributions.ts';

/** What a significance tester says about the two sides of a change point. */
export interface SplitStats {
  /** Two-sided p-value of "both sides come from one distribution"; NaN when undefined. */
  pValue: number;
  /** Estimates of the level before and after (means for Otava's t-test, medians for ours). */
  before: number;
  after: number;
  /** Size of the change as a non-negative relative number (Otava: max of both directions). */
  magnitude: number;
}

/** Compares the values before a change point with those after it. */
export type SplitTester = (left: Float64Array, right: Float64Array) => SplitStats;

/** A change point: `index` is the 0-based position of the first point after the change. */
export interface ChangePoint extends SplitStats {
  index: number;
}

/** Parameters of {@link eDivisive}, named as Otava names them. */
export interface EDivisiveOptions {
  /** Sliding window length (Otava `window_len`, default 50). */
  window?: number;
  /** Final significance level (Otava `max_pvalue`, default 0.001). */
  maxPValue?: number;
  /** Smallest relative change kept in the merge step (Otava `min_magnitude`, default 0). */
  minMagnitude?: number;
  /** Significance test of a split; Otava's Student t-test by default. */
  tester?: SplitTester;
}

/**
 * Otava's significance test: Student's t-test with pooled variance of the two sides' means, fed
 * with population standard deviations (numpy's default `ddof=0`) as Otava does.
 */
export function otavaTTest(left: Float64Array, right: Float64Array): SplitStats {
  const n1 = left.length;
  const n2 = right.length;
  const m1 = mean(left);
  const m2 = mean(right);
  const v1 = n1 >= 2 ? populationVariance(left, m1) : 0;
  const v2 = n2 >= 2 ? populationVariance(right, m2) : 0;
  let pValue = 1;
  if (n1 + n2 > 2) {
    const df = n1 + n2 - 2;
    const pooled = ((n1 - 1) * v1 + (n2 - 1) * v2) / df;
    const t = (m1 - m2) / Math.sqrt(pooled * (1 / n1 + 1 / n2));
    pValue = studentTTwoSided(t, df);
  }
  return { pValue, before: m1, after: m2, magnitude: relativeMagnitude(m1, m2) };
}

/** Otava's change magnitude: the larger of |after/before - 1| and |before/after - 1|, a zero level counting 0. */
export function relativeMagnitude(before: number, after: number): number {
  const forward = before === 0 ? 0 : after / before - 1;
  const backward = after === 0 ? 0 : before / after - 1;
  return Math.max(Math.abs(forward), Math.abs(backward));
}

function mean(values: Float64Array): number {
  let sum = 0;
  for (const x of values) sum += x;
  return sum / values.length;
}

function populationVariance(values: Float64Array, m: number): number {
  let sum = 0;
  for (const x of values) sum += (x - m) * (x - m);
  return sum / values.length;
}

interface Interval {
  start: number;
  stop: number;
}

/**
 * Change points of a series by E-Divisive means with a sliding window and a merge step, ported
 * from Apache Otava (`otava/analysis.py` `compute_change_points`, `otava/change_point_divisive/`):
 * given the same parameters it returns the same indices. Pure and deterministic.
 *
 * Split: windows of `window` points advance by half a window (or to the last change point found);
 * in each, E-Divisive keeps splitting at the point that maximizes the energy statistic Q-hat while
 * the split passes the tester at a relaxed level (10x `maxPValue` below 0.05). Merge: the weakest
 * change point is dropped, and its neighbours re-tested, until every p-value is below `maxPValue`
 * and every magnitude above `minMagnitude`.
 *
 * @throws InputError on a non-finite value or a window below 2.
 */
export function eDivisive(series: readonly number[], options: EDivisiveOptions = {}): ChangePoint[] {
  const window = options.window ?? 50;
  const maxPValue = options.maxPValue ?? 0.001;
  const minMagnitude = options.minMagnitude ?? 0;
  const tester = options.tester ?? otavaTTest;
  if (!(Number.isInteger(window) && window >= 2)) {
    throw new InputError(`window must be an integer of at least 2, got ${window}`);
  }
  series.forEach((x, i) => {
    if (!Number.isFinite(x)) throw new InputError(`series[${i}]: expected a finite number, got ${x}`);
  });
  const values = Float64Array.from(series);
  const firstPass = maxPValue < 0.05 ? maxPValue * 10 : maxPValue < 0.5 ? maxPValue * 2 : maxPValue;
  const weak = split(values, window, firstPass, tester);
  return merge(weak, values, maxPValue, minMagnitude, tester);
}

function split(series: Float64Array, window: number, maxPValue: number, tester: SplitTester): ChangePoint[] {
  const step = Math.floor(window / 2);
  const found = new Map<number, ChangePoint>();
  for (let start = 0; start < series.length; ) {
    const end = Math.min(start + window, series.length);
    const points = detectInWindow(series.subarray(start, end), maxPValue, tester);
    for (const point of points) {
      point.index += start;
      if (!found.has(point.index)) found.set(point.index, point);
    }
    const last = points.length > 0 ? points[points.length - 1]!.index : 0;
    start = Math.max(last, start + step);
  }
  const points = [...found.values()].sort((x, y) => x.index - y.index);
  const intervals = intervalsOf(points, series.length);
  return points.map((p) => testAt(p.index, series, intervals, tester));
}

function merge(
  points: ChangePoint[],
  series: Float64Array,
  maxPValue: number,
  minMagnitude: number,
  tester: SplitTester,
): ChangePoint[] {
  while (points.length > 0) {
    // Python's max/min keep the first of equal keys, and NaN never compares greater: so do these.
    let weakest = 0;
    for (let i = 1; i < points.length; i++) if (points[i]!.pValue > points[weakest]!.pValue) weakest = i;
    if (points[weakest]!.pValue < maxPValue) {
      weakest = 0;
      for (let i = 1; i < points.length; i++) {
        if (points[i]!.magnitude < points[weakest]!.magnitude) weakest = i;
      }
      if (points[weakest]!.magnitude > minMagnitude) return points;
    }
    points.splice(weakest, 1);
    const intervals = intervalsOf(points, series.length);
    // Otava re-tests the point now at the removed one's position and the one after it.
    for (const i of [weakest, weakest + 1]) {
      if (i < points.length) points[i] = testAt(points[i]!.index, series, intervals, tester);
    }
  }
  return points;
}

/** E-Divisive within one window, as Otava's ChangePointDetector: indices local to the window. */
function detectInWindow(series: Float64Array, maxPValue: number, tester: SplitTester): ChangePoint[] {
  const energy = new EnergyCalculator(series);
  const points: ChangePoint[] = [];
  for (;;) {
    const intervals = intervalsOf(points, series.length);
    let best: { index: number; qhat: number } | undefined;
    for (const interval of intervals) {
      if (interval.stop - interval.start < 2) continue;
      const candidate = energy.candidate(interval.start, interval.stop);
      if (best === undefined || candidate.qhat > best.qhat) best = candidate;
    }
    if (best === undefined) break;
    const point = testAt(best.index, series, intervals, tester);
    if (!(point.pValue <= maxPValue)) break;
    points.push(point);
    points.sort((x, y) => x.index - y.index);
  }
  return points;
}

function intervalsOf(points: readonly ChangePoint[], length: number): Interval[] {
  const intervals: Interval[] = [];
  for (let i = 0; i <= points.length; i++) {
    const start = i === 0 ? 0 : points[i - 1]!.index;
    const stop = i === points.length ? length : points[i]!.index;
    if (start !== stop) intervals.push({ start, stop });
  }
  return intervals;
}

/**
 * Tests a split at `index`: against the next interval when `index` ends one (an existing change
 * point), else inside the interval that holds it (a new candidate).
 */
function testAt(
  index: number,
  series: Float64Array,
  intervals: Interval[],
  tester: SplitTester,
): ChangePoint {
  for (let i = 0; i < intervals.length; i++) {
    const interval = intervals[i]!;
    let left: Interval | undefined;
    let right: Interval | undefined;
    if (interval.stop === index) {
      left = interval;
      right = intervals[i + 1];
    } else if (interval.start < index && index < interval.stop) {
      left = { start: interval.start, stop: index };
      right = { start: index, stop: interval.stop };
    }
    if (left !== undefined && right !== undefined) {
      const stats = tester(series.subarray(left.start, left.stop), series.subarray(right.start, right.stop));
      return { index, ...stats };
    }
  }
  throw new Error(`change point ${index} matches no interval`);
}

/**
 * The energy statistic Q-hat of every split of an interval, computed as Otava's
 * PairDistanceCalculator does (same sums in the same order, so ties and near-ties resolve alike).
 * Memory is one triangle of partial sums (window squared), not Otava's several square matrices.
 */
class EnergyCalculator {
  private readonly series: Float64Array;
  /** v[c] = sum over r <= c of |x_r - x_(c+1)|. */
  private readonly v: Float64Array;
  /** h[t][c] = sum over t <= c' <= c of |x_t - x_(c'+1)|, zero below the diagonal. */
  private readonly h: Float64Array;
  private readonly m: number;

  constructor(series: Float64Array) {
    this.series = series;
    const m = Math.max(0, series.length - 1);
    this.m = m;
    this.v = new Float64Array(m);
    this.h = new Float64Array(m * m);
    for (let c = 0; c < m; c++) {
      let sum = 0;
      for (let r = 0; r <= c; r++) sum += Math.abs(series[r]! - series[c + 1]!);
      this.v[c] = sum;
    }
    for (let t = 0; t < m; t++) {
      let sum = 0;
      for (let c = t; c < m; c++) {
        sum += Math.abs(series[t]! - series[c + 1]!);
        this.h[t * m + c] = sum;
      }
    }
  }

  /** The split of series[start:end] maximizing Q-hat over (tau, kappa), first in row-major order. */
  candidate(start: number, end: number): { index: number; qhat: number } {
    const x = this.series;
    const big = this.m;
    const m = end - 1 - start;
    const cumV = new Float64Array(m);
    let runningV = 0;
    for (let a = 0; a < m; a++) {
      let above = 0;
      for (let r = 0; r < start; r++) above += Math.abs(x[r]! - x[start + a + 1]!);
      runningV += this.v[start + a]! - above;
      cumV[a] = runningV;
    }
    // Column j of the local h: cum[i] = sum over a <= i, suf[i] = sum over a >= i (from the bottom).
    const cum = new Float64Array(m);
    const suf = new Float64Array(m + 1);
    let bestI = 0;
    let bestJ = 0;
    let best = Number.NEGATIVE_INFINITY;
    // numpy's argmax takes the first maximum in row-major order: compare (i, j) on ties.
    const consider = (q: number, i: number, j: number) => {
      if (q > best || (q === best && (i < bestI || (i === bestI && j < bestJ)))) {
        best = q;
        bestI = i;
        bestJ = j;
      }
    };
    for (let j = 0; j < m; j++) {
      const column = start + j;
      let sum = 0;
      for (let i = 0; i < m; i++) {
        if (i <= j) sum += this.h[(start + i) * big + column]!;
        cum[i] = sum;
      }
      sum = 0;
      for (let i = m - 1; i >= 1; i--) {
        if (i <= j) sum += this.h[(start + i) * big + column]!;
        suf[i] = sum;
      }
      const kappa = j + 2 + start;
      for (let i = 0; i <= j; i++) {
        const tau = i + 1 + start;
        const a = (2 / (kappa - start)) * (cum[i]! - (i >= 1 ? cumV[i - 1]! : 0));
        const b = i >= 1 ? ((2 * (kappa - tau)) / ((kappa - start) * (tau - start - 1))) * cumV[i - 1]! : 0;
        const c =
          j > i && i + 1 < m
            ? ((2 * (tau - start)) / ((kappa - start) * (kappa - tau - 1))) * suf[i + 1]!
            : 0;
        consider(a - b - c, i, j);
      }
    }
    // Otava's Q matrix holds zeros below the diagonal; the first of them in row-major order is (1, 0).
    if (m >= 2) consider(0, 1, 0);
    return { index: bestI + 1 + start, qhat: best };
  }
}
