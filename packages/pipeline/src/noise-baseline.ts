import type { BusyProcess, Calibration, MinionNoise } from '@benchrunner/core';
import type { CommandRunner } from '@benchrunner/ssh';
import { calibrate, shift } from './noise-check.ts';

/** What a series of calibrations on a quiet minion says of one loop. */
export interface LoopBaseline {
  /** Fastest, median and slowest level (median ms per round) of the calibrations. */
  level: { min: number; median: number; max: number };
  /** The largest move between two of the calibrations' levels, in percent: what `maxShift` judges. */
  spread: number;
  /** The calibrations' robust CVs (percent): their median and largest. What `maxCv` judges. */
  robustCv: { median: number; max: number };
}

/** Thresholds for a minion, from its own calibrations while quiet. */
export interface NoiseBaseline {
  calibrations: number;
  cpu: LoopBaseline;
  memory: LoopBaseline;
  /** The inventory's `benchrunner_noise` for this minion. */
  suggested: Required<MinionNoise>;
  /** Other processes busy during any calibration: a baseline taken beside them is not a quiet one. */
  busyProcesses: BusyProcess[];
}

/**
 * How much room the suggested thresholds leave above the worst a quiet minion showed: a few
 * calibrations see less than the full range of quiet ones, and a threshold at the edge of that
 * range would mark every few quiet runs noisy.
 */
export const BASELINE_MARGIN = 1.5;
/**
 * Calibrations a baseline takes by default: a VM's memory loop had robust CVs from 5 to 20 % in
 * calibrations back to back, and ten of them did not always see the top of that range.
 */
export const BASELINE_RUNS = 20;
/** The least a suggested threshold is, in percent: below it, timer resolution and rounding decide. */
const FLOOR = 1;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function loopBaseline(calibrations: readonly Calibration[], loop: 'cpu' | 'memory'): LoopBaseline {
  const levels = calibrations.map((c) => c[loop].level);
  const cvs = calibrations.map((c) => c[loop].robustCv ?? c[loop].cv);
  const min = Math.min(...levels);
  const max = Math.max(...levels);
  return {
    level: { min, median: median(levels), max },
    // The largest move between any two is the one from the fastest to the slowest, in either
    // direction: the verdict divides by the level before, which may be either of them.
    spread: Math.max(shift(min, max), shift(max, min)),
    robustCv: { median: median(cvs), max: Math.max(...cvs) },
  };
}

/** Rounds a threshold up to a whole percent, at least {@link FLOOR}. */
const threshold = (observed: number, margin: number) => Math.max(FLOOR, Math.ceil(observed * margin));

/**
 * The thresholds a minion's own quiet calibrations call for: each loop's largest robust CV and
 * largest level spread, times `margin`, rounded up to a whole percent. Throws on fewer than two
 * calibrations (one says nothing of how the level moves).
 */
export function noiseBaseline(calibrations: readonly Calibration[], margin = BASELINE_MARGIN): NoiseBaseline {
  if (calibrations.length < 2) {
    throw new RangeError(`a baseline needs at least 2 calibrations, got ${calibrations.length}`);
  }
  const cpu = loopBaseline(calibrations, 'cpu');
  const memory = loopBaseline(calibrations, 'memory');
  const busy = new Map<number, BusyProcess>();
  for (const p of calibrations.flatMap((c) => c.busyProcesses)) {
    const seen = busy.get(p.pid);
    if (!seen || seen.cpuPercent < p.cpuPercent) busy.set(p.pid, p);
  }
  return {
    calibrations: calibrations.length,
    cpu,
    memory,
    suggested: {
      maxCv: threshold(cpu.robustCv.max, margin),
      maxShift: threshold(cpu.spread, margin),
      memoryMaxCv: threshold(memory.robustCv.max, margin),
      memoryMaxShift: threshold(memory.spread, margin),
    },
    busyProcesses: [...busy.values()].sort((a, b) => b.cpuPercent - a.cpuPercent),
  };
}

/**
 * Runs `runs` calibrations one after the other on the minion, each a fresh process as in a run's
 * noise check (pinned with `pin`, in `cwd`), and returns them. `onCalibration` hears of each.
 */
export async function calibrateRepeatedly(
  runner: CommandRunner,
  options: {
    runs: number;
    seconds: number;
    pin: readonly string[];
    cwd: string;
    env?: Record<string, string>;
    signal: AbortSignal;
    onCalibration?: (calibration: Calibration, index: number) => void;
  },
): Promise<Calibration[]> {
  const calibrations: Calibration[] = [];
  for (let i = 0; i < options.runs; i++) {
    options.signal.throwIfAborted();
    const calibration = await calibrate(runner, {
      pin: options.pin,
      cwd: options.cwd,
      env: options.env ?? {},
      signal: options.signal,
      seconds: options.seconds,
    });
    calibrations.push(calibration);
    options.onCalibration?.(calibration, i);
  }
  return calibrations;
}
