import { InputError } from '@benchrunner/core';
import { median } from './describe.ts';
import type { ChangePoint, EDivisiveOptions } from './e-divisive.ts';
import { eDivisive } from './e-divisive.ts';

/** One point of a series: the tool's headline value and, when the tool reported them, its samples. */
export interface SeriesPoint {
  value: number;
  samples?: readonly number[];
}

/** Options of {@link detectChangePoints}: Otava's parameters; unset ones take our defaults. */
export type DetectOptions = Omit<EDivisiveOptions, 'tester'>;

/**
 * Our defaults where points carry samples: chosen on the synthetic series of
 * change-points.test.ts (1-5 % shifts, 1 % run-to-run and 2 % within-run noise, 5 % outliers);
 * a smaller first-pass window sees short segments, and 1 % is below the shifts worth reporting
 * yet above what the medians of ten samples wander by.
 */
export const SAMPLE_DEFAULTS = { window: 30, maxPValue: 0.001, minMagnitude: 0.01 } as const;

/**
 * Change points of a series (E-Divisive means, see {@link eDivisive}), in the order given, which
 * for a branch is first-parent order. Pure and deterministic.
 *
 * Without samples the values go to Otava's algorithm as they are, with Otava's defaults: the same
 * parameters give the same indices as Otava. When every point has samples, each point stands for
 * the median of its samples, not for the tool's mean: a run's outliers (a GC pause, a busy
 * neighbour) move a mean but hardly a median, so neither the energy statistic nor the t-test sees
 * a shift that is only one run's tail; unset parameters then take {@link SAMPLE_DEFAULTS}.
 *
 * @throws InputError on a non-finite value or sample, naming the point.
 */
export function detectChangePoints(
  points: readonly SeriesPoint[],
  options: DetectOptions = {},
): ChangePoint[] {
  const withSamples = points.length > 0 && points.every((p) => (p.samples?.length ?? 0) > 0);
  const series = points.map((point, i) => {
    if (!withSamples) return point.value;
    point.samples!.forEach((x, k) => {
      if (!Number.isFinite(x)) {
        throw new InputError(`point ${i}: samples[${k}]: expected a finite number, got ${x}`);
      }
    });
    return median(point.samples!);
  });
  if (!withSamples) return eDivisive(series, options);
  return eDivisive(series, {
    window: options.window ?? SAMPLE_DEFAULTS.window,
    maxPValue: options.maxPValue ?? SAMPLE_DEFAULTS.maxPValue,
    minMagnitude: options.minMagnitude ?? SAMPLE_DEFAULTS.minMagnitude,
  });
}
