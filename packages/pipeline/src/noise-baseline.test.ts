import type { Calibration } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { noiseBaseline } from './noise-baseline.ts';
import { noiseVerdict } from './noise-check.ts';

const calibration = (
  cpu: number,
  memory: number,
  cpuCv = 2,
  memoryCv = 6,
  busy: Calibration['busyProcesses'] = [],
): Calibration => ({
  cpu: { level: cpu, cv: cpuCv * 2, robustCv: cpuCv, rounds: 90 },
  memory: { level: memory, cv: memoryCv * 2, robustCv: memoryCv, rounds: 40 },
  cpuShare: 0.99,
  busyProcesses: busy,
});

// Ten quiet calibrations as this project's VM gives them: a steady CPU loop, a memory loop whose
// level depends on the process (5.2 to 6.9 ms) and whose rounds spread by 5 to 11 %.
const quiet = [
  calibration(2.67, 6.22, 3.0, 10.8),
  calibration(2.64, 6.57, 2.5, 10.0),
  calibration(2.68, 6.94, 1.8, 5.7),
  calibration(2.69, 5.91, 2.4, 7.9),
  calibration(2.67, 5.22, 2.0, 7.3),
  calibration(2.68, 5.87, 1.5, 9.8),
  calibration(2.69, 6.57, 1.6, 5.5),
  calibration(2.7, 5.95, 2.6, 8.9),
  calibration(2.66, 6.1, 2.2, 6.4),
  calibration(2.68, 6.3, 1.9, 7.7),
];

describe('noiseBaseline', () => {
  it("measures each loop's level spread and robust CV and suggests 1.5 x the largest, rounded up", () => {
    const baseline = noiseBaseline(quiet);
    expect(baseline.calibrations).toBe(10);
    expect(baseline.cpu.level).toEqual({ min: 2.64, median: 2.68, max: 2.7 });
    // From 2.70 down to 2.64 is 2.2 % of 2.70; from 2.64 up to 2.70, 2.27 % of 2.64: the larger.
    expect(baseline.cpu.spread).toBeCloseTo((0.06 / 2.64) * 100, 6);
    expect(baseline.memory.spread).toBeCloseTo(((6.94 - 5.22) / 5.22) * 100, 6);
    expect(baseline.cpu.robustCv).toEqual({ median: 2.1, max: 3 });
    expect(baseline.suggested).toEqual({
      maxCv: 5, // 3.0 x 1.5 = 4.5
      maxShift: 4, // 2.27 x 1.5 = 3.4
      memoryMaxCv: 17, // 10.8 x 1.5 = 16.2
      memoryMaxShift: 50, // 32.95 x 1.5 = 49.4
    });
  });

  it('suggests thresholds under which every pair of its own calibrations is quiet, and a hog is not', () => {
    const settings = { seconds: 0.5, requeue: 1, ...noiseBaseline(quiet).suggested };
    for (const before of quiet) {
      for (const after of quiet) {
        expect(noiseVerdict({ before, after }, settings)).toMatchObject({ verdict: 'quiet', reasons: [] });
      }
    }
    // The defaults mark pairs of these quiet calibrations noisy, for the memory loop alone.
    const defaults = { seconds: 0.5, requeue: 1, maxCv: 10, maxShift: 10 };
    const judged = noiseVerdict({ before: quiet[4], after: quiet[2] }, defaults);
    expect(judged.reasons).toEqual(['memory level moved 33.0 % (5.22 -> 6.94 ms), above 10 %']);
    // A process competing for the CPU moves the CPU loop's level far past its threshold.
    const hogged = calibration(10.9, 7.1, 2.5, 9);
    expect(noiseVerdict({ before: quiet[0], after: hogged }, settings).reasons).toEqual([
      'cpu level moved 308.2 % (2.67 -> 10.90 ms), above 4 %',
    ]);
  });

  it('never suggests below 1 %, names the processes busy during the calibrations, and needs two', () => {
    const hog = { pid: 9, cpuPercent: 80, command: 'node hog.js' };
    const steady = [
      calibration(2, 4, 0.1, 0.1, [{ ...hog, cpuPercent: 40 }]),
      calibration(2, 4, 0.1, 0.1, [hog]),
    ];
    const baseline = noiseBaseline(steady);
    expect(baseline.suggested).toEqual({ maxCv: 1, maxShift: 1, memoryMaxCv: 1, memoryMaxShift: 1 });
    expect(baseline.busyProcesses).toEqual([hog]);
    expect(() => noiseBaseline([calibration(2, 4)])).toThrow(
      'a baseline needs at least 2 calibrations, got 1',
    );
  });
});
