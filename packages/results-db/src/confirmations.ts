import type { DetectSpec, RunJobData } from '@benchrunner/core';
import { compareSamples, DEFAULT_MIN_CHANGE, type Direction, type Verdict } from '@benchrunner/results';

/** Runs of each side a confirmation asks for when the suite's `detect.confirm` does not say. */
export const DEFAULT_CONFIRM_ROUNDS = 3;

/** The largest p-value of a confirmed change when `detect.maxPValue` is unset (the per-run test's default). */
const DEFAULT_CONFIRM_MAX_P = 0.01;

/** Fewest runs of each side with results that a confirmation decides on. */
const MIN_RUNS_PER_SIDE = 2;

/** One run a confirmation asked for. */
export interface ConfirmationRun {
  runId: string;
  /** `baseline`: the last good commit; `suspect`: the first bad one. */
  side: 'baseline' | 'suspect';
  /** 0-based position in the interleaved sequence (baseline, suspect, baseline, ...). */
  round: number;
  commit: string;
  /**
   * Why the run will never report: it left the lane before it ran (cancelled while waiting, a
   * drained lane). It counts as a run that gave no results.
   */
  lost?: string;
}

/** What one side's runs measured, pooled. */
export interface ConfirmationSide {
  /** Runs of this side that gave results for the series. */
  runs: number;
  /** Values pooled: every run's samples (its value where it has none). */
  n: number;
  median: number | null;
  ci: { lower: number; upper: number } | null;
}

/** How a confirmation ended, with its evidence. */
export interface ConfirmationResult {
  /**
   * `confirmed`: significant in the record's direction and at least `minChange`; `noise`: not;
   * `undecided`: too few runs or samples to say (the record goes back to `suspected`).
   */
  outcome: 'confirmed' | 'noise' | 'undecided';
  reason: string;
  baseline: ConfirmationSide;
  suspect: ConfirmationSide;
  /** (suspect - baseline) / |baseline| of the pooled medians, with its bootstrap interval. */
  change: number | null;
  changeCi: { lower: number; upper: number } | null;
  /** Two-sided Mann-Whitney p-value of suspect against baseline. */
  pValue: number | null;
  /** The comparison's verdict (as `compare` gives it); null when none was made. */
  verdict: Verdict | null;
  maxPValue: number;
  minChange: number;
  decidedAt: string;
}

/** A record's latest confirmation. */
export interface Confirmation {
  startedAt: string;
  /** The runs asked for, in the order they were queued. */
  runs: ConfirmationRun[];
  /** Null while runs are missing. */
  result: ConfirmationResult | null;
}

/** The runs of a confirmation: baseline and suspect alternating, `rounds` of each. */
export function planConfirmation(
  lastGood: string,
  firstBad: string,
  rounds: number,
  newId: () => string,
): ConfirmationRun[] {
  return Array.from({ length: rounds * 2 }, (_, round) => {
    const side = round % 2 === 0 ? 'baseline' : 'suspect';
    return { runId: newId(), side, round, commit: side === 'baseline' ? lastGood : firstBad };
  });
}

/** The rounds a suite's settings ask for; null with `confirm: false`. */
export function confirmRounds(settings: DetectSpec | undefined): number | null {
  const confirm = settings?.confirm;
  if (confirm === false) return null;
  return confirm?.rounds ?? DEFAULT_CONFIRM_ROUNDS;
}

/** The series a confirmation measures, as its runs need it. */
export interface ConfirmedSeries {
  benchmark: string;
  minion: string;
  branch: string;
}

/**
 * The job of one confirmation run: only the series' benchmark, on its minion and branch, with
 * the lane's `bisect` priority. Its nonce is its id, so queueing never merges it with another.
 */
export function confirmationJob(
  regressionId: string,
  series: ConfirmedSeries,
  run: ConfirmationRun,
  requestedAt: string,
): RunJobData {
  return {
    commit: run.commit,
    branch: series.branch,
    benchmarks: [series.benchmark],
    profile: false,
    minion: series.minion,
    priority: 'bisect',
    trigger: { kind: 'api', detail: { confirmation: regressionId } },
    requestedAt,
    nonce: run.runId,
    probe: { kind: 'confirmation', regression: regressionId, side: run.side, round: run.round },
  };
}

/** What a record says of its change, to be confirmed or not. */
export interface Suspicion {
  kind: 'regression' | 'improvement' | 'change';
  /** The detected relative change; its sign is the direction to confirm. */
  change: number | null;
  /** Which way is better for the series (null for kind `change`). */
  direction: Direction | null;
}

const EXPECTED: Record<Suspicion['kind'], Verdict> = {
  regression: 'regressed',
  improvement: 'improved',
  change: 'changed',
};

function side(runs: readonly (readonly number[])[], stats: { n: number; median: number } | null) {
  return {
    runs: runs.length,
    n: runs.reduce((n, values) => n + values.length, 0),
    median: stats?.median ?? null,
  };
}

/**
 * Decides a confirmation from the values each run of each side gave (one list per run that gave
 * any): the pooled suspect values against the pooled baseline ones (Mann-Whitney U, bootstrap
 * interval of the change of medians), confirmed only when significant at `maxPValue`, in the
 * record's direction, with an interval excluding zero and a size of at least `minChange`.
 */
export function decideConfirmation(
  suspicion: Suspicion,
  baseline: readonly (readonly number[])[],
  suspect: readonly (readonly number[])[],
  settings: DetectSpec,
  planned: { baseline: number; suspect: number },
  failure?: string,
): Omit<ConfirmationResult, 'decidedAt'> {
  const maxPValue = settings.maxPValue ?? DEFAULT_CONFIRM_MAX_P;
  const minChange = settings.minChange ?? DEFAULT_MIN_CHANGE;
  const empty = {
    baseline: { ...side(baseline, null), ci: null },
    suspect: { ...side(suspect, null), ci: null },
    change: null,
    changeCi: null,
    pValue: null,
    verdict: null,
    maxPValue,
    minChange,
  };
  if (failure) return { ...empty, outcome: 'undecided', reason: failure };
  if (baseline.length < MIN_RUNS_PER_SIDE || suspect.length < MIN_RUNS_PER_SIDE) {
    return {
      ...empty,
      outcome: 'undecided',
      reason: `too few runs gave results: ${baseline.length} of ${planned.baseline} baseline, ${suspect.length} of ${planned.suspect} suspect (${MIN_RUNS_PER_SIDE} of each needed)`,
    };
  }
  const comparison = compareSamples(baseline.flat(), suspect.flat(), {
    alpha: maxPValue,
    minChange,
    direction: suspicion.kind === 'change' ? null : suspicion.direction,
  });
  const ci = (s: typeof comparison.a) =>
    s.medianCi ? { lower: s.medianCi.lower, upper: s.medianCi.upper } : null;
  const figures = {
    ...empty,
    baseline: { ...side(baseline, comparison.a), ci: ci(comparison.a) },
    suspect: { ...side(suspect, comparison.b), ci: ci(comparison.b) },
    change: comparison.change,
    changeCi: comparison.changeCi
      ? { lower: comparison.changeCi.lower, upper: comparison.changeCi.upper }
      : null,
    pValue: comparison.test?.p ?? null,
    verdict: comparison.verdict,
  };
  const verdict = comparison.verdict;
  if (verdict === 'no test' || verdict === 'too few samples') {
    return {
      ...figures,
      outcome: 'undecided',
      reason: `${verdict}: ${figures.baseline.n} baseline and ${figures.suspect.n} suspect values cannot give p < ${maxPValue}; raise detect.confirm.rounds or the benchmark's repeats`,
    };
  }
  const sameSign =
    suspicion.change === null ||
    comparison.change === null ||
    Math.sign(comparison.change) === Math.sign(suspicion.change);
  if (verdict === EXPECTED[suspicion.kind] && sameSign) {
    return { ...figures, outcome: 'confirmed', reason: `re-measured: ${verdict}` };
  }
  return {
    ...figures,
    outcome: 'noise',
    reason:
      verdict === 'no significant change'
        ? `re-measured: no significant change of at least ${minChange} at p < ${maxPValue}`
        : `re-measured: ${verdict}, not the suspected ${suspicion.kind}`,
  };
}
