import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { describeSamples, median, quantileSorted } from './describe.ts';
import { createNormal, createRandom } from './random.ts';

describe('describeSamples', () => {
  const v = [3.1, 4.1, 5.9, 2.6, 5.3, 5.8, 9.7, 9.3, 2.3, 8.4, 6.2, 6.4, 33.8, -20];

  it('matches numpy on a small set with outliers on both sides', () => {
    const s = describeSamples(v);
    expect(s.n).toBe(14);
    expect(s.mean).toBeCloseTo(5.921428571428571, 12);
    expect(s.stddev).toBeCloseTo(10.802790136130328, 12);
    expect([s.q1, s.median, s.q3]).toEqual([expect.closeTo(3.35, 12), 5.85, expect.closeTo(7.9, 12)]);
    expect(s.min).toBe(-20);
    expect(s.max).toBe(33.8);
    expect(s.cv).toBeCloseTo(10.802790136130328 / 5.921428571428571, 12);
    // Fences: 3.35 - 1.5 * 4.55 = -3.475 and 7.9 + 6.825 = 14.725.
    expect(s.outliers.lowerFence).toBeCloseTo(-3.475, 12);
    expect(s.outliers.upperFence).toBeCloseTo(14.725, 12);
    expect(s.outliers.indices).toEqual([12, 13]);
    expect(s.outliers.values).toEqual([33.8, -20]);
  });

  it('takes the exact order-statistic interval of the median', () => {
    const twenty = Array.from({ length: 20 }, (_, i) => 20 - i);
    // k = 6 (binom.cdf(5, 20, .5) = 0.0207 <= 0.025): [x(6), x(15)], coverage 1 - 2 * 0.0207.
    expect(describeSamples(twenty).medianCi).toEqual({
      lower: 6,
      upper: 15,
      confidence: expect.closeTo(1 - 2 * 0.020694732666015625, 14),
      method: 'order-statistics',
    });
    expect(describeSamples([6, 1, 5, 2, 4, 3]).medianCi).toMatchObject({
      lower: 1,
      upper: 6,
      confidence: expect.closeTo(1 - 2 / 64, 14),
    });
    // Too few samples for 95%: the full range, with the lower coverage said.
    expect(describeSamples([5, 1, 3, 2, 4]).medianCi).toMatchObject({
      lower: 1,
      upper: 5,
      confidence: 0.9375,
    });
  });

  it('handles a single sample and constant samples without NaN', () => {
    const one = describeSamples([42]);
    expect(one).toMatchObject({ n: 1, mean: 42, median: 42, stddev: null, cv: null, medianCi: null });
    expect(one.outliers.indices).toEqual([]);
    const flat = describeSamples([7, 7, 7, 7, 7, 7, 7]);
    expect(flat).toMatchObject({ stddev: 0, cv: 0, median: 7, medianCi: { lower: 7, upper: 7 } });
    expect(flat.outliers.indices).toEqual([]);
    expect(describeSamples([0, 0]).cv).toBeNull();
  });

  it('keeps precision for large values with small noise', () => {
    const s = describeSamples([1e12 + 1, 1e12 + 2, 1e12 + 3]);
    expect(s.mean).toBe(1e12 + 2);
    expect(s.stddev).toBe(1);
  });

  it('rejects empty input and non-finite numbers, naming the position', () => {
    expect(() => describeSamples([])).toThrow(/no samples/);
    expect(() => describeSamples([1, Number.NaN])).toThrow(/samples\[1\].*NaN/);
    expect(() => describeSamples([Number.POSITIVE_INFINITY])).toThrow(/samples\[0\]/);
    expect(() => describeSamples([1, 2], { confidence: 1 })).toThrow(/confidence/);
  });

  it('estimates a normal distribution (n = 10000)', () => {
    const normal = createNormal(7);
    const xs = Array.from({ length: 10_000 }, () => normal(5, 2));
    const s = describeSamples(xs);
    // Standard errors: mean 0.02, median ~0.025, sd ~0.014.
    expect(Math.abs(s.mean - 5)).toBeLessThan(0.08);
    expect(Math.abs(s.median - 5)).toBeLessThan(0.1);
    expect(Math.abs(s.stddev! - 2)).toBeLessThan(0.06);
    expect(Math.abs(s.q1 - (5 - 0.6745 * 2))).toBeLessThan(0.1);
    // Tukey's fences sit at +-2.698 sd: 0.70% of a normal lies outside.
    expect(s.outliers.indices.length / xs.length).toBeGreaterThan(0.004);
    expect(s.outliers.indices.length / xs.length).toBeLessThan(0.011);
    expect(s.medianCi!.lower).toBeLessThan(5);
    expect(s.medianCi!.upper).toBeGreaterThan(5);
  });

  it('covers the true median of a skewed distribution at least 95% of the time', () => {
    const random = createRandom(11);
    const trueMedian = Math.LN2; // exponential with rate 1
    let covered = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const xs = Array.from({ length: 20 }, () => -Math.log(1 - random()));
      const ci = describeSamples(xs).medianCi!;
      if (ci.lower <= trueMedian && trueMedian <= ci.upper) covered++;
    }
    // Exact coverage for n = 20 is 0.9586; binomial sd over 2000 trials is 0.0045.
    expect(covered / trials).toBeGreaterThan(0.94);
    expect(covered / trials).toBeLessThan(0.975);
  });

  it('holds its invariants for any finite input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 200 }),
        (xs) => {
          const s = describeSamples(xs);
          expect(s.n).toBe(xs.length);
          expect(s.min).toBeLessThanOrEqual(s.q1);
          expect(s.q1).toBeLessThanOrEqual(s.median);
          expect(s.median).toBeLessThanOrEqual(s.q3);
          expect(s.q3).toBeLessThanOrEqual(s.max);
          expect(s.mean).toBeGreaterThanOrEqual(s.min - 1e-6);
          expect(s.mean).toBeLessThanOrEqual(s.max + 1e-6);
          if (s.medianCi) {
            expect(s.medianCi.lower).toBeLessThanOrEqual(s.median);
            expect(s.medianCi.upper).toBeGreaterThanOrEqual(s.median);
          }
          for (const i of s.outliers.indices) {
            const x = xs[i]!;
            expect(x < s.outliers.lowerFence || x > s.outliers.upperFence).toBe(true);
          }
          // Shuffling changes nothing but the outliers' positions.
          const reversed = describeSamples([...xs].reverse());
          expect(reversed.median).toBe(s.median);
          expect(reversed.medianCi).toEqual(s.medianCi);
        },
      ),
      { seed: 42, numRuns: 300 },
    );
  });
});

describe('quantiles', () => {
  it('interpolate linearly between order statistics (R type 7)', () => {
    const sorted = [1, 2, 3, 4];
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 1)).toBe(4);
    expect(quantileSorted(sorted, 0.5)).toBe(2.5);
    expect(quantileSorted(sorted, 0.25)).toBe(1.75);
    expect(median([3, 1, 2])).toBe(2);
  });
});
