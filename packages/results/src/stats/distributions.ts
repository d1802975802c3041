/**
 * The complementary error function to about 1e-15 relative error: a positive-term series for
 * small arguments (no cancellation) and a continued fraction in the tail, where 1 - erf(x) would
 * lose every digit.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) return 1 - erfSeries(x);
  if (x > 27) return 0;
  // Lentz's method on erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + a / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** erf(x) = 2/sqrt(pi) * exp(-x^2) * sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)); every term positive. */
function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  const x2 = 2 * x * x;
  for (let n = 1; n < 200; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}

/** The standard normal distribution function P(Z <= z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** The standard normal survival function P(Z > z), accurate far into the upper tail. */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * The smallest 0-based k with P(B <= k) > p for B ~ Binomial(n, 1/2), with P(B <= k - 1) (the
 * probability mass strictly below it). Computed in log space, so n in the millions neither
 * underflows nor loses precision.
 */
export function binomialHalfQuantile(n: number, p: number): { k: number; below: number } {
  const logHalf = n * Math.log(0.5);
  let logPmf = logHalf;
  let cdf = 0;
  for (let k = 0; k <= n; k++) {
    const next = cdf + Math.exp(logPmf);
    if (next > p) return { k, below: cdf };
    cdf = next;
    logPmf += Math.log((n - k) / (k + 1));
  }
  return { k: n, below: cdf };
}
