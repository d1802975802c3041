import type { Calibration, NoiseReport } from '@benchrunner/core';
import type { RunTable } from './schema.ts';

/** The columns of `runs` that hold a run's noise check. */
export type NoiseColumns = Pick<RunTable, 'noisy' | 'noise_verdict' | 'noise_cv' | 'noise_shift' | 'noise'>;

const LOOPS = ['cpu', 'memory'] as const;

/**
 * A run's noise check as `runs` stores it: whether it was noisy (detection leaves such runs out),
 * the verdict, the largest coefficient of variation of a calibration loop and the largest move of a
 * loop's level between before and after (percent), and every loop's level and CV as JSON text.
 * A run without a check (`noise: false`, or recorded before there was one) is not noisy.
 */
export function noiseColumns(report: NoiseReport | undefined, noisy: boolean | undefined): NoiseColumns {
  if (!report) {
    return {
      noisy: noisy === true ? 1 : 0,
      noise_verdict: null,
      noise_cv: null,
      noise_shift: null,
      noise: null,
    };
  }
  const calibrations = [report.before, report.after].filter((c): c is Calibration => c !== undefined);
  // The CV the verdict judged: the robust one (the plain one in manifests written before it).
  const cvs = calibrations.flatMap((c) => LOOPS.map((loop) => c[loop].robustCv ?? c[loop].cv));
  const { before, after } = report;
  const shifts =
    before && after
      ? LOOPS.filter((loop) => before[loop].level > 0).map(
          (loop) => (Math.abs(after[loop].level - before[loop].level) / before[loop].level) * 100,
        )
      : [];
  const loops = (c: Calibration | undefined) =>
    c
      ? Object.fromEntries(
          LOOPS.map((loop) => [
            loop,
            {
              level: c[loop].level,
              cv: c[loop].cv,
              ...(c[loop].robustCv === undefined ? {} : { robustCv: c[loop].robustCv }),
            },
          ]),
        )
      : null;
  return {
    noisy: noisy === true || report.verdict === 'noisy' ? 1 : 0,
    noise_verdict: report.verdict,
    noise_cv: cvs.length > 0 ? Math.max(...cvs) : null,
    noise_shift: shifts.length > 0 ? Math.max(...shifts) : null,
    noise: JSON.stringify({ before: loops(before), after: loops(after) }),
  };
}
