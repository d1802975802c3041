import { InputError } from '@benchrunner/core';
import { bootstrapMedianChange } from './bootstrap.ts';
import type { ConfidenceInterval, SampleStats } from './describe.ts';
import { checkSamples, describeSamples } from './describe.ts';
import { logGamma } from './distributions.ts';
import type { MannWhitneyResult } from './mann-whitney.ts';
import { mannWhitneyU } from './mann-whitney.ts';
import { createRandom } from './random.ts';

/** Which way is better for a measure. */
export type Direction = 'lower' | 'higher';

/**
 * Outcome of a comparison. `changed`: a change, but the measure has no known better direction.
 * `no test`: a side has fewer than 2 samples. `too few samples`: no arrangement of this many
 * samples can give a p-value below alpha, so a change could never be reported.
 */
export type Verdict =
  | 'improved'
  | 'regressed'
  | 'changed'
  | 'no significant change'
  | 'no test'
  | 'too few samples';

const DIRECTIONS: Readonly<Record<string, Direction>> = {
  latency: 'lower',
  memory: 'lower',
  cpu: 'lower',
  throughput: 'higher',
  // Tool-specific figures the parsers keep under their own names.
  bytes_per_second: 'higher',
  allocs: 'lower',
  alloc_bytes: 'lower',
};

/** The better direction of a measure by its name; null when unknown. */
export function measureDirection(measure: string): Direction | null {
  return DIRECTIONS[measure] ?? null;
}

/** The direction asked for, else the measure's by its name, else none. */
export function resolveDirection(
  direction: Direction | null | undefined,
  measure: string | undefined,
): Direction | null {
  if (direction !== undefined) return direction;
  return measure === undefined ? null : measureDirection(measure);
}

/** Options of {@link compareSamples}. */
export interface CompareOptions {
  /** Significance level of the two-sided Mann-Whitney test; default 0.05. */
  alpha?: number;
  /** Smallest |relative change of the medians| reported as a change; default 0 (any size). */
  minChange?: number;
  /** Better direction; defaults to {@link measureDirection} of `measure`, else none. */
  direction?: Direction | null;
  /** Measure name, used to find the direction. */
  measure?: string;
  /** Level of the change's confidence interval; default 0.95. */
  confidence?: number;
  /** Bootstrap resamples for the change's interval; default 2000. */
  resamples?: number;
  /** Seed of the bootstrap PRNG; default 1. The same inputs and seed give the same interval. */
  seed?: number;
}

/** Result of {@link compareSamples}. B is the candidate, A the baseline. */
export interface SampleComparison {
  a: SampleStats;
  b: SampleStats;
  /**
   * Relative change of the MEDIANS, (median(b) - median(a)) / |median(a)|: 0.05 is +5%.
   * Null when median(a) is 0.
   */
  change: number | null;
  /** Percentile-bootstrap interval of `change` (seeded, so deterministic); null when n < 2 on a side. */
  changeCi: ConfidenceInterval | null;
  /** Mann-Whitney U test; null when a side has fewer than 2 samples. */
  test: MannWhitneyResult | null;
  alpha: number;
  direction: Direction | null;
  verdict: Verdict;
}

/**
 * Compares a candidate `b` against a baseline `a`. Pure and deterministic.
 *
 * The verdict comes from the two-sided Mann-Whitney U test at `alpha` (see {@link mannWhitneyU});
 * its sign from which sample tends to be larger (U against n1 n2 / 2), mapped through the measure's
 * direction. The change and its interval describe the medians; near the threshold the bootstrap
 * interval and the rank test can disagree, and the verdict follows the test.
 *
 * @throws InputError on empty or non-finite samples, or alpha/confidence outside (0, 1).
 */
export function compareSamples(
  a: readonly number[],
  b: readonly number[],
  options: CompareOptions = {},
): SampleComparison {
  const alpha = options.alpha ?? 0.05;
  const minChange = options.minChange ?? 0;
  const confidence = options.confidence ?? 0.95;
  const resamples = options.resamples ?? 2000;
  if (!(alpha > 0 && alpha < 1)) throw new InputError(`alpha must be between 0 and 1, got ${alpha}`);
  if (!(confidence > 0 && confidence < 1)) {
    throw new InputError(`confidence must be between 0 and 1, got ${confidence}`);
  }
  if (!(Number.isInteger(resamples) && resamples >= 1)) {
    throw new InputError(`resamples must be a positive integer, got ${resamples}`);
  }
  const direction = resolveDirection(options.direction, options.measure);
  checkSamples(a, 'a');
  checkSamples(b, 'b');
  const statsA = describeSamples(a, { confidence });
  const statsB = describeSamples(b, { confidence });
  const change = statsA.median === 0 ? null : (statsB.median - statsA.median) / Math.abs(statsA.median);
  const base = { a: statsA, b: statsB, change, alpha, direction };
  if (statsA.n < 2 || statsB.n < 2) return { ...base, changeCi: null, test: null, verdict: 'no test' };

  const test = mannWhitneyU(a, b);
  const changeCi =
    change === null
      ? null
      : bootstrapMedianChange(Float64Array.from(a).sort(), Float64Array.from(b).sort(), {
          resamples,
          confidence,
          random: createRandom(options.seed ?? 1),
        });
  const comparison = { ...base, changeCi, test };
  return { ...comparison, verdict: decideVerdict(comparison, test.p, minChange) };
}

/**
 * The verdict of a comparison at p-value `p` (the test's own, or one adjusted for many tests): a
 * change only when p is below alpha, the change's interval excludes zero and |change| reaches
 * `minChange`; `too few samples` when no p-value this sample size allows is below alpha.
 */
export function decideVerdict(
  comparison: Pick<SampleComparison, 'a' | 'b' | 'change' | 'changeCi' | 'test' | 'alpha' | 'direction'>,
  p: number,
  minChange: number,
): Verdict {
  const { test, changeCi, change, alpha, direction } = comparison;
  if (test === null) return 'no test';
  if (smallestPValue(comparison.a.n, comparison.b.n) >= alpha) return 'too few samples';
  if (!(p < alpha)) return 'no significant change';
  if (changeCi !== null && changeCi.lower <= 0 && changeCi.upper >= 0) return 'no significant change';
  if (change !== null && Math.abs(change) < minChange) return 'no significant change';
  // U counts pairs with a > b: above half, the baseline tends to be larger, so b went down.
  const wentUp = test.u < (comparison.a.n * comparison.b.n) / 2;
  if (direction === null) return 'changed';
  return wentUp === (direction === 'higher') ? 'improved' : 'regressed';
}

/**
 * The smallest two-sided p-value a rank test of n1 against n2 samples can give: every value of one
 * side above every value of the other, 2 / C(n1 + n2, n1). With 5 against 5 that is 0.0079.
 */
export function smallestPValue(n1: number, n2: number): number {
  return Math.min(1, 2 * Math.exp(logGamma(n1 + 1) + logGamma(n2 + 1) - logGamma(n1 + n2 + 1)));
}
