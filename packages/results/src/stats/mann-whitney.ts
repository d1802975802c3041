import { InputError } from '@benchrunner/core';
import { checkSamples } from './describe.ts';
import { normalSf } from './distributions.ts';

/** How the p-value was computed. */
export type MannWhitneyMethod = 'exact' | 'normal';

/** Result of {@link mannWhitneyU}. */
export interface MannWhitneyResult {
  /** U of the first sample: the number of pairs (a, b) with a > b, a tie counting 1/2 (scipy's U1). */
  u: number;
  /** Two-sided p-value. */
  p: number;
  method: MannWhitneyMethod;
  /** Whether any value occurs more than once in the pooled samples. */
  ties: boolean;
}

/** Options of {@link mannWhitneyU}. */
export interface MannWhitneyOptions {
  /** `auto` (default): exact when there are no ties and the exact distribution is cheap, else normal. */
  method?: 'auto' | MannWhitneyMethod;
}

// Exact counts must stay exact in a double (2^53) and the table small.
const EXACT_MAX_ARRANGEMENTS = 2 ** 50;
const EXACT_MAX_PRODUCT = 100_000;

/**
 * Two-sided Mann-Whitney U (Wilcoxon rank-sum) test of whether values of `a` tend to be larger or
 * smaller than values of `b`. Pure and deterministic.
 *
 * - `exact`: the permutation distribution of U (valid without ties), from the coefficients of the
 *   Gaussian binomial [n1+n2 choose n1]_q; p = 2 min(P(U <= u), P(U >= u)), capped at 1.
 * - `normal`: the normal approximation with midranks, tie-corrected variance and continuity
 *   correction, as scipy.stats.mannwhitneyu(method='asymptotic') and R's wilcox.test(exact=FALSE).
 *
 * @throws InputError when a sample set is empty or holds a non-finite number, or when `exact` is
 * asked for samples with ties.
 */
export function mannWhitneyU(
  a: readonly number[],
  b: readonly number[],
  options: MannWhitneyOptions = {},
): MannWhitneyResult {
  checkSamples(a, 'a');
  checkSamples(b, 'b');
  const n1 = a.length;
  const n2 = b.length;
  const { rankSumA, tieTerm } = rankSum(a, b);
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const ties = tieTerm > 0;
  const requested = options.method ?? 'auto';
  if (requested === 'exact' && ties) {
    throw new InputError('the exact Mann-Whitney distribution does not hold with tied values');
  }
  const method: MannWhitneyMethod =
    requested === 'auto' ? (!ties && exactIsCheap(n1, n2) ? 'exact' : 'normal') : requested;
  const p = method === 'exact' ? exactP(u, n1, n2) : normalP(u, n1, n2, tieTerm);
  return { u, p, method, ties };
}

/** Sum of the midranks of `a` in the pooled samples, and sum(t^3 - t) over groups of t tied values. */
function rankSum(a: readonly number[], b: readonly number[]): { rankSumA: number; tieTerm: number } {
  const n = a.length + b.length;
  const values = new Float64Array(n);
  values.set(a);
  values.set(b, a.length);
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((i, j) => values[i]! - values[j]!);
  let rankSumA = 0;
  let tieTerm = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && values[order[end]!] === values[order[start]!]) end++;
    const t = end - start;
    const midrank = (start + 1 + end) / 2;
    for (let i = start; i < end; i++) if (order[i]! < a.length) rankSumA += midrank;
    if (t > 1) tieTerm += t * t * t - t;
    start = end;
  }
  return { rankSumA, tieTerm };
}

function exactIsCheap(n1: number, n2: number): boolean {
  if (n1 * n2 > EXACT_MAX_PRODUCT) return false;
  const m = Math.min(n1, n2);
  const total = n1 + n2;
  let logCount = 0;
  for (let i = 1; i <= m; i++) logCount += Math.log((total - m + i) / i);
  return logCount < Math.log(EXACT_MAX_ARRANGEMENTS);
}

/** Number of arrangements giving each U = 0..n1*n2: coefficients of [n1+n2 choose m]_q. */
function exactCounts(n1: number, n2: number): Float64Array {
  const m = Math.min(n1, n2);
  const n = Math.max(n1, n2);
  const counts = new Float64Array(m * n + 1);
  counts[0] = 1;
  // After step i the array holds [n+i choose i]_q: multiply by (1 - q^(n+i)), divide by (1 - q^i).
  for (let i = 1; i <= m; i++) {
    // Terms above i*n vanish in the division, so the product is only needed up to there.
    for (let k = i * n; k >= n + i; k--) counts[k]! -= counts[k - n - i]!;
    for (let k = i; k <= i * n; k++) counts[k]! += counts[k - i]!;
  }
  return counts;
}

function exactP(u: number, n1: number, n2: number): number {
  const counts = exactCounts(n1, n2);
  let total = 0;
  for (const c of counts) total += c;
  // The distribution is symmetric around n1*n2/2, so the lower tail at min(U, n1*n2 - U) suffices.
  const low = Math.min(u, n1 * n2 - u);
  let tail = 0;
  for (let k = 0; k <= low; k++) tail += counts[k]!;
  return Math.min(1, (2 * tail) / total);
}

function normalP(u: number, n1: number, n2: number, tieTerm: number): number {
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (!(variance > 0)) return 1;
  const z = (Math.max(u, n1 * n2 - u) - mean - 0.5) / Math.sqrt(variance);
  return Math.min(1, 2 * normalSf(z));
}
