import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { eDivisive, otavaTTest } from './e-divisive.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../fixtures/otava/${name}`, import.meta.url), 'utf8'));

interface Case {
  source?: string;
  series: string | number[];
  window: number;
  maxPValue: number;
  minMagnitude: number;
  expected: number[];
  pValues?: number[];
}

const published: { series: Record<string, number[]>; cases: Case[] } = fixture('published.json');
const random: Case[] = fixture('random.json');
const edge: Case[] = fixture('edge.json');

describe('eDivisive (port of Otava)', () => {
  it.each(published.cases)('finds what Otava finds: $source', (c) => {
    const series = typeof c.series === 'string' ? published.series[c.series]! : c.series;
    const found = eDivisive(series, c);
    expect(found.map((p) => p.index)).toEqual(c.expected);
  });

  it('finds what Otava finds on 40 generated series, with the same p-values', () => {
    for (const [i, c] of random.entries()) {
      const found = eDivisive(c.series as number[], c);
      expect(
        found.map((p) => p.index),
        `random.json[${i}]`,
      ).toEqual(c.expected);
      found.forEach((p, k) => {
        expect(p.pValue).toBeCloseTo(c.pValues![k]!, 12);
      });
    }
  });

  it('finds what Otava finds on degenerate series: constant, 2-3 points, ties, tiny windows', () => {
    for (const [i, c] of edge.entries()) {
      expect(
        eDivisive(c.series as number[], c).map((p) => p.index),
        `edge.json[${i}]`,
      ).toEqual(c.expected);
    }
  });

  it('tests a split as Otava does (its test_significance_tester)', () => {
    const same = otavaTTest(
      Float64Array.of(1, 1.02, 1.05, 0.95, 0.98),
      Float64Array.of(1, 1.02, 1.05, 0.95, 0.98),
    );
    expect(same.pValue).toBeCloseTo(1, 12);
    const shifted = otavaTTest(
      Float64Array.of(1, 1.02, 1.05, 0.95, 0.98),
      Float64Array.of(0.8, 0.82, 0.85, 0.79, 0.77),
    );
    expect(shifted.pValue).toBeGreaterThan(0);
    expect(shifted.pValue).toBeLessThan(0.001);
  });

  it('rejects a window below 2 and non-finite values', () => {
    expect(() => eDivisive([1, 2, 3], { window: 1 })).toThrow(/window/);
    expect(() => eDivisive([1, Number.NaN, 3])).toThrow(/series\[1\]/);
  });
});
