import { describe, expect, it } from 'vitest';
import type { ComparableDocument, ComparisonRow } from './compare-results.ts';
import { compareResults } from './compare-results.ts';
import { createNormal } from './random.ts';

const doc = (benchmarks: ComparableDocument['benchmarks'], benchmark?: string): ComparableDocument => ({
  format: 'test',
  benchmarks,
  ...(benchmark === undefined ? {} : { benchmark }),
});

describe('compareResults', () => {
  const fast = [10, 11, 12, 13, 14, 15, 16, 17];
  const slow = fast.map((x) => x * 2);

  it('matches benchmarks by name, params and measure, and lists what only one side has', () => {
    const a = [
      doc([
        {
          name: 'add',
          params: { size: '1', kind: 'x' },
          measures: { latency: { value: 13, unit: 'ns', samples: fast } },
        },
        { name: 'gone', params: {}, measures: { latency: { value: 5, unit: 'ns' } } },
      ]),
    ];
    const b = [
      doc([
        // Params in another order still match.
        {
          name: 'add',
          params: { kind: 'x', size: '1' },
          measures: { latency: { value: 26, unit: 'ns', samples: slow } },
        },
        { name: 'add', params: { size: '2', kind: 'x' }, measures: { latency: { value: 1, unit: 'ns' } } },
      ]),
    ];
    const rows = compareResults(a, b);
    expect(rows.map((r) => [r.benchmark, r.params.size, r.verdict])).toEqual([
      ['add', '1', 'regressed'],
      ['gone', undefined, 'only in A'],
      ['add', '2', 'only in B'],
    ]);
    expect(rows[0]!.change).toBeCloseTo(1, 12);
    expect(rows[0]!.test!.p).toBeLessThan(0.001);
    expect(rows[1]!.a!.n).toBe(1);
    expect(rows[2]!.b!.median).toBe(1);
  });

  it('uses the single value without samples (n = 1, no test) and flags unit mismatches', () => {
    const a = [
      doc([
        {
          name: 'x',
          params: {},
          measures: { latency: { value: 100, unit: 'ns' }, memory: { value: 1, unit: 'bytes' } },
        },
      ]),
    ];
    const b = [
      doc([
        {
          name: 'x',
          params: {},
          measures: { latency: { value: 90, unit: 'ns' }, memory: { value: 1, unit: 'KiB' } },
        },
      ]),
    ];
    const [latency, memory] = compareResults(a, b);
    expect(latency).toMatchObject({ verdict: 'no test', change: expect.closeTo(-0.1, 12), test: null });
    expect(memory).toMatchObject({ verdict: 'unit mismatch', unit: 'bytes', unitB: 'KiB', change: null });
  });

  it('pools repeats of one benchmark across documents, and tags rows with the suite benchmark', () => {
    const run = (samples: number[][]) =>
      samples.map((s) =>
        doc(
          [
            {
              name: 'parse',
              params: {},
              measures: { throughput: { value: s[0]!, unit: 'ops/s', samples: s } },
            },
          ],
          'suite-a',
        ),
      );
    const rows = compareResults(
      run([fast.slice(0, 4), fast.slice(4)]),
      run([slow.slice(0, 4), slow.slice(4)]),
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ benchmark: 'suite-a/parse', verdict: 'improved' });
    expect(rows[0]!.a!.n).toBe(8);
    // A file against a run: the suite tag is ignored so the names still meet.
    const file = [
      doc([
        { name: 'parse', params: {}, measures: { throughput: { value: 1, unit: 'ops/s', samples: fast } } },
      ]),
    ];
    expect(compareResults(file, run([slow])).map((r) => [r.benchmark, r.verdict])).toEqual([
      ['parse', 'improved'],
    ]);
  });

  it('refuses one side holding a measure in two units', () => {
    const a = [
      doc([{ name: 'x', params: {}, measures: { latency: { value: 1, unit: 'ns' } } }]),
      doc([{ name: 'x', params: {}, measures: { latency: { value: 1, unit: 'ms' } } }]),
    ];
    expect(() => compareResults(a, a)).toThrow(/A: benchmark 'x' reports latency in both ns and ms/);
  });
});

describe('compareResults over many benchmarks (A/A)', () => {
  const docOf = (means: number[], normal: (m: number, s: number) => number): ComparableDocument => ({
    format: 'bmf',
    benchmarks: means.map((mean, i) => ({
      name: `bench-${i}`,
      params: {},
      measures: {
        latency: {
          value: mean,
          unit: 'ns',
          samples: Array.from({ length: 30 }, () => normal(mean, mean * 0.02)),
        },
      },
    })),
  });
  const flagged = (rows: ComparisonRow[]) =>
    rows.filter((r) => r.verdict !== 'no significant change').map((r) => r.benchmark);

  it('flags nothing in 20 comparisons of 40 benchmarks drawn twice from one distribution', () => {
    const normal = createNormal(7);
    const means = Array.from({ length: 40 }, (_, i) => 1000 * (i + 1));
    let raw = 0;
    for (let trial = 0; trial < 20; trial++) {
      const a = docOf(means, normal);
      const b = docOf(means, normal);
      expect(flagged(compareResults([a], [b], { resamples: 200 }))).toEqual([]);
      raw += flagged(compareResults([a], [b], { resamples: 200, fdr: false, minChange: 0 })).length;
    }
    // Without the correction and the minimum change, about 5 % of the 800 tests are false alarms.
    expect(raw).toBeGreaterThan(10);
  });

  it('finds a real 5 % shift at 2 % noise with n = 30 among 40 benchmarks', () => {
    const normal = createNormal(8);
    const means = Array.from({ length: 40 }, (_, i) => 1000 * (i + 1));
    for (let trial = 0; trial < 10; trial++) {
      const a = docOf(means, normal);
      const b = docOf(
        means.map((m, i) => (i === 3 ? m * 1.05 : m)),
        normal,
      );
      const rows = compareResults([a], [b], { resamples: 200 });
      expect(flagged(rows)).toEqual(['bench-3']);
      expect(rows[3]!.verdict).toBe('regressed');
    }
  });
});
