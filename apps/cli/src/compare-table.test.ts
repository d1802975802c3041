import { compareResults } from '@benchrunner/results';
import { describe, expect, it } from 'vitest';
import { formatChange, renderComparisonTable } from './compare-table.ts';

describe('formatChange', () => {
  it('signs changes', () => {
    expect(formatChange(0.05123)).toBe('+5.12%');
    expect(formatChange(-0.1)).toBe('-10.00%');
    expect(formatChange(0)).toBe('0.00%');
  });
});

describe('renderComparisonTable', () => {
  const doc = (shift: number) => ({
    format: 'x',
    benchmarks: [
      {
        name: 'add',
        params: { size: '10', mode: 'fast' },
        measures: {
          latency: { value: 100, unit: 'ns', samples: [1, 2, 3, 4, 5, 6].map((x) => 100 + x + shift) },
          user_time: { value: 7 + shift, unit: 'ns' },
          system_time: { value: 1, unit: 'ns' },
        },
      },
    ],
  });

  it('aligns columns and leaves single values out, saying once why', () => {
    const rows = compareResults([doc(0)], [doc(0)]);
    const text = renderComparisonTable(rows, { alpha: 0.05, minChange: 0.02, fdr: true });
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'benchmark  params             measure         A         B  change                CI       p  verdict',
    );
    expect(lines[2]).toMatch(
      /^add {8}mode=fast,size=10 {2}latency {2}103\.5 ns {2}103\.5 ns {3}0\.00% .* no significant change$/,
    );
    expect(lines).toHaveLength(9);
    expect(text).not.toMatch(/^add .*user_time/m);
    expect(text).toContain(
      '2 measures with a single value on a side (user_time, system_time) are left out: one value has no spread to test.',
    );
    expect(text).toContain('adjusted over 1 test (Benjamini-Hochberg)');
    expect(text).toContain(
      'A change is reported when p < 0.05, the interval excludes 0 and |change| >= 2.00%.',
    );
  });

  it('explains a row whose sample size cannot reach alpha, and notes doubtful conditions', () => {
    const rows = compareResults([doc(0)], [doc(50)], { alpha: 0.001 });
    const text = renderComparisonTable(rows, {
      alpha: 0.001,
      minChange: 0.02,
      fdr: true,
      notes: ['the minion of B was busy: load average 3 on 2 CPUs when the run started'],
    });
    expect(text).toMatch(/^add .* n=6\/6, too few to decide$/m);
    expect(text).toContain('"too few to decide": no arrangement of that many samples gives p < 0.001');
    expect(text).toContain('Cannot trust this comparison fully: the minion of B was busy');
  });
});
