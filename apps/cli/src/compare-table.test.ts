import { compareResults } from '@benchrunner/results';
import { describe, expect, it } from 'vitest';
import { formatChange, formatValue, renderComparisonTable } from './compare-table.ts';

describe('formatValue', () => {
  it('scales nanoseconds and bytes, groups big numbers and keeps other units', () => {
    expect(formatValue(10_543_000, 'ns')).toBe('10.54 ms');
    expect(formatValue(999, 'ns')).toBe('999 ns');
    expect(formatValue(1500, 'ns')).toBe('1.5 µs');
    expect(formatValue(2.5e9, 'ns')).toBe('2.5 s');
    expect(formatValue(0, 'ns')).toBe('0 ns');
    expect(formatValue(3 * 2 ** 20, 'bytes')).toBe('3 MiB');
    expect(formatValue(12.345, 'percent')).toBe('12.35%');
    expect(formatValue(1_234_567.8, 'ops/s')).toBe('1,234,568 ops/s');
    expect(formatValue(0.000123456, 'allocs')).toBe('0.0001235 allocs');
  });

  it('signs changes', () => {
    expect(formatChange(0.05123)).toBe('+5.12%');
    expect(formatChange(-0.1)).toBe('-10.00%');
    expect(formatChange(0)).toBe('0.00%');
  });
});

describe('renderComparisonTable', () => {
  it('aligns columns and says why a row has no test', () => {
    const doc = (value: number, samples?: number[]) => ({
      format: 'x',
      benchmarks: [
        {
          name: 'add',
          params: { size: '10', mode: 'fast' },
          measures: {
            latency: samples === undefined ? { value, unit: 'ns' } : { value, unit: 'ns', samples },
          },
        },
      ],
    });
    const rows = compareResults([doc(100)], [doc(105)]);
    const text = renderComparisonTable(rows, 0.05);
    const lines = text.split('\n');
    expect(lines[0]).toBe('benchmark  params             measure       A       B  change  CI  p  verdict');
    expect(lines[2]).toBe(
      'add        mode=fast,size=10  latency  100 ns  105 ns  +5.00%   -  -  n=1, no test',
    );
    expect(text).toContain('1 no test.');
  });
});
