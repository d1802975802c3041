import { describe, expect, it } from 'vitest';
import { gammaSampler, resampledMedian } from './bootstrap.ts';
import { compareSamples, measureDirection, smallestPValue } from './compare.ts';
import { median } from './describe.ts';
import { createNormal, createRandom } from './random.ts';

const draw = (normal: (m: number, s: number) => number, n: number, mean: number, sd: number) =>
  Array.from({ length: n }, () => normal(mean, sd));

describe('compareSamples', () => {
  it('finds a 5% shift in samples with 2% noise (n = 30 each) essentially always', () => {
    const normal = createNormal(2024);
    const trials = 300;
    let regressed = 0;
    let improved = 0;
    let ciHoldsTruth = 0;
    for (let t = 0; t < trials; t++) {
      const a = draw(normal, 30, 100, 2);
      const b = draw(normal, 30, 105, 2);
      const latency = compareSamples(a, b, { measure: 'latency', resamples: 500 });
      if (latency.verdict === 'regressed') regressed++;
      const throughput = compareSamples(a, b, { measure: 'throughput', resamples: 1 });
      if (throughput.verdict === 'improved') improved++;
      const ci = latency.changeCi!;
      if (ci.lower <= 0.05 && 0.05 <= ci.upper) ciHoldsTruth++;
    }
    expect(regressed).toBe(trials);
    expect(improved).toBe(trials);
    // A nominal 95% interval; the percentile bootstrap of a median runs a little narrow at n = 30.
    expect(ciHoldsTruth / trials).toBeGreaterThan(0.88);
  });

  it('flags two samples of one distribution at about the rate alpha (2000 trials)', () => {
    const normal = createNormal(99);
    const trials = 2000;
    let flagged = 0;
    for (let t = 0; t < trials; t++) {
      const r = compareSamples(draw(normal, 30, 100, 2), draw(normal, 30, 100, 2), {
        measure: 'latency',
        resamples: 1,
      });
      if (r.verdict !== 'no significant change') flagged++;
    }
    // Binomial(2000, 0.05) has sd 0.0049: 0.02..0.08 is a +-6 sd band.
    expect(flagged / trials).toBeGreaterThan(0.02);
    expect(flagged / trials).toBeLessThan(0.08);
  });

  it('keeps the rate near alpha with heavy ties too (integer-valued samples)', () => {
    const random = createRandom(3);
    const trials = 2000;
    let flagged = 0;
    const sample = () => Array.from({ length: 20 }, () => Math.floor(random() * 5));
    for (let t = 0; t < trials; t++) {
      if (
        compareSamples(sample(), sample(), { alpha: 0.1, resamples: 1 }).verdict !== 'no significant change'
      ) {
        flagged++;
      }
    }
    expect(flagged / trials).toBeGreaterThan(0.06);
    expect(flagged / trials).toBeLessThan(0.14);
  });

  it('reports the relative change of the medians with a deterministic interval', () => {
    const a = [10, 11, 12, 13, 14, 15, 16];
    const b = [12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5];
    const r = compareSamples(a, b, { measure: 'latency' });
    expect(r.change).toBeCloseTo(2.5 / 13, 14);
    expect(r.a.median).toBe(13);
    expect(r.b.median).toBe(15.5);
    expect(r.changeCi).toMatchObject({ confidence: 0.95, method: 'bootstrap-percentile' });
    expect(r.changeCi!.lower).toBeLessThan(r.change!);
    expect(r.changeCi!.upper).toBeGreaterThan(r.change!);
    expect(compareSamples(a, b, { measure: 'latency' })).toEqual(r);
    expect(compareSamples(a, b, { measure: 'latency', seed: 2 }).changeCi).not.toEqual(r.changeCi);
    expect(r.test!.method).toBe('exact');
  });

  it('maps significance and direction to a verdict', () => {
    const low = [1, 2, 3, 4, 5, 6, 7, 8];
    const high = low.map((x) => x + 100);
    expect(compareSamples(low, high, { measure: 'latency' }).verdict).toBe('regressed');
    expect(compareSamples(high, low, { measure: 'latency' }).verdict).toBe('improved');
    expect(compareSamples(high, low, { measure: 'throughput' }).verdict).toBe('regressed');
    expect(compareSamples(low, high, { measure: 'bytes_per_second' }).verdict).toBe('improved');
    expect(compareSamples(low, high, { measure: 'gc_pauses' }).verdict).toBe('changed');
    expect(compareSamples(low, high, { direction: 'higher' }).verdict).toBe('improved');
    expect(compareSamples(low, high).verdict).toBe('changed');
    expect(compareSamples(low, low, { measure: 'latency' }).verdict).toBe('no significant change');
    expect(compareSamples(low, high, { measure: 'latency', alpha: 1e-6 }).verdict).toBe('too few samples');
  });

  it('says when the sample size cannot reach alpha: 5 against 5 gives p >= 0.0079', () => {
    expect(smallestPValue(5, 5)).toBeCloseTo(2 / 252, 14);
    const a = [1, 2, 3, 4, 5];
    const b = [101, 102, 103, 104, 105];
    expect(compareSamples(a, b, { measure: 'latency', alpha: 0.008 }).verdict).toBe('regressed');
    expect(compareSamples(a, b, { measure: 'latency', alpha: 0.0079 }).verdict).toBe('too few samples');
  });

  it('reports a change only when it reaches minChange', () => {
    const a = [100, 100.1, 100.2, 100.3, 100.4, 100.5, 100.6, 100.7];
    const b = a.map((x) => x * 1.015);
    expect(compareSamples(a, b, { measure: 'latency' }).verdict).toBe('regressed');
    expect(compareSamples(a, b, { measure: 'latency', minChange: 0.02 }).verdict).toBe(
      'no significant change',
    );
    expect(compareSamples(a, b, { measure: 'latency', minChange: 0.01 }).verdict).toBe('regressed');
  });

  it('reports no change when p is small but the interval of the change holds zero', () => {
    // Same medians, B's spread shifted up: the rank test sees a difference, the medians do not.
    const a = [10, 10, 10, 10, 10, 10, 10, 10, 10, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const b = [10, 10, 10, 10, 10, 10, 10, 10, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19];
    const r = compareSamples(a, b, { measure: 'latency' });
    expect(r.test!.p).toBeLessThan(0.05);
    expect(r.changeCi!.lower).toBeLessThanOrEqual(0);
    expect(r.verdict).toBe('no significant change');
  });

  it('says "no test" with a single sample on a side', () => {
    const r = compareSamples([100], [110, 111, 112], { measure: 'latency' });
    expect(r).toMatchObject({ verdict: 'no test', test: null, changeCi: null });
    expect(r.change).toBeCloseTo(0.11, 14);
  });

  it('has no relative change when the baseline median is 0', () => {
    const r = compareSamples([0, 0, 0, 1], [5, 6, 7, 8], { measure: 'memory' });
    expect(r.change).toBeNull();
    expect(r.changeCi).toBeNull();
    expect(r.verdict).toBe('regressed');
  });

  it('rejects bad options', () => {
    expect(() => compareSamples([1, 2], [3, 4], { alpha: 0 })).toThrow(/alpha/);
    expect(() => compareSamples([1, 2], [3, 4], { alpha: 1.5 })).toThrow(/alpha/);
    expect(() => compareSamples([1, 2], [3, 4], { resamples: 0 })).toThrow(/resamples/);
    expect(() => compareSamples([1, 2], [], {})).toThrow(/b: no samples/);
  });

  it('knows the canonical directions', () => {
    expect(['latency', 'memory', 'cpu', 'throughput', 'whatever'].map(measureDirection)).toEqual([
      'lower',
      'lower',
      'lower',
      'higher',
      null,
    ]);
  });
});

describe('bootstrap median sampler', () => {
  /** Largest distance between the empirical distribution functions of two samples. */
  function ksDistance(x: number[], y: number[]): number {
    const values = [...new Set([...x, ...y])].sort((p, q) => p - q);
    const cdf = (s: number[], v: number) => s.filter((z) => z <= v).length / s.length;
    return Math.max(...values.map((v) => Math.abs(cdf(x, v) - cdf(y, v))));
  }

  for (const n of [7, 16]) {
    it(`draws medians distributed like textbook resamples (n = ${n})`, () => {
      const random = createRandom(n);
      const sorted = Float64Array.from({ length: n }, (_, i) => i * i);
      const gamma = gammaSampler(random);
      const draws = 4000;
      const fast = Array.from({ length: draws }, () => resampledMedian(sorted, gamma, random));
      const naive = Array.from({ length: draws }, () =>
        median(Array.from({ length: n }, () => sorted[Math.floor(random() * n)]!)),
      );
      // Two-sample KS critical value at alpha = 0.001 for 4000 vs 4000 draws is about 0.044.
      expect(ksDistance(fast, naive)).toBeLessThan(0.044);
    });
  }

  it('rejects a wrong sampler: the distance test can fail', () => {
    const random = createRandom(1);
    const sorted = Float64Array.from({ length: 16 }, (_, i) => i * i);
    const shifted = Array.from({ length: 4000 }, () => sorted[8 + Math.floor(random() * 2)]!);
    const naive = Array.from({ length: 4000 }, () =>
      median(Array.from({ length: 16 }, () => sorted[Math.floor(random() * 16)]!)),
    );
    expect(ksDistance(shifted, naive)).toBeGreaterThan(0.044);
  });
});
