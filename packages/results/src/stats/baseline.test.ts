import { describe, expect, it } from 'vitest';
import type { SeriesTest } from './baseline.ts';
import { testAgainstBaseline } from './baseline.ts';
import type { SeriesPoint } from './change-points.ts';
import { createNormal } from './random.ts';

type Normal = (mean: number, sd: number) => number;
/** A run of a benchmark: 1 % run-to-run and 2 % within-run noise around `level`. */
function run(normal: Normal, level: number, samples = 10): SeriesPoint {
  const runLevel = level * (1 + normal(0, 0.01));
  const values = Array.from({ length: samples }, () => runLevel * (1 + normal(0, 0.02)));
  return { value: values.reduce((s, v) => s + v, 0) / samples, samples: values };
}
const history = (normal: Normal, level: number) => Array.from({ length: 30 }, () => run(normal, level));
const flagged = (tests: SeriesTest[]) =>
  testAgainstBaseline(tests)
    .filter((v) => v.verdict !== 'no significant change')
    .map((v) => v.key);

describe('testAgainstBaseline', () => {
  it('flags nothing in 10 runs of 100 series that did not change', () => {
    const normal = createNormal(31);
    const alarms: string[][] = [];
    for (let trial = 0; trial < 10; trial++) {
      const tests = Array.from({ length: 100 }, (_, i) => ({
        key: `s${i}`,
        measure: 'latency',
        history: history(normal, 100 + i),
        candidate: run(normal, 100 + i),
      }));
      alarms.push(flagged(tests));
    }
    // FDR at 1 %: under no change a run raises an alarm with probability at most 1 %.
    expect(alarms.flat()).toEqual([]);
    // The same runs tested one series at a time at 5 %, as without this function, do alarm.
    const normal2 = createNormal(31);
    const single = Array.from({ length: 100 }, (_, i) => ({
      key: `s${i}`,
      measure: 'latency',
      history: history(normal2, 100 + i),
      candidate: run(normal2, 100 + i),
      settings: { maxPValue: 0.05, minChange: 0 },
    }));
    expect(
      testAgainstBaseline(single, { fdr: false }).filter((v) => v.verdict !== 'no significant change').length,
    ).toBeGreaterThan(0);
  });

  it('finds a 10 % regression among 100 series, and tells improvement from regression', () => {
    const normal = createNormal(32);
    const tests: SeriesTest[] = Array.from({ length: 100 }, (_, i) => ({
      key: `s${i}`,
      measure: 'latency',
      history: history(normal, 100),
      candidate: run(normal, i === 7 ? 110 : i === 9 ? 90 : 100),
    }));
    const verdicts = testAgainstBaseline(tests);
    expect(flagged(tests)).toEqual(['s7', 's9']);
    expect(verdicts[7]).toMatchObject({ verdict: 'regressed', method: 'mann-whitney', baselinePoints: 20 });
    expect(verdicts[9]!.verdict).toBe('improved');
    expect(verdicts[7]!.change).toBeGreaterThan(0.03);
    expect(verdicts[7]!.changeCi!.lower).toBeGreaterThan(0);
  });

  it('does not flag one noisy run whose samples differ but whose level is within the runs', () => {
    // Baseline runs wander by 3 %; the candidate sits 2.5 % up with tight samples: the pooled-sample
    // test alone would call that a regression.
    const wandering = Array.from({ length: 20 }, (_, i) => {
      const level = 100 * (1 + 0.03 * Math.sin(i));
      return { value: level, samples: Array.from({ length: 10 }, (_, k) => level + (k - 4.5) * 0.05) };
    });
    const candidate = {
      value: 102.5,
      samples: Array.from({ length: 10 }, (_, k) => 102.5 + (k - 4.5) * 0.05),
    };
    const [verdict] = testAgainstBaseline([{ key: 'x', measure: 'latency', history: wandering, candidate }]);
    expect(verdict!.verdict).toBe('no significant change');
  });

  it('tests single values against the prediction interval, honours settings, and says when it cannot', () => {
    const values = [100, 101, 99, 100.5, 99.5, 100.2, 99.8, 100.1, 99.9, 100.3].map((value) => ({ value }));
    const [up, small, higher, none, one] = testAgainstBaseline([
      { key: 'up', measure: 'latency', history: values, candidate: { value: 110 } },
      {
        key: 'small',
        measure: 'latency',
        history: values,
        candidate: { value: 110 },
        settings: { minChange: 0.2 },
      },
      { key: 'higher', history: values, candidate: { value: 110 }, settings: { direction: 'higher' } },
      { key: 'none', history: [], candidate: { value: 1 } },
      { key: 'one', history: [{ value: 1 }], candidate: { value: 2 } },
    ]);
    expect(up).toMatchObject({ verdict: 'regressed', method: 'prediction' });
    expect(small!.verdict).toBe('no significant change');
    expect(higher!.verdict).toBe('improved');
    expect(none!.verdict).toBe('no baseline');
    expect(one!.verdict).toBe('no test');
    expect(() =>
      testAgainstBaseline([
        { key: 'bad', history: values, candidate: { value: 1 }, settings: { window: 0 } },
      ]),
    ).toThrow(/bad: window/);
  });
});
