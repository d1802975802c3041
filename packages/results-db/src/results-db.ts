import type { DetectSpec, RunManifest } from '@benchrunner/core';
import type { Bisection, BisectionStore } from './bisections.ts';
import type { Confirmation, ConfirmationRun } from './confirmations.ts';

/** One series: a suite benchmark's result, params and measure, on one minion and branch. */
export interface SeriesInfo {
  benchmark: string;
  result: string;
  params: Record<string, string>;
  measure: string;
  unit: string;
  direction: 'lower' | 'higher' | null;
  minion: string;
  branch: string;
}

/** Filters of {@link ResultsDb.series}; each left out matches all. */
export interface SeriesFilter {
  benchmark?: string;
  minion?: string;
  branch?: string;
}

/** Which series {@link ResultsDb.history} reads, and which part of it. */
export interface HistoryQuery {
  benchmark: string;
  measure: string;
  minion: string;
  /** Left out: the one branch the benchmark has on that minion (an error lists them when several). */
  branch?: string;
  /** Left out when the rest leaves one series. */
  result?: string;
  /** Each given key must match; left out when the rest leaves one series. */
  params?: Record<string, string>;
  /** The last `limit` points (before `before`). */
  limit: number;
  /** A run id: only points ordered before that run's. */
  before?: string;
}

export interface HistoryPoint {
  runId: string;
  /** The commit's sha (or the request's commit string for runs without a target). */
  commit: string;
  subject: string | null;
  /** The commit's author time; null without a target. */
  commitTime: string | null;
  firstParentDepth: number | null;
  startedAt: string;
  cid: string | null;
  /** The run's noise check found the minion noisy: shown, but left out of detection. */
  noisy: boolean;
  value: number;
  n: number | null;
  median: number | null;
  mean: number | null;
  stddev: number | null;
  /** The median's interval from the samples (`level` its coverage), else the tool's own bounds (`level` null). */
  ci: { lower: number | null; upper: number | null; level: number | null } | null;
}

export interface History {
  series: SeriesInfo;
  /**
   * Oldest first. Order: points whose run recorded a target commit by the commit's first-parent depth,
   * then by run start; points without a target after them, by run start.
   */
  points: HistoryPoint[];
}

/** Where a regression record stands; detection writes `suspected`, a later change point `fixed`. */
export type RegressionStatus = 'suspected' | 'confirming' | 'confirmed' | 'noise' | 'acknowledged' | 'fixed';

/** A median with its interval (null when too few samples give none). */
export interface Level {
  median: number;
  ci: { lower: number; upper: number } | null;
}

/** A significant change of one series, found by one detector. */
export interface Regression {
  id: string;
  series: SeriesInfo & { key: string };
  /** `baseline`: the per-run test against the recent points; `change-point`: E-Divisive over the history. */
  detector: 'baseline' | 'change-point';
  /** `change` when the measure has no better direction. */
  kind: 'regression' | 'improvement' | 'change';
  status: RegressionStatus;
  /** The point before the change; commits between it and `firstBad` were not measured. */
  lastGood: { commit: string; runId: string } | null;
  firstBad: { commit: string; runId: string };
  before: Level;
  after: Level;
  /** (after - before) / |before| of the medians, with its bootstrap interval when samples gave one. */
  change: number | null;
  changeCi: { lower: number; upper: number } | null;
  pValue: number | null;
  /** The runs whose points the verdict used. */
  runs: string[];
  /** The latest re-measurement of the change (see `Confirmation`); null before any. */
  confirmation: Confirmation | null;
  createdAt: string;
  updatedAt: string;
  /** The newest bisection of its range, with the culprit and the probes (read one by one only). */
  bisection?: Bisection;
}

/**
 * A record's status as it changed, with the record after the change. `from` is null for a record
 * detection just made (`to`: `suspected`), and for a `fixed` that an earlier detection made and
 * the latest one supports again (told again, since listeners are told at least once).
 */
export interface StatusChange {
  regression: Regression;
  from: RegressionStatus | null;
  to: RegressionStatus;
}

/** What {@link ResultsDb.detectRunChanges} found, and the status changes it made or supports. */
export interface Detection {
  /** As {@link ResultsDb.detectRun} returns them. */
  found: Regression[];
  /** New `suspected` records first, then records a later change point fixed. */
  changes: StatusChange[];
}

/** Filters of {@link ResultsDb.regressions}; each left out matches all. */
export interface RegressionFilter {
  status?: RegressionStatus;
  minion?: string;
  benchmark?: string;
  limit: number;
}

/** Facts of a stored run that a regression's evidence shows. */
export interface RunFacts {
  runId: string;
  commit: string;
  startedAt: string;
  /** Differs between two runs whose machines were set up differently (see environmentFingerprint). */
  environmentFingerprint: string;
  /** The target repository of the run's commit; null without a target. */
  repository: string | null;
}

/** The `detect` settings of a suite benchmark (the suite's merged with the benchmark's), if any. */
export type DetectSettingsOf = (benchmark: string) => DetectSpec | undefined;

/**
 * The results database: one row per run, commit and series point, rebuilt at will from the run
 * archive. Every method applies pending migrations first (once), so an outage at start is not fatal.
 */
export interface ResultsDb {
  /** `sqlite` or `postgres`. */
  readonly name: string;
  /** Where it is, without credentials, for messages. */
  readonly location: string;
  /** Connects and migrates; throws {@link ResultsDbUnavailableError} when it cannot. */
  check(): Promise<void>;
  /** Writes a run's rows, replacing any earlier write of the same run: idempotent. */
  ingestRun(manifest: RunManifest, options?: { cid?: string }): Promise<{ points: number }>;
  series(filter?: SeriesFilter): Promise<SeriesInfo[]>;
  /**
   * The answer is frozen and may be the same object as an earlier call's while no ingest happened
   * in between (any process's), so a caller can cache what it derives from it by identity.
   * @throws HistoryQueryError when a name matches nothing or the query leaves several series.
   */
  history(query: HistoryQuery): Promise<History>;
  /**
   * Tests a stored run's points against their branch's recent baseline (false discovery rate
   * controlled across the run) and runs change-point detection over each of its series; records
   * each change found once per series, first bad commit and detector. Pull-request runs, noisy runs
   * (their noise check failed) and runs without a target commit are skipped; noisy runs' points are
   * never in a baseline or a change-point series either.
   * Returns the records the run's data supports, new or already stored.
   * @throws NotFoundError when the run is not stored.
   */
  detectRun(runId: string, options?: { settings?: DetectSettingsOf }): Promise<Regression[]>;
  /**
   * {@link detectRun}, with the status changes detection made: records it wrote (`null` ->
   * `suspected`) and records the run's change points return to their old level (-> `fixed`), those
   * fixed by an earlier call included (from null), so a caller that failed to pass a change on
   * hears it again when it detects again.
   */
  detectRunChanges(runId: string, options?: { settings?: DetectSettingsOf }): Promise<Detection>;
  /**
   * Change-point detection now over the stored history (the latest 1,000 points) of every series
   * the filter matches, pull-request series left out. Records what is new, like detectRun, and
   * returns every record the histories support, new or already stored.
   */
  detectSeries(filter: SeriesFilter, options?: { settings?: DetectSettingsOf }): Promise<Regression[]>;
  /**
   * {@link detectSeries}, with the status changes it made (new `suspected` records, then records a
   * later change point fixed) for the status listeners.
   */
  detectSeriesChanges(
    filter: SeriesFilter,
    options?: { settings?: DetectSettingsOf },
  ): Promise<{ regressions: Regression[]; changes: StatusChange[] }>;
  /** The stored runs among `runIds`, in the order given. */
  runFacts(runIds: readonly string[]): Promise<RunFacts[]>;
  /** Newest first. */
  regressions(filter: RegressionFilter): Promise<Regression[]>;
  /** @throws NotFoundError for an unknown id. */
  regression(id: string): Promise<Regression>;
  /** Sets the status to `acknowledged`. @throws NotFoundError for an unknown id. */
  acknowledgeRegression(id: string): Promise<Regression>;
  /** Bisections of regression ranges and their probes. */
  readonly bisections: BisectionStore;
  /**
   * Starts a confirmation: status `confirming`, the planned runs recorded. Null when the record's
   * status is not one of `from` (another caller started it first, or it cannot be confirmed).
   * @throws NotFoundError for an unknown id.
   */
  beginConfirmation(
    id: string,
    runs: readonly ConfirmationRun[],
    from: readonly RegressionStatus[],
  ): Promise<StatusChange | null>;
  /**
   * Decides a confirmation once every planned run is stored (or at once with `failure`): `confirmed`,
   * `noise`, or back to `suspected` when too few runs gave results. Null while runs are missing, or
   * when another caller decided it first.
   */
  settleConfirmation(
    id: string,
    options?: { settings?: DetectSettingsOf; failure?: string },
  ): Promise<StatusChange | null>;
  /**
   * A planned run of a `confirming` record left its lane before it ran (cancelled while waiting, a
   * drained lane): it counts as a run without results, and the record is decided when it was the
   * last one missing. Null when the record does not wait for that run, or is not decided yet.
   * @throws NotFoundError for an unknown id.
   */
  loseConfirmationRun(
    id: string,
    runId: string,
    reason: string,
    options?: { settings?: DetectSettingsOf },
  ): Promise<StatusChange | null>;
  close(): Promise<void>;
}
