import type { Regression } from '@benchrunner/results-db';

/** A regression record as the results database returns it. */
export function regression(overrides: Partial<Regression> = {}): Regression {
  return {
    id: 'a1b2c3d4e5f6a7b8c9d0',
    series: {
      key: 'k1',
      benchmark: 'add',
      result: 'add file',
      params: { fileSet: 'One4MBFile' },
      measure: 'latency',
      unit: 'ns',
      direction: 'lower',
      minion: 'local',
      branch: 'main',
    },
    detector: 'baseline',
    kind: 'regression',
    status: 'confirmed',
    lastGood: { commit: '1'.repeat(40), runId: 'run-1' },
    firstBad: { commit: 'a'.repeat(40), runId: 'run-2' },
    before: { median: 100, ci: { lower: 98, upper: 102 } },
    after: { median: 120, ci: { lower: 118, upper: 122 } },
    change: 0.2,
    changeCi: { lower: 0.17, upper: 0.23 },
    pValue: 0.0004,
    runs: ['run-1', 'run-2'],
    confirmation: null,
    createdAt: '2026-11-30T08:00:00.000Z',
    updatedAt: '2026-11-30T08:05:00.000Z',
    ...overrides,
  };
}
