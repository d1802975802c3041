import type { ConfidenceInterval } from './describe.ts';
import { quantileSorted } from './describe.ts';
import type { Random } from './random.ts';

/** Options of {@link bootstrapMedianChange}. */
export interface BootstrapOptions {
  resamples: number;
  confidence: number;
  random: Random;
}

/**
 * Percentile-bootstrap interval of the relative change of medians, (median(b) - median(a)) / |median(a)|,
 * resampling each set independently with replacement. Null when a resampled median of `a` is 0.
 *
 * The median of a resample is drawn directly instead of by building the resample: for sorted
 * samples x of size n, the k-th smallest of n uniform draws of an index is x[floor(n U(k))] with
 * U(k) ~ Beta(k, n - k + 1), and the next order statistic is U(k) + (1 - U(k)) Beta(1, n - k).
 * That is the same distribution as the textbook bootstrap at O(1) per resample instead of
 * O(n log n), so large sample sets and many comparisons stay cheap.
 */
export function bootstrapMedianChange(
  sortedA: Float64Array,
  sortedB: Float64Array,
  options: BootstrapOptions,
): ConfidenceInterval | null {
  const { resamples, confidence, random } = options;
  const gamma = gammaSampler(random);
  const changes = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    const ma = resampledMedian(sortedA, gamma, random);
    const mb = resampledMedian(sortedB, gamma, random);
    if (ma === 0) return null;
    changes[r] = (mb - ma) / Math.abs(ma);
  }
  changes.sort();
  const tail = (1 - confidence) / 2;
  return {
    lower: quantileSorted(changes, tail),
    upper: quantileSorted(changes, 1 - tail),
    confidence,
    method: 'bootstrap-percentile',
  };
}

/** One bootstrap resample's median of sorted samples; exported for its distribution test. */
export function resampledMedian(
  sorted: Float64Array,
  gamma: (shape: number) => number,
  random: Random,
): number {
  const n = sorted.length;
  const at = (u: number): number => sorted[Math.min(n - 1, Math.floor(n * u))]!;
  // Lower middle order statistic (1-based k) of the resample.
  const k = Math.floor((n + 1) / 2);
  const x = gamma(k);
  const u = x / (x + gamma(n - k + 1));
  if (n % 2 === 1) return at(u);
  const next = u + (1 - u) * (1 - (1 - random()) ** (1 / (n - k)));
  return (at(u) + at(next)) / 2;
}

/** Gamma(shape, 1) draws for shape >= 1 (Marsaglia and Tsang, 2000). */
export function gammaSampler(random: Random): (shape: number) => number {
  const normal = (): number => {
    const r = Math.sqrt(-2 * Math.log(1 - random()));
    return r * Math.cos(2 * Math.PI * random());
  };
  return (shape) => {
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let z: number;
      let v: number;
      do {
        z = normal();
        v = 1 + c * z;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - random();
      if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
    }
  };
}
