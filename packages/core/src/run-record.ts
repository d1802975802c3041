import { z } from 'zod';
import { EnvironmentFingerprint } from './fingerprint.ts';
import { ResultDocument } from './result-model.ts';
import { RunJobData } from './run-request.ts';
import { RunTarget } from './target.ts';

/** States a user sees. `completed_with_failures`: the run finished but some benchmarks failed. */
export const RunState = z.enum([
  'waiting',
  'active',
  'completed',
  'completed_with_failures',
  'failed',
  'cancelled',
]);
export type RunState = z.infer<typeof RunState>;

/** The pipeline's steps, in order. */
export const StepName = z.enum([
  'lock',
  'cleanup',
  'provision',
  'prepare',
  'environment',
  'benchmarks',
  'profiles',
  'remove-output',
  'finish',
]);
export type StepName = z.infer<typeof StepName>;

/** Names manifests written before 2026-11 gave the last two steps: read as today's names. */
const formerStepNames: Readonly<Record<string, StepName>> = { retrieve: 'remove-output', archive: 'finish' };

export const StepRecord = z.object({
  name: z.preprocess((name) => (typeof name === 'string' ? (formerStepNames[name] ?? name) : name), StepName),
  status: z.enum(['ok', 'skipped', 'failed']),
  startedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  detail: z.string().optional(),
});
export type StepRecord = z.infer<typeof StepRecord>;

/** Published with `job.updateProgress`. */
export const RunProgress = z.object({
  step: StepName,
  /** 0..100 over the whole run. */
  percent: z.number().min(0).max(100),
  benchmark: z.string().optional(),
  message: z.string().optional(),
});
export type RunProgress = z.infer<typeof RunProgress>;

export const BenchmarkOutcome = z.object({
  name: z.string(),
  status: z.enum(['passed', 'failed', 'timeout', 'cancelled']),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  repeats: z.number().int().nonnegative(),
  /** Adaptive repeats: why they stopped, the CI target reached or the most allowed. */
  stoppedBecause: z.enum(['target-ci', 'max']).optional(),
  /** Adaptive repeats: the widest half-width of a timing median's 95 % CI when they stopped, in percent of the median. */
  ci: z.number().nonnegative().optional(),
  /** Archive-relative path of the normalized results. */
  resultsFile: z.string().optional(),
  /** Last lines of output when it failed. */
  outputTail: z.string().optional(),
  error: z.string().optional(),
});
export type BenchmarkOutcome = z.infer<typeof BenchmarkOutcome>;

export const ProfileOutcome = z.object({
  benchmark: z.string(),
  profiler: z.string(),
  fileSet: z.string().optional(),
  status: z.enum(['ok', 'failed', 'timeout', 'cancelled']),
  /** Archive-relative path of the packed profile (tar.gz). */
  file: z.string().optional(),
  bytes: z.number().int().nonnegative().optional(),
  error: z.string().optional(),
});
export type ProfileOutcome = z.infer<typeof ProfileOutcome>;

/**
 * A process benchrunner killed on the minion, named by its command line. `cleanup`: left by an
 * earlier run, killed before this one started; `run`: started by this run and still running when
 * its command or the run ended (detached daemons included).
 */
export const KilledProcessRecord = z.object({
  when: z.enum(['cleanup', 'run']),
  pid: z.number().int().positive(),
  command: z.string(),
});
export type KilledProcessRecord = z.infer<typeof KilledProcessRecord>;

/** What the environment step captured on the minion. Values are as the minion reported them. */
export const EnvironmentInfo = z.record(z.string(), z.string());
export type EnvironmentInfo = z.infer<typeof EnvironmentInfo>;

/** One loop of a noise calibration: `level` is the mean time of a round of fixed work (ms). */
export const CalibrationLoop = z.object({
  /** Median time of a round (ms); the mean in manifests written before robustCv existed. */
  level: z.number().nonnegative(),
  /** Coefficient of variation of the rounds' times (standard deviation over mean), in percent. */
  cv: z.number().nonnegative(),
  /**
   * 1.4826 x the median absolute deviation over the median, in percent: the CV of the rounds
   * without the few a timer interrupt or a page fault stretched. The noise verdict judges this one.
   */
  robustCv: z.number().nonnegative().optional(),
  rounds: z.number().int().positive(),
});
export type CalibrationLoop = z.infer<typeof CalibrationLoop>;

/** A process other than the calibration that used the CPU while it ran (percent of one CPU). */
export const BusyProcess = z.object({
  pid: z.number().int().positive(),
  cpuPercent: z.number().nonnegative(),
  command: z.string(),
});
export type BusyProcess = z.infer<typeof BusyProcess>;

export const Calibration = z.object({
  cpu: CalibrationLoop,
  memory: CalibrationLoop,
  /** The calibration's CPU time over its wall time: below 1 when something else got the CPU. */
  cpuShare: z.number().nonnegative(),
  busyProcesses: z.array(BusyProcess),
});
export type Calibration = z.infer<typeof Calibration>;

/**
 * The noise check of a run. `unknown`: a calibration could not run (`reasons` says why).
 * `busyProcesses`: every busy process seen by either calibration, at its highest share.
 */
export const NoiseReport = z.object({
  before: Calibration.optional(),
  after: Calibration.optional(),
  verdict: z.enum(['quiet', 'noisy', 'unknown']),
  reasons: z.array(z.string()),
  busyProcesses: z.array(BusyProcess),
  settings: z.object({
    seconds: z.number(),
    maxCv: z.number(),
    maxShift: z.number(),
    /** The memory loop's own thresholds, when set (else maxCv and maxShift apply to it). */
    memoryMaxCv: z.number().optional(),
    memoryMaxShift: z.number().optional(),
    /** Times a noisy nightly run is queued again; absent in manifests written before it existed (then 1). */
    requeue: z.number().int().nonnegative().optional(),
  }),
});
export type NoiseReport = z.infer<typeof NoiseReport>;

/** `DATA_DIR/runs/<id>/manifest.json`: the run's record, the source of truth until published. */
export const RunManifest = z.object({
  id: z.string(),
  request: RunJobData,
  minion: z.string(),
  state: RunState,
  attempt: z.number().int().positive(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().optional(),
  durationMs: z.number().nonnegative().optional(),
  suite: z.object({ file: z.string(), hash: z.string(), project: z.string() }),
  /** The target repository's commit the run measured (suites with a `target`). */
  target: RunTarget.optional(),
  steps: z.array(StepRecord),
  environment: EnvironmentInfo,
  /** What must match for two runs to be compared; absent when the environment was not captured. */
  fingerprint: EnvironmentFingerprint.optional(),
  benchmarks: z.array(BenchmarkOutcome),
  profiles: z.array(ProfileOutcome),
  /** Normalized results of every benchmark that produced some. */
  results: z.array(ResultDocument.extend({ benchmark: z.string() })),
  /** The noise check; absent when the suite has `noise: false`. */
  noise: NoiseReport.optional(),
  /** True when the noise check found the minion noisy: results are kept, detection leaves them out. */
  noisy: z.boolean().optional(),
  /** Processes killed on the minion for this run; absent when none. */
  killed: z.array(KilledProcessRecord).optional(),
  error: z.string().optional(),
});
export type RunManifest = z.infer<typeof RunManifest>;

/** Headline figures of one benchmark, for run listings. */
export const BenchmarkSummary = z.object({
  name: z.string(),
  status: BenchmarkOutcome.shape.status,
  measures: z.record(z.string(), z.object({ value: z.number(), unit: z.string() })),
});

/** The job's return value: enough for `GET /runs/:id` without reading the archive. */
export const RunSummary = z.object({
  state: RunState,
  archive: z.string(),
  durationMs: z.number().nonnegative(),
  benchmarks: z.array(BenchmarkSummary),
  profiles: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** The noise check found the minion noisy during the run. */
  noisy: z.boolean().optional(),
});
export type RunSummary = z.infer<typeof RunSummary>;
