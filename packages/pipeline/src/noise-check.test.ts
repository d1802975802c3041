import type { Calibration } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { noiseVerdict } from './noise-check.ts';

const settings = { seconds: 0.5, maxCv: 10, maxShift: 10, requeue: 1 };
const calibration = (cpu: number, cpuCv: number, busy: Calibration['busyProcesses'] = []): Calibration => ({
  cpu: { level: cpu, cv: cpuCv, rounds: 50 },
  memory: { level: 4, cv: 2, rounds: 40 },
  cpuShare: 0.99,
  busyProcesses: busy,
});

describe('noiseVerdict', () => {
  it('is quiet when both calibrations are steady and at one level', () => {
    const report = noiseVerdict({ before: calibration(2.5, 3), after: calibration(2.6, 4) }, settings);
    expect(report).toMatchObject({ verdict: 'quiet', reasons: [], busyProcesses: [], settings });
  });

  it('is noisy on a CV above maxCv or a level moved by more than maxShift, and names busy processes once', () => {
    const hog = { pid: 42, cpuPercent: 95, command: 'node hog.js' };
    const report = noiseVerdict(
      {
        before: calibration(2.5, 3, [{ ...hog, cpuPercent: 30 }]),
        after: calibration(5, 40, [hog, { pid: 7, cpuPercent: 25, command: 'apt' }]),
      },
      settings,
    );
    expect(report.verdict).toBe('noisy');
    expect(report.reasons).toEqual([
      'cpu CV 40.0 % after the benchmarks, above 10 %',
      'cpu level moved 100.0 % (2.50 -> 5.00 ms), above 10 %',
    ]);
    expect(report.busyProcesses).toEqual([hog, { pid: 7, cpuPercent: 25, command: 'apt' }]);
  });

  it('is unknown when a calibration could not run, and says why', () => {
    const report = noiseVerdict(
      { before: calibration(2.5, 3), errors: ['after: node exited 127'] },
      settings,
    );
    expect(report).toMatchObject({ verdict: 'unknown', reasons: ['after: node exited 127'] });
    expect(report.after).toBeUndefined();
  });
});
