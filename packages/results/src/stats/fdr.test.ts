import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from './fdr.ts';

describe('benjaminiHochberg', () => {
  it("matches R's p.adjust(method = 'BH')", () => {
    // p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2), "BH") = 0.025 0.05 0.05 0.025 0.2
    const q = benjaminiHochberg([0.01, 0.04, 0.03, 0.005, 0.2]);
    [0.025, 0.05, 0.05, 0.025, 0.2].forEach((x, i) => {
      expect(q[i]).toBeCloseTo(x, 12);
    });
  });

  it('leaves NaN out of the count and caps at 1', () => {
    const q = benjaminiHochberg([Number.NaN, 0.5, 0.9]);
    expect(q[0]).toBeNaN();
    expect(q[1]).toBeCloseTo(0.9, 12);
    expect(q[2]).toBeCloseTo(0.9, 12);
    expect(benjaminiHochberg([1, 1])).toEqual([1, 1]);
  });
});
