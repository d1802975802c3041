import { InputError } from '@benchrunner/core';
import { binomialHalfQuantile } from './distributions.ts';

/** An interval estimate. `confidence` is the coverage actually achieved, not only the one asked for. */
export interface ConfidenceInterval {
  lower: number;
  upper: number;
  confidence: number;
  method: 'order-statistics' | 'bootstrap-percentile';
}

/** Outliers by Tukey's fences: values below `Q1 - 1.5 IQR` or above `Q3 + 1.5 IQR`. */
export interface Outliers {
  lowerFence: number;
  upperFence: number;
  /** Positions in the input array, ascending. */
  indices: number[];
  /** The outlying values, in input order. */
  values: number[];
}

/** Descriptive statistics of one set of samples. */
export interface SampleStats {
  n: number;
  mean: number;
  median: number;
  /** Sample standard deviation (divisor n - 1); null when n < 2. */
  stddev: number | null;
  min: number;
  max: number;
  /** stddev / |mean|; null when n < 2 or the mean is 0. */
  cv: number | null;
  /** First and third quartiles (linear interpolation, R type 7 / numpy's default). */
  q1: number;
  q3: number;
  /** Confidence interval of the median; null when n < 2. */
  medianCi: ConfidenceInterval | null;
  outliers: Outliers;
}

/** Options of {@link describeSamples}. */
export interface DescribeOptions {
  /** Confidence level of the median's interval; default 0.95. */
  confidence?: number;
}

/**
 * Describes a set of samples. Pure and deterministic.
 *
 * The median's confidence interval is the exact, distribution-free order-statistic interval
 * `[x(k), x(n-k+1)]` with `k` from Binomial(n, 1/2): the narrowest such interval whose coverage
 * is at least the requested level. That needs n >= 6 for 95%; with 2..5 samples the interval is
 * `[min, max]` and `confidence` reports its lower coverage (1 - 2^(1-n), e.g. 0.9375 for n = 5).
 *
 * @throws InputError when `samples` is empty or holds a non-finite number.
 */
export function describeSamples(samples: readonly number[], options: DescribeOptions = {}): SampleStats {
  const confidence = options.confidence ?? 0.95;
  checkSamples(samples, 'samples');
  if (!(confidence > 0 && confidence < 1)) {
    throw new InputError(`confidence must be between 0 and 1, got ${confidence}`);
  }
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  const mean = meanOf(samples);
  let squares = 0;
  for (const x of samples) squares += (x - mean) * (x - mean);
  const stddev = n > 1 ? Math.sqrt(squares / (n - 1)) : null;
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const iqr = q3 - q1;
  const lowerFence = q1 - 1.5 * iqr;
  const upperFence = q3 + 1.5 * iqr;
  const indices: number[] = [];
  const values: number[] = [];
  samples.forEach((x, i) => {
    if (x < lowerFence || x > upperFence) {
      indices.push(i);
      values.push(x);
    }
  });
  return {
    n,
    mean,
    median: quantileSorted(sorted, 0.5),
    stddev,
    min: sorted[0]!,
    max: sorted[n - 1]!,
    cv: stddev === null || mean === 0 ? null : stddev / Math.abs(mean),
    q1,
    q3,
    medianCi: medianInterval(sorted, confidence),
    outliers: { lowerFence, upperFence, indices, values },
  };
}

/** The q-quantile of ascending samples by linear interpolation between order statistics (R type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new InputError('cannot take a quantile of no samples');
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const below = sorted[lo]!;
  if (lo + 1 >= n) return below;
  return below + (h - lo) * (sorted[lo + 1]! - below);
}

/** The median of samples in any order (the input is not modified). */
export function median(samples: readonly number[]): number {
  return quantileSorted(Float64Array.from(samples).sort(), 0.5);
}

function meanOf(samples: readonly number[]): number {
  // Shifting by the first sample keeps the sum small for samples like 1e9 + noise.
  const shift = samples[0]!;
  let sum = 0;
  for (const x of samples) sum += x - shift;
  return shift + sum / samples.length;
}

function medianInterval(sorted: Float64Array, confidence: number): ConfidenceInterval | null {
  const n = sorted.length;
  if (n < 2) return null;
  const { k, below } = binomialHalfQuantile(n, (1 - confidence) / 2);
  if (k === 0) {
    return {
      lower: sorted[0]!,
      upper: sorted[n - 1]!,
      confidence: 1 - 2 ** (1 - n),
      method: 'order-statistics',
    };
  }
  return {
    lower: sorted[k - 1]!,
    upper: sorted[n - k]!,
    confidence: 1 - 2 * below,
    method: 'order-statistics',
  };
}

/** Rejects empty sample sets and non-finite numbers, naming the offending position. */
export function checkSamples(samples: readonly number[], label: string): void {
  if (samples.length === 0) throw new InputError(`${label}: no samples`);
  samples.forEach((x, i) => {
    if (!Number.isFinite(x)) {
      throw new InputError(`${label}[${i}]: expected a finite number, got ${x}`, [
        { path: `${label}[${i}]`, message: `expected a finite number, got ${x}` },
      ]);
    }
  });
}
