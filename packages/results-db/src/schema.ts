/**
 * The tables of the results database. Times are ISO 8601 UTC strings as `Date.toISOString()`
 * writes them (same length, so text order is time order, in SQLite and PostgreSQL alike); lists and
 * maps are JSON text, so both databases store exactly the same values.
 */
export interface RunTable {
  id: string;
  project: string;
  minion: string;
  /** The target commit's sha; without a target, the request's commit as given. */
  commit: string;
  /** The target's branch; without a target, the request's tag or trigger branch, else ''. */
  branch: string;
  trigger: string;
  priority: string;
  pr_number: number | null;
  state: string;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  suite_hash: string;
  /** sha256 (16 hex digits) of the captured environment, keys sorted. */
  environment_fingerprint: string;
  /** Root CID of the run's archive, once an artifact store gave one. */
  cid: string | null;
  /** The commit's first-parent depth (copied from `commits` so ordering needs no join); null without a target. */
  first_parent_depth: number | null;
  /** 1 when the run's noise check found the minion noisy: detection leaves the run out; else 0. */
  noisy: number;
  /** `quiet`, `noisy` or `unknown`; null when the run had no noise check. */
  noise_verdict: string | null;
  /** Largest coefficient of variation (percent) of a calibration loop, before or after the benchmarks. */
  noise_cv: number | null;
  /** Largest move (percent) of a calibration loop's level between before and after. */
  noise_shift: number | null;
  /** JSON `{before, after}`, each `{cpu: {level, cv}, memory: {level, cv}}` or null (level: ms per round). */
  noise: string | null;
  /** JSON of the request's `probe` (a confirmation or bisection run), else null. */
  probe: string | null;
}

export interface CommitTable {
  sha: string;
  repository: string;
  /** JSON array of parent shas, first parent first. */
  parents: string;
  subject: string;
  author: string;
  author_time: string;
  first_parent_depth: number;
}

export interface SeriesTable {
  /** sha256 (32 hex digits) of the canonical key below: the same on every database and every reindex. */
  key: string;
  benchmark: string;
  result: string;
  /** JSON object, keys sorted. */
  params: string;
  measure: string;
  unit: string;
  direction: 'lower' | 'higher' | null;
  minion: string;
  branch: string;
}

export interface PointTable {
  series_key: string;
  run_id: string;
  /** 0, or the n-th repeat of the same series within one run. */
  seq: number;
  value: number;
  /** Samples behind the point; null when the tool gave only its headline value. */
  n: number | null;
  median: number | null;
  mean: number | null;
  stddev: number | null;
  /** Interval of the median from the samples, else the tool's own lower/upper. */
  ci_lower: number | null;
  ci_upper: number | null;
  /** Coverage of the interval; null for the tool's own bounds. */
  ci_level: number | null;
  /** JSON array of the samples, or null. */
  samples: string | null;
}

/** A suspected change of a series (a regression, an improvement, or a change without a better direction). */
export interface RegressionTable {
  /** sha256 (20 hex digits) of series key, first bad commit and detector: one record per change. */
  id: string;
  series_key: string;
  /** `baseline` (the per-run test) or `change-point` (E-Divisive over the history). */
  detector: string;
  /** `regression`, `improvement`, or `change` when the measure has no better direction. */
  kind: string;
  /** `suspected`, `confirming`, `confirmed`, `noise`, `acknowledged` or `fixed`. */
  status: string;
  /** The commit of the point before the change; with commits skipped the range is (last good, first bad]. */
  last_good_commit: string | null;
  last_good_run: string | null;
  first_bad_commit: string;
  first_bad_run: string;
  before_median: number;
  before_ci_lower: number | null;
  before_ci_upper: number | null;
  after_median: number;
  after_ci_lower: number | null;
  after_ci_upper: number | null;
  /** (after - before) / |before|. */
  change: number | null;
  change_ci_lower: number | null;
  change_ci_upper: number | null;
  p_value: number | null;
  /** JSON array of the run ids whose points the verdict used. */
  runs: string;
  /** JSON of the record's latest confirmation (see `Confirmation`), null before any. */
  confirmation: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * One row (id 1) whose version every ingest bumps in its own transaction: readers compare it to
 * tell whether a cached history is still what the tables hold.
 */
interface HistoryVersionTable {
  id: number;
  version: number;
}

/** A bisection of a regression's range (or of a range given by hand): see bisections.ts. */
export interface BisectionTable {
  id: string;
  /** Null for a range given by hand without a record. */
  regression_id: string | null;
  /** `running`, `done`, `ambiguous`, `failed` or `cancelled`. */
  status: string;
  series_key: string;
  benchmark: string;
  minion: string;
  branch: string;
  good_commit: string;
  bad_commit: string;
  /** JSON: the state machine's input (the range's commits, the ends' samples, the settings). */
  input: string;
  /** JSON: the first bad commit (sha, subject, author, time, merge, merged), once found. */
  culprit: string | null;
  /** JSON: the commits left when only skipped or undecided ones separate good from bad. */
  candidates: string | null;
  /** Why it failed or was cancelled. */
  reason: string | null;
  created_at: string;
  updated_at: string;
}

/** One probe run of a bisection; `outcome` is `pending` until its results are stored. */
export interface BisectionProbeTable {
  bisection_id: string;
  /** 0-based, in the order the probes were asked for. */
  seq: number;
  commit: string;
  /** The commit's position in the range (0: the oldest after the good end). */
  position: number;
  attempt: number;
  repeats: number;
  run_id: string | null;
  /** `pending`, `good`, `bad`, `retry`, `undecided`, `skipped` or `cancelled`. */
  outcome: string;
  /** JSON array of the samples judged. */
  samples: string | null;
  /** JSON: the comparison with both ends. */
  figures: string | null;
  reason: string | null;
  created_at: string;
  updated_at: string;
}

export interface Database {
  bisections: BisectionTable;
  bisection_probes: BisectionProbeTable;
  runs: RunTable;
  commits: CommitTable;
  series: SeriesTable;
  points: PointTable;
  regressions: RegressionTable;
  history_version: HistoryVersionTable;
}
