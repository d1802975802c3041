import { describe, expect, it } from 'vitest';
import { detectChangePoints } from './change-points.ts';
import { eDivisive } from './e-divisive.ts';
import { scoreDetector, syntheticSeries } from './synthetic.ts';

// 200 runs, 4 shifts of 3-8 %, 1 % run-to-run and 2 % within-run noise, 10 samples a run, 2 % of
// them pauses up to +50 %: what a busy CI machine's latency benchmark looks like.
const SHAPE = {
  length: 200,
  changes: 4,
  minSegment: 15,
  shift: [0.03, 0.08] as [number, number],
  runNoise: 0.01,
  sampleNoise: 0.02,
  samples: 10,
  outlierRate: 0.02,
  outlierSize: 0.5,
};
const SETS = Array.from({ length: 20 }, (_, i) => syntheticSeries(1000 + i, SHAPE));

describe('detectChangePoints', () => {
  it("beats Otava's best setting in precision and recall on series with samples (fixed seeds)", () => {
    const ours = scoreDetector(SETS, (s) => detectChangePoints(s.points).map((p) => p.index));
    let best = { precision: 0, recall: 0, f1: 0, setting: '' };
    for (const window of [10, 30, 50, 100]) {
      for (const maxPValue of [1e-4, 1e-3, 1e-2, 0.05]) {
        for (const minMagnitude of [0, 0.01, 0.02, 0.05]) {
          const otava = scoreDetector(SETS, (s) =>
            eDivisive(
              s.points.map((p) => p.value),
              { window, maxPValue, minMagnitude },
            ).map((p) => p.index),
          );
          if (otava.f1 > best.f1) best = { ...otava, setting: `${window}/${maxPValue}/${minMagnitude}` };
        }
      }
    }
    expect(ours.precision, `ours ${JSON.stringify(ours)}, Otava ${JSON.stringify(best)}`).toBeGreaterThan(
      best.precision,
    );
    expect(ours.recall).toBeGreaterThan(best.recall);
  });

  it('passes values without samples to Otava unchanged, with Otava defaults', () => {
    const s = SETS[0]!;
    const values = s.points.map((p) => ({ value: p.value }));
    expect(detectChangePoints(values)).toEqual(eDivisive(values.map((p) => p.value)));
    expect(detectChangePoints(values, { window: 30, maxPValue: 0.01 })).toEqual(
      eDivisive(
        values.map((p) => p.value),
        { window: 30, maxPValue: 0.01 },
      ),
    );
  });

  it('names a bad sample by point', () => {
    expect(() =>
      detectChangePoints([
        { value: 1, samples: [1] },
        { value: 1, samples: [1, Number.NaN] },
      ]),
    ).toThrow(/point 1: samples\[1\]/);
  });
});
