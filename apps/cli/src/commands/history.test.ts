import type { History, HistoryPoint } from '@benchrunner/results-db';
import { describe, expect, it } from 'vitest';
import { renderHistory } from './history.ts';

const point = (runId: string, value: number, noisy: boolean): HistoryPoint => ({
  runId,
  commit: 'a'.repeat(40),
  subject: 'change',
  commitTime: null,
  firstParentDepth: 1,
  startedAt: '2026-11-30T00:00:00.000Z',
  cid: null,
  noisy,
  value,
  n: null,
  median: null,
  mean: null,
  stddev: null,
  ci: null,
});

describe('renderHistory', () => {
  it('marks the points of noisy runs and counts them', () => {
    const history: History = {
      series: {
        benchmark: 'add',
        result: 'add',
        params: {},
        measure: 'latency',
        unit: 'ns',
        direction: 'lower',
        minion: 'local',
        branch: 'main',
      },
      points: [point('r-quiet', 1000, false), point('r-loud', 1500, true)],
    };
    const text = renderHistory(history);
    expect(text).toMatch(/r-loud \(noisy\)/);
    expect(text).not.toMatch(/r-quiet \(noisy\)/);
    expect(text).toContain('2 points, oldest first in first-parent order. 1 from noisy runs');
  });
});
