import type { RunManifest } from '@benchrunner/core';

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
  /** @throws HistoryQueryError when a name matches nothing or the query leaves several series. */
  history(query: HistoryQuery): Promise<History>;
  close(): Promise<void>;
}
