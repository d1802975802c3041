import { describe, expect, it } from 'vitest';
import {
  changePointFindings,
  isPullRequestBranch,
  type StoredPoint,
  sinceLastChange,
  suiteDetectSettings,
} from './detection.ts';

/** Points without samples at the given levels, with a small deterministic wobble. */
function points(levels: number[]): StoredPoint[] {
  return levels.map((level, i) => ({
    runId: `run-${i}`,
    commit: `c${i}`,
    value: level * (1 + ((i * 7) % 5) / 1000),
    samples: null,
  }));
}

const steps = (...parts: [number, number][]) => parts.flatMap(([level, count]) => Array(count).fill(level));

describe('changePointFindings', () => {
  it('records a level shift as a change point with the range and both levels', () => {
    const series = points(steps([100, 30], [110, 30]));
    const { findings, fixed } = changePointFindings('k', series, {}, 'lower', []);
    expect(fixed).toEqual([]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      detector: 'change-point',
      kind: 'regression',
      last_good_run: 'run-29',
      first_bad_run: 'run-30',
      first_bad_commit: 'c30',
    });
    expect(findings[0]?.before_median).toBeCloseTo(100, 0);
    expect(findings[0]?.after_median).toBeCloseTo(110, 0);
    expect(findings[0]?.change).toBeCloseTo(0.1, 2);
  });

  it('calls a shift the better way an improvement, and without a direction a change', () => {
    const series = points(steps([100, 30], [90, 30]));
    expect(changePointFindings('k', series, {}, 'lower', []).findings[0]?.kind).toBe('improvement');
    expect(changePointFindings('k', series, {}, null, []).findings[0]?.kind).toBe('change');
  });

  it('leaves a change already recorded near the same point alone', () => {
    const series = points(steps([100, 30], [110, 30]));
    const recorded = [{ id: 'r1', firstBadRun: 'run-31', beforeMedian: 100, afterMedian: 110 }];
    expect(changePointFindings('k', series, {}, 'lower', recorded).findings).toEqual([]);
  });

  it('fixes an open record when a later change point returns the series to its old level', () => {
    const series = points(steps([100, 30], [110, 30], [100, 30]));
    const recorded = [{ id: 'r1', firstBadRun: 'run-30', beforeMedian: 100, afterMedian: 110 }];
    const { findings, fixed } = changePointFindings('k', series, {}, 'lower', recorded);
    expect(fixed).toEqual(['r1']);
    expect(findings.map((f) => [f.first_bad_run, f.kind])).toEqual([['run-60', 'improvement']]);
  });

  it('does not fix a record when the later change goes elsewhere', () => {
    const series = points(steps([100, 30], [110, 30], [120, 30]));
    const recorded = [{ id: 'r1', firstBadRun: 'run-30', beforeMedian: 100, afterMedian: 110 }];
    expect(changePointFindings('k', series, {}, 'lower', recorded).fixed).toEqual([]);
  });
});

describe('sinceLastChange', () => {
  it('starts the baseline at the latest recorded first bad point', () => {
    const series = points([1, 1, 2, 2]);
    expect(sinceLastChange(series, new Set(['run-2'])).map((p) => p.runId)).toEqual(['run-2', 'run-3']);
    expect(sinceLastChange(series, new Set())).toHaveLength(4);
  });
});

describe('isPullRequestBranch', () => {
  it('knows pull request refs and runs with a pull request number', () => {
    expect(isPullRequestBranch('pull/12/head', null)).toBe(true);
    expect(isPullRequestBranch('feature', 12)).toBe(true);
    expect(isPullRequestBranch('main', null)).toBe(false);
  });
});

describe('suiteDetectSettings', () => {
  it("takes a benchmark's fields over the suite's, and nothing when neither sets any", () => {
    const of = suiteDetectSettings({
      detect: { window: 10, minChange: 0.05 },
      benchmarks: [{ name: 'a', detect: { minChange: 0.1 } }, { name: 'b' }],
    });
    expect(of('a')).toEqual({ window: 10, minChange: 0.1 });
    expect(of('b')).toEqual({ window: 10, minChange: 0.05 });
    expect(suiteDetectSettings({ benchmarks: [] })('a')).toBeUndefined();
  });
});
