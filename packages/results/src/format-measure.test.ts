import { describe, expect, it } from 'vitest';
import { formatMeasure } from './format-measure.ts';

describe('formatMeasure', () => {
  it('scales nanoseconds, bytes and operations per second to four significant digits', () => {
    expect(formatMeasure(70047316.66666667, 'ns')).toBe('70.05 ms');
    expect(formatMeasure(2.5125e9, 'ns')).toBe('2.513 s');
    expect(formatMeasure(198.79, 'ns')).toBe('198.8 ns');
    expect(formatMeasure(0.5, 'ns')).toBe('0.5 ns');
    expect(formatMeasure(12_345, 'ns')).toBe('12.35 µs');
    expect(formatMeasure(86_400e9, 'ns')).toBe('86,400 s');
    expect(formatMeasure(1537089536, 'bytes')).toBe('1.432 GiB');
    expect(formatMeasure(1024, 'bytes')).toBe('1 KiB');
    expect(formatMeasure(12_345_678.9, 'ops/s')).toBe('12.35 Mops/s');
    expect(formatMeasure(950, 'ops/s')).toBe('950 ops/s');
  });

  it('keeps other units as they are', () => {
    expect(formatMeasure(41.25, 'percent')).toBe('41.25%');
    expect(formatMeasure(0.61, 'load')).toBe('0.61 load');
    expect(formatMeasure(123_456.7, 'allocs')).toBe('123,457 allocs');
    expect(formatMeasure(Number.NaN, 'ns')).toBe('NaN ns');
  });
});
