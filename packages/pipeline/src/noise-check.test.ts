import type { Calibration } from '@benchrunner/core';
import { describe, expect, it } from 'vitest';
import { describeLoop, noiseVerdict } from './noise-check.ts';

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

  it('judges the memory loop by its own thresholds where set, and the CPU loop by the shared ones', () => {
    const at = (cpu: number, memory: number, memoryCv: number): Calibration => ({
      ...calibration(cpu, 3),
      memory: { level: memory, cv: memoryCv, rounds: 40 },
    });
    const before = at(2.5, 5.2, 12);
    const after = at(2.6, 6.9, 3);
    expect(noiseVerdict({ before, after }, settings).reasons).toEqual([
      'memory CV 12.0 % before the benchmarks, above 10 %',
      'memory level moved 32.7 % (5.20 -> 6.90 ms), above 10 %',
    ]);
    const own = { ...settings, memoryMaxCv: 15, memoryMaxShift: 40 };
    expect(noiseVerdict({ before, after }, own)).toMatchObject({ verdict: 'quiet', reasons: [] });
    // The CPU loop keeps maxCv and maxShift: 10 %, not the memory loop's 15 and 40.
    expect(noiseVerdict({ before, after: at(3, 6.9, 3) }, own).reasons).toEqual([
      'cpu level moved 20.0 % (2.50 -> 3.00 ms), above 10 %',
    ]);
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

describe('describeLoop', () => {
  // 19 steady rounds and one a timer interrupt stretched to twice as long.
  const steady = Array.from({ length: 19 }, (_, i) => 2 + (i % 3) * 0.01);
  const interrupted = [...steady, 4];

  it('keeps the odd stretched round out of the robust CV and the level, not out of the plain CV', () => {
    const loop = describeLoop(interrupted, 'cpu');
    expect(loop.cv).toBeGreaterThan(10);
    expect(loop.robustCv).toBeLessThan(2);
    expect(loop.level).toBeCloseTo(2.01, 2);
    const calibration = (l: typeof loop): Calibration => ({
      cpu: l,
      memory: l,
      cpuShare: 1,
      busyProcesses: [],
    });
    const report = noiseVerdict({ before: calibration(loop), after: calibration(loop) }, settings);
    expect(report).toMatchObject({ verdict: 'quiet', reasons: [] });
  });

  it('sees a competing process that slows most rounds', () => {
    // Time-sliced with a hog: rounds alternate between their own time and two to three times it.
    const shared = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 2 : 4 + (i % 4) * 0.5));
    const loop = describeLoop(shared, 'cpu');
    expect(loop.robustCv).toBeGreaterThan(10);
    const calibration: Calibration = { cpu: loop, memory: loop, cpuShare: 0.5, busyProcesses: [] };
    expect(noiseVerdict({ before: calibration, after: calibration }, settings).verdict).toBe('noisy');
  });

  it('judges the plain CV of a manifest written before the robust one existed', () => {
    const old: Calibration = calibration(2.5, 30);
    expect(old.cpu.robustCv).toBeUndefined();
    expect(noiseVerdict({ before: old, after: old }, settings).verdict).toBe('noisy');
  });
});
