import { describe, expect, it } from 'vitest';
import { binomialHalfQuantile, erfc, normalCdf, normalSf, studentTTwoSided } from './distributions.ts';

describe('erfc', () => {
  it('matches scipy.special.erfc on both sides of the series/continued-fraction switch', () => {
    const cases: [number, number][] = [
      [0.1, 0.8875370839817152],
      [1, 0.15729920705028516],
      [2.4, 0.0006885138966450789],
      [2.6, 0.000236034416529349],
      [3, 2.2090496998585445e-5],
      [5, 1.5374597944280347e-12],
      [10, 2.0884875837625446e-45],
      [-1, 1.8427007929497148],
    ];
    for (const [x, expected] of cases)
      expect(erfc(x)).toBeCloseTo(expected, 14 - Math.round(Math.log10(1 / expected)));
    for (const [x, expected] of cases) expect(Math.abs(erfc(x) / expected - 1)).toBeLessThan(1e-12);
  });

  it('gives the normal tail far out and the usual 1.96', () => {
    expect(Math.abs(normalSf(1.96) / 0.024997895148220435 - 1)).toBeLessThan(1e-12);
    expect(Math.abs(normalSf(6) / 9.865876450376946e-10 - 1)).toBeLessThan(1e-12);
    expect(Math.abs(normalSf(8.5) / 9.47953482220325e-18 - 1)).toBeLessThan(1e-12);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(1.96) + normalSf(1.96)).toBeCloseTo(1, 15);
  });
});

describe('binomialHalfQuantile', () => {
  it('finds the order statistic of the median interval (scipy.stats.binom.cdf)', () => {
    expect(binomialHalfQuantile(20, 0.025)).toEqual({
      k: 6,
      below: expect.closeTo(0.020694732666015625, 15),
    });
    expect(binomialHalfQuantile(6, 0.025)).toEqual({ k: 1, below: expect.closeTo(0.015625, 15) });
    expect(binomialHalfQuantile(5, 0.025).k).toBe(0);
  });

  it('stays finite and near the normal approximation for millions of trials', () => {
    const n = 2_000_000;
    const { k, below } = binomialHalfQuantile(n, 0.025);
    const approx = n / 2 - 1.959964 * Math.sqrt(n / 4);
    expect(Math.abs(k - approx)).toBeLessThan(2);
    expect(below).toBeGreaterThan(0.024);
    expect(below).toBeLessThanOrEqual(0.025);
  });
});

describe('studentTTwoSided', () => {
  it("matches scipy's 2 * t.sf(|t|, df)", () => {
    const cases: [number, number, number][] = [
      [0.5, 3, 0.651447964848151],
      [2.1, 10, 0.06207724420221853],
      [5, 28, 2.7733414997812672e-5],
      [-1.3, 1, 0.41742880032030544],
      [40, 100, 2.462107602140071e-63],
      [0.01, 400, 0.9920262728351453],
    ];
    for (const [t, df, p] of cases) expect(studentTTwoSided(t, df) / p).toBeCloseTo(1, 11);
    expect(studentTTwoSided(Number.POSITIVE_INFINITY, 5)).toBe(0);
    expect(studentTTwoSided(Number.NaN, 5)).toBeNaN();
  });
});
