import { compareSamples, smallestPValue, type Verdict } from './stats/compare.ts';
import { DEFAULT_MIN_CHANGE } from './stats/compare-results.ts';
import type { ConfidenceInterval } from './stats/describe.ts';
import { median } from './stats/describe.ts';

/** A commit of a bisection's range, in the target's first-parent order. */
export interface BisectCommit {
  sha: string;
  /** First parent first; more than one for a merge. */
  parents: string[];
  subject: string;
  author: string;
  authorTime: string;
  /** For a merge: the commits it brought in (`git rev-list parent1..merge`), newest first. */
  merged?: string[];
}

/** How probes are judged and measured. */
export interface BisectSettings {
  /** Significance level of each Mann-Whitney test; default 0.01. */
  alpha?: number;
  /** Smallest |relative change of the medians| that counts as moved; default 0.02. */
  minChange?: number;
  /** Fewest samples a probe asks for; default 5. */
  minRepeats?: number;
  /** Most samples a probe asks for, its repetition included; default 30. */
  maxRepeats?: number;
  /** Bootstrap resamples of each change's interval; default 2000. */
  resamples?: number;
}

/**
 * What a bisection searches: the range's commits (the last good commit excluded, the first bad one
 * included, oldest first) and the samples measured at the two ends.
 */
export interface BisectInput {
  commits: readonly BisectCommit[];
  good: readonly number[];
  bad: readonly number[];
  settings?: BisectSettings;
  /** The benchmarks a probe runs (the search itself does not use them). */
  benchmarks?: string[];
}

/** A probe against one end of the range. */
export interface ProbeSide {
  /** (median(probe) - median(end)) / |median(end)|. */
  change: number | null;
  changeCi: ConfidenceInterval | null;
  p: number | null;
  verdict: Verdict;
}

export interface ProbeFigures {
  n: number;
  median: number;
  vsGood: ProbeSide;
  vsBad: ProbeSide;
}

/**
 * `good`/`bad`: like the range's end; `undecided`: like neither, twice; `skipped`: the run failed
 * (the commit does not build); `retry`: like neither at the first attempt, measured again.
 */
export type ProbeOutcome = 'good' | 'bad' | 'undecided' | 'skipped' | 'retry';

/** One probe run's verdict, in the order they ran. */
export interface ProbeRecord {
  /** Position in `BisectInput.commits`. */
  index: number;
  sha: string;
  /** 1, or 2 for the repetition of a probe that decided neither way. */
  attempt: number;
  repeats: number;
  outcome: ProbeOutcome;
  /** The samples judged (the first attempt's pooled with the second's); null when the run failed. */
  samples: number[] | null;
  figures: ProbeFigures | null;
  /** Why a probe was skipped. */
  reason?: string;
}

export type BisectStep =
  /** Run the affected benchmarks at this commit with this many repeats. */
  | { kind: 'probe'; index: number; sha: string; attempt: number; repeats: number }
  /** Found: `culprit` is the first bad commit, `good` the commit before it (null: the range's good end). */
  | { kind: 'done'; culprit: BisectCommit; good: string | null; merge: boolean; merged: string[] }
  /** Only skipped or undecided commits are left between the last good and the first bad probe. */
  | { kind: 'ambiguous'; candidates: BisectCommit[]; good: string | null; reason: string }
  | { kind: 'failed'; reason: string };

const DEFAULTS = {
  alpha: 0.01,
  minChange: DEFAULT_MIN_CHANGE,
  minRepeats: 5,
  maxRepeats: 30,
  resamples: 2000,
};

function settingsOf(input: BisectInput) {
  return { ...DEFAULTS, ...input.settings };
}

/** +1 when the bad end is above the good end, -1 below. */
function stepSign(input: BisectInput): number {
  return median(input.bad) >= median(input.good) ? 1 : -1;
}

/**
 * Why the ends cannot guide a search, or null: each needs two samples, and they must differ
 * significantly (else no probe could ever be told from either).
 */
export function bisectProblem(input: BisectInput): string | null {
  if (input.commits.length === 0) return 'the range holds no commits';
  if (input.good.length < 2) return 'the good end has fewer than 2 samples';
  if (input.bad.length < 2) return 'the bad end has fewer than 2 samples';
  const { alpha, minChange, resamples } = settingsOf(input);
  const ends = compareSamples(input.good, input.bad, { alpha, minChange, resamples, direction: null });
  if (ends.verdict !== 'changed') {
    return `the good and bad ends do not differ significantly (${ends.verdict}); nothing to bisect`;
  }
  return null;
}

/**
 * Samples a probe asks for: enough for a rank test to see the step between the ends through their
 * noise (normal approximation, power 0.9, Mann-Whitney's efficiency), within the settings' bounds,
 * and never so few that no p-value below alpha is possible.
 */
export function probeRepeats(input: BisectInput): number {
  const { alpha, minRepeats, maxRepeats } = settingsOf(input);
  const spread = (xs: readonly number[]) => {
    const m = median(xs);
    return 1.4826 * median(xs.map((x) => Math.abs(x - m)));
  };
  const sd = Math.max(spread(input.good), spread(input.bad));
  const step = Math.abs(median(input.bad) - median(input.good));
  const z = 2.576 + 1.282;
  let n = step > 0 ? Math.ceil(((Math.PI / 3) * 2 * (z * sd) ** 2) / step ** 2) : maxRepeats;
  n = Math.min(maxRepeats, Math.max(minRepeats, n));
  const ends = Math.min(input.good.length, input.bad.length);
  while (n < maxRepeats && smallestPValue(n, ends) >= alpha) n++;
  return n;
}

function side(
  end: readonly number[],
  samples: readonly number[],
  options: { alpha: number; minChange: number; resamples: number },
): ProbeSide {
  const c = compareSamples(end, samples, { ...options, direction: null });
  return { change: c.change, changeCi: c.changeCi, p: c.test?.p ?? null, verdict: c.verdict };
}

/**
 * Judges a probe's samples against both ends. `bad` when it moved away from the good end the way
 * the bad end did and not away from the bad end; `good` the other way round; when it moved from
 * both (a level in between: two changes in one range), the end whose median is nearer; `neither`
 * when it cannot be told from either end.
 */
export function judgeProbe(
  input: BisectInput,
  samples: readonly number[],
): { verdict: 'good' | 'bad' | 'neither'; figures: ProbeFigures } {
  const { alpha, minChange, resamples } = settingsOf(input);
  const sign = stepSign(input);
  const vsGood = side(input.good, samples, { alpha, minChange, resamples });
  const vsBad = side(input.bad, samples, { alpha, minChange, resamples });
  const moved = (s: ProbeSide, want: number) => s.verdict === 'changed' && Math.sign(s.change ?? 0) === want;
  const fromGood = moved(vsGood, sign);
  const fromBad = moved(vsBad, -sign);
  const level = median(samples);
  const nearerBad = Math.abs(level - median(input.bad)) < Math.abs(level - median(input.good));
  const verdict =
    fromGood && fromBad ? (nearerBad ? 'bad' : 'good') : fromGood ? 'bad' : fromBad ? 'good' : 'neither';
  return { verdict, figures: { n: samples.length, median: level, vsGood, vsBad } };
}

/** The range still searched after these probes: the last good and first bad index (-1: the good end). */
function bounds(input: BisectInput, probes: readonly ProbeRecord[]) {
  let lo = -1;
  let hi = input.commits.length - 1;
  const excluded = new Set<number>();
  for (const p of probes) {
    if (p.outcome === 'good' && p.index > lo && p.index < hi) lo = p.index;
    else if (p.outcome === 'bad' && p.index < hi && p.index > lo) hi = p.index;
    else if (p.outcome === 'skipped' || p.outcome === 'undecided') excluded.add(p.index);
  }
  return { lo, hi, excluded };
}

/**
 * The next step of a bisection, from its input and the probes so far: pure, so the state is only
 * the list of probes. Binary search over first-parent positions; a skipped or undecided commit is
 * left out and the commit nearest the middle of what remains is probed instead. When every probe
 * decides, a range of N commits ends after at most ⌈log2 N⌉ probes.
 */
export function nextStep(input: BisectInput, probes: readonly ProbeRecord[]): BisectStep {
  const problem = bisectProblem(input);
  if (problem) return { kind: 'failed', reason: problem };
  const { maxRepeats } = settingsOf(input);
  const last = probes.at(-1);
  if (last?.outcome === 'retry') {
    return {
      kind: 'probe',
      index: last.index,
      sha: last.sha,
      attempt: last.attempt + 1,
      repeats: Math.min(maxRepeats, last.repeats * 2),
    };
  }
  const { lo, hi, excluded } = bounds(input, probes);
  const good = lo < 0 ? null : (input.commits[lo]?.sha ?? null);
  const mid = (lo + hi) / 2;
  let pick: number | undefined;
  for (let i = lo + 1; i < hi; i++) {
    if (excluded.has(i)) continue;
    if (pick === undefined || Math.abs(i - mid) < Math.abs(pick - mid)) pick = i;
  }
  if (pick !== undefined) {
    const commit = input.commits[pick] as BisectCommit;
    return { kind: 'probe', index: pick, sha: commit.sha, attempt: 1, repeats: probeRepeats(input) };
  }
  if (hi - lo === 1) {
    const culprit = input.commits[hi] as BisectCommit;
    const merge = culprit.parents.length > 1;
    return { kind: 'done', culprit, good, merge, merged: merge ? (culprit.merged ?? []) : [] };
  }
  const candidates = input.commits.slice(lo + 1, hi + 1);
  return {
    kind: 'ambiguous',
    candidates,
    good,
    reason: `only skipped or undecided commits are left: the first bad commit is one of ${candidates.length}`,
  };
}

/** What a probe run gave: its samples of the affected series, or why it failed (e.g. the build). */
export type ProbeResult = { samples: readonly number[] } | { failed: string };

/** The record of a probe `step` asked for, from its run's result (pooled with a first attempt's samples). */
export function recordProbe(
  input: BisectInput,
  probes: readonly ProbeRecord[],
  step: Extract<BisectStep, { kind: 'probe' }>,
  result: ProbeResult,
): ProbeRecord {
  const base = { index: step.index, sha: step.sha, attempt: step.attempt, repeats: step.repeats };
  if ('failed' in result)
    return { ...base, outcome: 'skipped', samples: null, figures: null, reason: result.failed };
  if (result.samples.length < 2) {
    return {
      ...base,
      outcome: 'skipped',
      samples: [...result.samples],
      figures: null,
      reason: `the run gave ${result.samples.length} sample(s) of the series; at least 2 are needed`,
    };
  }
  const earlier = step.attempt > 1 ? probes.findLast((p) => p.index === step.index && p.samples) : undefined;
  const samples = [...(earlier?.samples ?? []), ...result.samples];
  const { verdict, figures } = judgeProbe(input, samples);
  const outcome = verdict !== 'neither' ? verdict : step.attempt > 1 ? 'undecided' : 'retry';
  return { ...base, outcome, samples, figures };
}
