import type { ResultDocument } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { widestMedianCi } from './adaptive-repeats.ts';

const doc = (measures: ResultDocument['benchmarks'][number]['measures']): ResultDocument => ({
  format: 'seed',
  benchmarks: [{ name: 'b', params: {}, measures }],
});
const latency = (samples: number[]) => ({ value: samples[0] ?? 0, unit: 'ns', samples });

describe('widestMedianCi', () => {
  it('is the half-width of the median interval in percent, over timing measures only', () => {
    // 10 samples: the 95 % interval is [x(2), x(9)] = [98, 103] around the median 100.
    const samples = [90, 98, 99, 99.5, 100, 100, 100.5, 101, 103, 120];
    const noisyCpu = { value: 1, unit: '%', samples: [1, 50, 3, 90, 2, 70, 5, 60, 4, 80] };
    expect(widestMedianCi(doc({ latency: latency(samples), cpu: noisyCpu }))).toBeCloseTo(3, 10);
  });

  it('takes every measure of a result without a timing one, and the widest of all', () => {
    const steady = [10, 10, 10, 10, 10, 10];
    const wide = [5, 8, 10, 10, 12, 20];
    expect(widestMedianCi(doc({ allocs: latency(steady), bytes: latency(wide) }))).toBeCloseTo(100, 10);
  });

  it('cannot tell with fewer than 6 samples or a measure without samples', () => {
    expect(widestMedianCi(doc({ latency: latency([1, 1, 1, 1, 1]) }))).toBeNull();
    expect(widestMedianCi(doc({ latency: { value: 1, unit: 'ns' } }))).toBeNull();
    expect(widestMedianCi({ format: 'seed', benchmarks: [] })).toBeNull();
  });
});
