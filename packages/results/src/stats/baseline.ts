import { InputError } from '@benchrunner/core';
import type { SeriesPoint } from './change-points.ts';
import type { Direction, Verdict } from './compare.ts';
import { compareSamples, decideVerdict, resolveDirection, smallestPValue } from './compare.ts';
import { DEFAULT_MIN_CHANGE } from './compare-results.ts';
import type { ConfidenceInterval } from './describe.ts';
import { median } from './describe.ts';
import { studentTTwoSided } from './distributions.ts';
import { benjaminiHochberg } from './fdr.ts';
import { mannWhitneyU } from './mann-whitney.ts';

/** How one series is judged (a suite's `detect` merged with its benchmark's). */
export interface BaselineSettings {
  /** How many of the latest points form the baseline; default 20. */
  window?: number;
  /** Largest p-value, after the false discovery rate correction, reported as a change; default 0.01. */
  maxPValue?: number;
  /** Smallest |relative change of the medians| reported; default 0.02. */
  minChange?: number;
  /** Better direction; by default from the measure's name, else none (`changed`). */
  direction?: Direction | null;
}

/** One series of a run: its new point and the branch's earlier points on the same minion, oldest first. */
export interface SeriesTest {
  /** Identifies the series in the result (e.g. benchmark, params, measure). */
  key: string;
  /** Measure name, for the better direction. */
  measure?: string;
  candidate: SeriesPoint;
  history: readonly SeriesPoint[];
  settings?: BaselineSettings;
}

/** How the candidate was tested. */
export type BaselineMethod = 'mann-whitney' | 'prediction';

/** The verdict on one series' new point. */
export interface SeriesVerdict {
  key: string;
  verdict: Verdict | 'no baseline';
  method: BaselineMethod | null;
  /** Points in the baseline (at most `window`). */
  baselinePoints: number;
  /** (candidate median - baseline median) / |baseline median|; null without a baseline or at 0. */
  change: number | null;
  /** Bootstrap interval of `change` (sample test only). */
  changeCi: ConfidenceInterval | null;
  p: number | null;
  /** `p` adjusted over every series of the run (Benjamini-Hochberg). */
  pAdjusted: number | null;
  direction: Direction | null;
}

// 1 %, not compare's 5 %: this runs after every run of every suite, so at 5 % one run in twenty
// that changed nothing would raise an alarm.
const DEFAULTS = { window: 20, maxPValue: 0.01, minChange: DEFAULT_MIN_CHANGE } as const;

/**
 * Tests each series' new point against its recent baseline (the last `window` points) and controls
 * the false discovery rate across all series of the run. Pure and deterministic.
 *
 * Prediction test: the candidate's level (median of its samples, else its value) against the
 * prediction interval of the baseline points' levels (Student's t, n - 1 degrees of freedom): the
 * spread of whole runs. With samples on the candidate and on every baseline point, a change must
 * also pass a Mann-Whitney test of the candidate's samples against the baseline's pooled samples,
 * with the bootstrap interval of the change of medians, as `compare` does (`mann-whitney`; p is
 * the larger of the two). Either way a change needs the adjusted p below `maxPValue`, an interval
 * that excludes zero (sample test) and a size of at least `minChange`.
 *
 * @throws InputError on a bad setting, naming the series.
 */
export function testAgainstBaseline(
  tests: readonly SeriesTest[],
  options: { fdr?: boolean } = {},
): SeriesVerdict[] {
  const judged = tests.map((test) => judge(test));
  const tested = judged.filter((j) => j.result.p !== null);
  const q =
    options.fdr === false
      ? tested.map((j) => j.result.p!)
      : benjaminiHochberg(tested.map((j) => j.result.p!));
  tested.forEach((j, i) => {
    j.result.pAdjusted = q[i]!;
    j.result.verdict = j.decide(q[i]!);
  });
  return judged.map((j) => j.result);
}

interface Judged {
  result: SeriesVerdict;
  decide: (p: number) => Verdict;
}

function judge(test: SeriesTest): Judged {
  const settings = { ...DEFAULTS, ...definedOnly(test.settings ?? {}) };
  const { window, maxPValue, minChange } = settings;
  if (!(Number.isInteger(window) && window >= 1)) {
    throw new InputError(`${test.key}: window must be a positive integer, got ${window}`);
  }
  if (!(maxPValue > 0 && maxPValue < 1)) {
    throw new InputError(`${test.key}: maxPValue must be between 0 and 1, got ${maxPValue}`);
  }
  const direction = resolveDirection(settings.direction, test.measure);
  const baseline = test.history.slice(-window);
  const result: SeriesVerdict = {
    key: test.key,
    verdict: 'no baseline',
    method: null,
    baselinePoints: baseline.length,
    change: null,
    changeCi: null,
    p: null,
    pAdjusted: null,
    direction,
  };
  const none = (): Verdict => 'no test';
  if (baseline.length === 0) return { result, decide: none };
  const values = baseline.map(levelOf);
  const x = levelOf(test.candidate);
  const center = median(values);
  const predicted = values.length >= 2 ? predictionP(values, x) : null;
  const candidateSamples = test.candidate.samples ?? [];
  if (candidateSamples.length >= 2 && baseline.every((p) => (p.samples?.length ?? 0) > 0)) {
    const pooled = baseline.flatMap((p) => p.samples!);
    const baseMedian = median(pooled);
    result.method = 'mann-whitney';
    result.change = baseMedian === 0 ? null : (median(candidateSamples) - baseMedian) / Math.abs(baseMedian);
    // Pooled samples know only the noise within runs; a run as a whole wanders too. A change must
    // pass both tests, and the larger p of two tests is a valid p of "both" (intersection-union).
    result.p = Math.max(mannWhitneyU(pooled, candidateSamples).p, predicted ?? 0);
    const decide = (q: number): Verdict => {
      if (!(q < maxPValue) && smallestPValue(pooled.length, candidateSamples.length) < maxPValue) {
        return 'no significant change';
      }
      // The bootstrap interval costs most of the time: only a candidate for a change needs it.
      const comparison = compareSamples(pooled, candidateSamples, { alpha: maxPValue, minChange, direction });
      result.changeCi = comparison.changeCi;
      return decideVerdict(comparison, q, minChange);
    };
    result.verdict = decide(result.p);
    return { result, decide };
  }
  result.change = center === 0 ? null : (x - center) / Math.abs(center);
  result.method = 'prediction';
  if (predicted === null) {
    result.verdict = 'no test';
    result.method = null;
    return { result, decide: none };
  }
  result.p = predicted;
  const decide = (p: number): Verdict => {
    if (!(p < maxPValue)) return 'no significant change';
    if (result.change !== null && Math.abs(result.change) < minChange) return 'no significant change';
    if (direction === null) return 'changed';
    return x > center === (direction === 'higher') ? 'improved' : 'regressed';
  };
  result.verdict = decide(predicted);
  return { result, decide };
}

/** A point's level: the median of its samples when it has them, else its value. */
function levelOf(point: SeriesPoint): number {
  return point.samples !== undefined && point.samples.length > 0 ? median(point.samples) : point.value;
}

/** Two-sided p of a new value under the Student-t prediction interval of earlier values. */
function predictionP(values: readonly number[], x: number): number {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  if (sd === 0) return x === mean ? 1 : 0;
  return studentTTwoSided((x - mean) / (sd * Math.sqrt(1 + 1 / n)), n - 1);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
