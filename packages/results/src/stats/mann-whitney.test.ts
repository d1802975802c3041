import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mannWhitneyU } from './mann-whitney.ts';

const relative = (actual: number, expected: number) => Math.abs(actual / expected - 1);

describe('mannWhitneyU against scipy.stats.mannwhitneyu 1.17', () => {
  // scipy's documentation example (Conover): males vs females.
  const males = [19, 22, 16, 29, 24];
  const females = [20, 11, 17, 12];

  it('exact distribution', () => {
    const r = mannWhitneyU(males, females);
    expect(r).toMatchObject({ u: 17, method: 'exact', ties: false });
    expect(relative(r.p, 0.1111111111111111)).toBeLessThan(1e-12);
    expect(mannWhitneyU([1, 2, 3], [4, 5, 6]).p).toBeCloseTo(0.1, 14);
    // R's wilcox.test example (W = 35): two-sided exact.
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    expect(mannWhitneyU(x, y).u).toBe(35);
    expect(relative(mannWhitneyU(x, y).p, 0.2544122544122544)).toBeLessThan(1e-12);
    const a = Array.from({ length: 25 }, (_, i) => i);
    const b = Array.from({ length: 25 }, (_, i) => i + 3.5);
    expect(mannWhitneyU(a, b)).toMatchObject({ u: 231, method: 'exact' });
    expect(relative(mannWhitneyU(a, b).p, 0.11663881126432638)).toBeLessThan(1e-10);
  });

  it('normal approximation with continuity and tie correction', () => {
    const r = mannWhitneyU(males, females, { method: 'normal' });
    expect(r.u).toBe(17);
    expect(relative(r.p, 0.11134688653314041)).toBeLessThan(1e-12);
    const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
    const y = [1.15, 0.88, 0.9, 0.74, 1.21];
    expect(relative(mannWhitneyU(x, y, { method: 'normal' }).p, 0.24462360512698333)).toBeLessThan(1e-12);
    const tiedA = [1, 2, 2, 3, 3, 3, 4, 5, 5, 6, 7, 8];
    const tiedB = [3, 4, 4, 5, 6, 6, 7, 8, 8, 9, 9, 10, 11];
    const tied = mannWhitneyU(tiedA, tiedB);
    expect(tied).toMatchObject({ u: 30, method: 'normal', ties: true });
    expect(relative(tied.p, 0.009371664169231873)).toBeLessThan(1e-12);
    const heavy = mannWhitneyU([10, 10, 10, 11], [10, 10, 12, 13]);
    expect(heavy.u).toBe(5);
    expect(relative(heavy.p, 0.4083519693259383)).toBeLessThan(1e-12);
  });

  it('answers 1 when nothing can differ, and refuses exact with ties', () => {
    expect(mannWhitneyU([5, 5, 5], [5, 5])).toMatchObject({ u: 3, p: 1, method: 'normal' });
    expect(mannWhitneyU([1], [2]).p).toBe(1);
    expect(() => mannWhitneyU([1, 2], [2, 3], { method: 'exact' })).toThrow(/ties|tied/);
    expect(() => mannWhitneyU([], [1])).toThrow(/a: no samples/);
    expect(() => mannWhitneyU([1], [Number.NaN])).toThrow(/b\[0\]/);
  });

  it('uses the normal approximation for large samples', () => {
    const a = Array.from({ length: 400 }, (_, i) => i);
    const b = Array.from({ length: 400 }, (_, i) => i + 0.5);
    expect(mannWhitneyU(a, b).method).toBe('normal');
  });
});

describe('mannWhitneyU properties', () => {
  /** Two-sided p by enumerating every way to split the pooled ranks. */
  function bruteForceP(n1: number, n2: number, u: number): number {
    const n = n1 + n2;
    const counts = new Map<number, number>();
    let total = 0;
    const choose = (start: number, left: number, rankSum: number) => {
      if (left === 0) {
        const uu = rankSum - (n1 * (n1 + 1)) / 2;
        counts.set(uu, (counts.get(uu) ?? 0) + 1);
        total++;
        return;
      }
      for (let r = start; r <= n - left + 1; r++) choose(r + 1, left - 1, rankSum + r);
    };
    choose(1, n1, 0);
    let low = 0;
    let high = 0;
    for (const [uu, c] of counts) {
      if (uu <= u) low += c;
      if (uu >= u) high += c;
    }
    return Math.min(1, (2 * Math.min(low, high)) / total);
  }

  it('exact p equals enumeration of all rank splits', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 1000 }), { minLength: 2, maxLength: 14 }),
        fc.nat(),
        (values, cut) => {
          const k = 1 + (cut % (values.length - 1));
          const a = values.slice(0, k);
          const b = values.slice(k);
          const r = mannWhitneyU(a, b, { method: 'exact' });
          expect(r.p).toBeCloseTo(bruteForceP(a.length, b.length, r.u), 12);
        },
      ),
      { seed: 4, numRuns: 200 },
    );
  });

  it('is symmetric in its arguments and invariant to monotone transforms', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 40 }),
        (a, b) => {
          const ab = mannWhitneyU(a, b);
          const ba = mannWhitneyU(b, a);
          expect(ba.u).toBe(a.length * b.length - ab.u);
          expect(ba.p).toBeCloseTo(ab.p, 12);
          expect(ab.p).toBeGreaterThan(0);
          expect(ab.p).toBeLessThanOrEqual(1);
          const logged = mannWhitneyU(a.map(Math.log), b.map(Math.log));
          expect(logged.u).toBe(ab.u);
          expect(logged.p).toBeCloseTo(ab.p, 12);
        },
      ),
      { seed: 5, numRuns: 300 },
    );
  });
});
