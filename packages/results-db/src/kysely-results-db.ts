import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BenchrunnerError, ConfigError, NotFoundError, type RunManifest, redactUrl } from '@benchrunner/core';
import { type SeriesTest, testAgainstBaseline } from '@benchrunner/results';
import BetterSqlite3 from 'better-sqlite3';
import { type Dialect, Kysely, PostgresDialect, type Selectable, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { z } from 'zod';
import { type BisectionStore, KyselyBisectionStore } from './bisections.ts';
import { beginConfirmation, settleConfirmation } from './confirmation-store.ts';
import type { Confirmation, ConfirmationRun } from './confirmations.ts';
import {
  baselineFinding,
  CHANGE_POINT_WINDOW,
  changePointFindings,
  detectionOf,
  type Finding,
  isPullRequestBranch,
  type StoredPoint,
  sinceLastChange,
} from './detection.ts';
import { HistoryQueryError, ResultsDbUnavailableError } from './errors.ts';
import { migrationProvider } from './migrations.ts';
import { detectStoredSeries, ON_DEMAND_WINDOW, runFacts } from './on-demand.ts';
import type {
  Detection,
  DetectSettingsOf,
  History,
  HistoryPoint,
  HistoryQuery,
  Regression,
  RegressionFilter,
  RegressionStatus,
  ResultsDb,
  RunFacts,
  SeriesFilter,
  SeriesInfo,
  StatusChange,
} from './results-db.ts';
import { runRows } from './rows.ts';
import type { Database, RegressionTable, SeriesTable } from './schema.ts';

/** Rows per INSERT: 1,000 points x 12 columns stays under SQLite's and PostgreSQL's parameter limits. */
const BATCH = 1000;

/** Where the embedded database lives inside DATA_DIR. */
export const SQLITE_FILE = 'results.sqlite';

/** `DATABASE_URL`: a PostgreSQL connection URL. */
export const DatabaseUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/\S+$/, 'expected a PostgreSQL URL, postgres://user:password@host:5432/database');

export interface OpenResultsDbOptions {
  /** `postgres://...`: PostgreSQL. Unset: SQLite in `dataDir`. */
  databaseUrl?: string;
  /** DATA_DIR; the SQLite file is `<dataDir>/results.sqlite`. */
  dataDir: string;
  /** Connections of the PostgreSQL pool; default 10. */
  poolSize?: number;
}

/**
 * Opens the results database the configuration asks for: PostgreSQL when `databaseUrl` is set,
 * else SQLite (WAL, so the API and the worker share the file). Connects lazily: migrations are
 * applied by the first operation, and retried by the next one if the database was down.
 */
export function openResultsDb(options: OpenResultsDbOptions): ResultsDb {
  if (options.databaseUrl) {
    const checked = DatabaseUrl.safeParse(options.databaseUrl);
    if (!checked.success) {
      const message = checked.error.issues[0]?.message ?? 'invalid';
      throw new ConfigError(`DATABASE_URL: ${message}`, [{ path: 'DATABASE_URL', message }]);
    }
    return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  }
  return openSqlite(path.join(options.dataDir, SQLITE_FILE));
}

function openSqlite(file: string): ResultsDb {
  const dialect = new SqliteDialect({
    database: async () => {
      mkdirSync(path.dirname(file), { recursive: true });
      const db = new BetterSqlite3(file);
      db.pragma('journal_mode = WAL');
      // The API reads while the worker writes: wait for a lock instead of failing at once.
      db.pragma('busy_timeout = 10000');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      return db;
    },
  });
  return new KyselyResultsDb('sqlite', file, dialect);
}

function openPostgres(url: string, max: number): ResultsDb {
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000 });
  // An idle client whose server went away emits 'error' on the pool; without a listener that
  // crashes the process. The next query gets a fresh client and reports its own error.
  pool.on('error', () => {});
  return new KyselyResultsDb('postgres', redactUrl(url), new PostgresDialect({ pool }));
}

const RUN_COLUMNS = [
  'project',
  'minion',
  'commit',
  'branch',
  'trigger',
  'priority',
  'pr_number',
  'state',
  'started_at',
  'finished_at',
  'duration_ms',
  'suite_hash',
  'environment_fingerprint',
  'cid',
  'first_parent_depth',
  'noisy',
  'noise_verdict',
  'noise_cv',
  'noise_shift',
  'noise',
  'probe',
] as const;

/** The per-run test's baseline when a suite sets no `window` (testAgainstBaseline's default). */
const BASELINE_WINDOW = 20;

/** Histories kept per open database; each 1,000-point answer holds a few hundred KB. */
const HISTORY_CACHE_SIZE = 32;

/** Statuses a later change point back to the old level turns into `fixed`. */
const OPEN = ['suspected', 'confirming', 'confirmed', 'acknowledged'];

/** {@link ResultsDb} on Kysely: one code path for SQLite and PostgreSQL. */
class KyselyResultsDb implements ResultsDb {
  readonly name: string;
  readonly location: string;
  readonly bisections: BisectionStore;
  private readonly db: Kysely<Database>;
  private migrated: Promise<void> | undefined;
  /**
   * Answers of history(), by query, valid for one `history_version`: reading 1,000 points costs
   * milliseconds of CPU, reading the version a fraction of one. Promises, so concurrent readers of
   * the same query share one read.
   */
  private readonly histories = new Map<string, Promise<History>>();
  private historiesVersion: number | undefined;

  constructor(name: string, location: string, dialect: Dialect) {
    this.name = name;
    this.location = location;
    this.db = new Kysely<Database>({ dialect });
    this.bisections = new KyselyBisectionStore(this.db, (work) => this.guarded(work));
  }

  /** Applies pending migrations once; a failure is forgotten so the next call tries again. */
  private ready(): Promise<void> {
    this.migrated ??= this.migrate().catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  private async migrate(): Promise<void> {
    let outcome: Awaited<ReturnType<InstanceType<typeof Migrator>['migrateToLatest']>>;
    try {
      outcome = await new Migrator({ db: this.db, provider: migrationProvider }).migrateToLatest();
    } catch (error) {
      throw this.unavailable(error);
    }
    if (outcome.error) throw this.unavailable(outcome.error);
  }

  private unavailable(error: unknown): ResultsDbUnavailableError {
    if (error instanceof ResultsDbUnavailableError) return error;
    const reason =
      error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code : String(error);
    return new ResultsDbUnavailableError(`results database ${this.name} at ${this.location}: ${reason}`, {
      cause: error,
    });
  }

  async check(): Promise<void> {
    await this.ready();
    try {
      await sql`select 1`.execute(this.db);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  async ingestRun(manifest: RunManifest, options: { cid?: string } = {}): Promise<{ points: number }> {
    await this.ready();
    const rows = runRows(manifest, options);
    try {
      await this.db.transaction().execute(async (trx) => {
        // Replacing the run's points makes a retried or repeated write leave exactly one copy.
        await trx.deleteFrom('points').where('run_id', '=', rows.run.id).execute();
        if (rows.commit) {
          await trx
            .insertInto('commits')
            .values(rows.commit)
            .onConflict((oc) => oc.column('sha').doNothing())
            .execute();
        }
        await trx
          .insertInto('runs')
          .values(rows.run)
          .onConflict((oc) =>
            oc
              .column('id')
              .doUpdateSet((eb) =>
                Object.fromEntries(RUN_COLUMNS.map((column) => [column, eb.ref(`excluded.${column}`)])),
              ),
          )
          .execute();
        for (let i = 0; i < rows.series.length; i += BATCH) {
          await trx
            .insertInto('series')
            .values(rows.series.slice(i, i + BATCH))
            .onConflict((oc) => oc.column('key').doNothing())
            .execute();
        }
        for (let i = 0; i < rows.points.length; i += BATCH) {
          await trx
            .insertInto('points')
            .values(rows.points.slice(i, i + BATCH))
            .execute();
        }
        // Last, so concurrent ingests hold the row lock only while committing; in the same
        // transaction, so a reader never sees the new version without the new rows.
        await trx
          .updateTable('history_version')
          .set((eb) => ({ version: eb('version', '+', 1) }))
          .where('id', '=', 1)
          .execute();
      });
    } catch (error) {
      throw this.unavailable(error);
    }
    return { points: rows.points.length };
  }

  series(filter: SeriesFilter = {}): Promise<SeriesInfo[]> {
    return this.guarded(() => this.listSeries(filter));
  }

  private async listSeries(filter: SeriesFilter): Promise<SeriesInfo[]> {
    let query = this.db.selectFrom('series').selectAll();
    if (filter.benchmark !== undefined) query = query.where('benchmark', '=', filter.benchmark);
    if (filter.minion !== undefined) query = query.where('minion', '=', filter.minion);
    if (filter.branch !== undefined) query = query.where('branch', '=', filter.branch);
    const rows = await query
      .orderBy('benchmark')
      .orderBy('result')
      .orderBy('params')
      .orderBy('measure')
      .orderBy('minion')
      .orderBy('branch')
      .execute();
    return rows.map(seriesInfo);
  }

  history(query: HistoryQuery): Promise<History> {
    return this.guarded(async () => {
      // Read before the points: a commit landing in between leaves a newer answer under an older
      // version, which the next read replaces; never an older answer under a newer version.
      const { version } = await this.db
        .selectFrom('history_version')
        .select('version')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      if (version !== this.historiesVersion) {
        this.histories.clear();
        this.historiesVersion = version;
      }
      const key = JSON.stringify([
        query.benchmark,
        query.measure,
        query.result,
        query.minion,
        query.branch,
        query.params,
        query.limit,
        query.before,
      ]);
      let answer = this.histories.get(key);
      if (answer === undefined) {
        answer = this.readHistory(query);
        if (this.histories.size >= HISTORY_CACHE_SIZE) {
          this.histories.delete(this.histories.keys().next().value as string);
        }
        this.histories.set(key, answer);
        // A failed read (an unknown name, an outage) is not an answer to keep.
        answer.catch(() => {
          if (this.histories.get(key) === answer) this.histories.delete(key);
        });
      }
      return answer;
    });
  }

  private async readHistory(query: HistoryQuery): Promise<History> {
    const series = await this.pickSeries(query);
    const rows = await this.pointRows(series.key, query.limit, query.before, false);
    // Frozen: the cache hands the same object to every reader.
    const info = seriesInfo(series);
    Object.freeze(info.params);
    return Object.freeze({
      series: Object.freeze(info),
      points: Object.freeze(
        rows.map(
          (row): HistoryPoint =>
            Object.freeze({
              runId: row.run_id,
              commit: row.commit,
              subject: row.subject,
              commitTime: row.author_time,
              firstParentDepth: row.first_parent_depth,
              startedAt: row.started_at,
              cid: row.cid,
              noisy: row.noisy !== 0,
              value: row.value,
              n: row.n,
              median: row.median,
              mean: row.mean,
              stddev: row.stddev,
              ci:
                row.ci_lower === null && row.ci_upper === null
                  ? null
                  : Object.freeze({ lower: row.ci_lower, upper: row.ci_upper, level: row.ci_level }),
            }),
        ),
      ) as HistoryPoint[],
    });
  }

  /** Runs `work` once migrated; a database error becomes {@link ResultsDbUnavailableError}, our own errors pass. */
  private async guarded<T>(work: () => Promise<T>): Promise<T> {
    await this.ready();
    try {
      return await work();
    } catch (error) {
      if (error instanceof BenchrunnerError) throw error;
      throw this.unavailable(error);
    }
  }

  detectRun(runId: string, options: { settings?: DetectSettingsOf } = {}): Promise<Regression[]> {
    return this.guarded(async () => (await this.findChanges(runId, options)).found);
  }

  detectRunChanges(runId: string, options: { settings?: DetectSettingsOf } = {}): Promise<Detection> {
    return this.guarded(() => this.findChanges(runId, options));
  }

  private async findChanges(runId: string, options: { settings?: DetectSettingsOf }): Promise<Detection> {
    const none: Detection = { found: [], changes: [] };
    const run = await this.db
      .selectFrom('runs')
      .select(['branch', 'pr_number', 'first_parent_depth', 'noisy', 'probe'])
      .where('id', '=', runId)
      .executeTakeFirst();
    if (!run) throw new NotFoundError(`run ${runId}: not in the results database`);
    // A noisy run's figures say more about the minion than about the commit: kept, never judged.
    if (run.noisy !== 0) return none;
    // Confirmation and bisection runs are evidence for a record, not points of the history.
    if (run.probe !== null) return none;
    // Without a target the run has no commit of its own (only the ref it was asked for), so no
    // range to report and no identity for the record: detection needs the suite's `target`.
    if (run.first_parent_depth === null || isPullRequestBranch(run.branch, run.pr_number)) return none;
    const rows = await this.db
      .selectFrom('points as p')
      .innerJoin('series as s', 's.key', 'p.series_key')
      .innerJoin('runs as r', 'r.id', 'p.run_id')
      .select(['p.series_key', 'p.value', 'p.samples', 'r.commit', 's.benchmark', 's.measure', 's.direction'])
      .where('p.run_id', '=', runId)
      .orderBy('p.series_key')
      .orderBy('p.seq')
      .execute();
    // Repeats of a series within one run form one candidate: all their samples, the mean value.
    const candidates = new Map<
      string,
      { point: StoredPoint; values: number[]; row: (typeof rows)[number] }
    >();
    for (const row of rows) {
      const samples = parseSamples(row.samples);
      const seen = candidates.get(row.series_key);
      if (!seen) {
        const point = { runId, commit: row.commit, value: row.value, samples };
        candidates.set(row.series_key, { point, values: [row.value], row });
        continue;
      }
      seen.values.push(row.value);
      seen.point.value = seen.values.reduce((a, b) => a + b, 0) / seen.values.length;
      seen.point.samples = seen.point.samples && samples ? [...seen.point.samples, ...samples] : null;
    }
    const tests: (SeriesTest & { baseline: StoredPoint[]; point: StoredPoint })[] = [];
    for (const [key, { point, row }] of candidates) {
      const settings = options.settings?.(row.benchmark) ?? {};
      const window = await this.storedPoints(key, settings.window ?? BASELINE_WINDOW, runId);
      const records = await this.openRecords(key);
      const baseline = sinceLastChange(window, new Set(records.map((r) => r.firstBadRun)));
      tests.push({
        key,
        measure: row.measure,
        candidate: toSeriesPoint(point),
        history: baseline.map(toSeriesPoint),
        settings: { ...settings, ...(settings.direction ? {} : { direction: row.direction ?? undefined }) },
        baseline,
        point,
      });
    }
    const verdicts = testAgainstBaseline(tests);
    const found = tests.flatMap((test, i) => {
      const finding = baselineFinding(test.key, verdicts[i]!, test.point, test.baseline);
      return finding ? [finding] : [];
    });
    const made = await this.record(found);
    const fixedIds = new Set<string>();
    const fixedFrom = new Map<string, RegressionStatus>();
    for (const [key, { row }] of candidates) {
      const points = await this.storedPoints(key, CHANGE_POINT_WINDOW);
      const { findings, fixed } = changePointFindings(
        key,
        points,
        options.settings?.(row.benchmark) ?? {},
        row.direction,
        await this.openRecords(key),
      );
      made.push(...(await this.record(findings)));
      found.push(...findings);
      for (const [id, from] of await this.fix(fixed)) fixedFrom.set(id, from);
      for (const id of fixed) fixedIds.add(id);
    }
    if (found.length === 0 && fixedIds.size === 0) return none;
    const records = await this.stored([...new Set([...found.map((f) => f.id), ...fixedIds])]);
    return detectionOf(records, new Set(found.map((f) => f.id)), made, fixedFrom, fixedIds);
  }

  detectSeries(filter: SeriesFilter, options: { settings?: DetectSettingsOf } = {}): Promise<Regression[]> {
    return this.guarded(() =>
      detectStoredSeries(this.db, filter, options.settings, {
        points: (key) => this.storedPoints(key, ON_DEMAND_WINDOW),
        openRecords: (key) => this.openRecords(key),
        record: (findings) => this.record(findings),
        fix: (ids) => this.fix(ids),
        stored: (ids) => this.stored(ids),
      }),
    );
  }

  runFacts(runIds: readonly string[]): Promise<RunFacts[]> {
    return this.guarded(() => runFacts(this.db, runIds));
  }

  private async stored(ids: string[]): Promise<Regression[]> {
    return (await this.regressionQuery().where('g.id', 'in', ids).execute()).map(toRegression);
  }

  /** Open records a later change point returned to their old level: their statuses before, by id. */
  private async fix(ids: string[]): Promise<Map<string, RegressionStatus>> {
    if (ids.length === 0) return new Map();
    return this.db.transaction().execute(async (tx) => {
      const open = await tx
        .selectFrom('regressions')
        .select(['id', 'status'])
        .where('id', 'in', ids)
        .where('status', 'in', OPEN)
        .execute();
      if (open.length === 0) return new Map();
      await tx
        .updateTable('regressions')
        .set({ status: 'fixed', updated_at: new Date().toISOString() })
        .where(
          'id',
          'in',
          open.map((r) => r.id),
        )
        .where('status', 'in', OPEN)
        .execute();
      return new Map(open.map((r) => [r.id, r.status as RegressionStatus]));
    });
  }

  /**
   * Writes new findings; one already recorded (same series, first bad commit and detector) is left
   * as it is. Returns the ids written now.
   */
  private async record(findings: Finding[]): Promise<string[]> {
    if (findings.length === 0) return [];
    const now = new Date().toISOString();
    const written = await this.db
      .insertInto('regressions')
      .values(findings.map((f) => ({ ...f, status: 'suspected', created_at: now, updated_at: now })))
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .execute();
    return written.map((r) => r.id);
  }

  /** Records of a series that still describe its level (every status but `noise`). */
  private async openRecords(seriesKey: string) {
    const rows = await this.db
      .selectFrom('regressions')
      .select(['id', 'first_bad_run', 'before_median', 'after_median', 'status'])
      .where('series_key', '=', seriesKey)
      .where('status', '!=', 'noise')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      firstBadRun: r.first_bad_run,
      beforeMedian: r.before_median,
      afterMedian: r.after_median,
    }));
  }

  private async storedPoints(seriesKey: string, limit: number, before?: string): Promise<StoredPoint[]> {
    const rows = await this.pointRows(seriesKey, limit, before, true);
    return rows.map((row) => ({
      runId: row.run_id,
      commit: row.commit,
      value: row.value,
      samples: parseSamples(row.samples),
    }));
  }

  private regressionQuery() {
    return this.db
      .selectFrom('regressions as g')
      .innerJoin('series as s', 's.key', 'g.series_key')
      .selectAll('g')
      .select([
        's.benchmark',
        's.result',
        's.params',
        's.measure',
        's.unit',
        's.direction',
        's.minion',
        's.branch',
      ]);
  }

  regressions(filter: RegressionFilter): Promise<Regression[]> {
    return this.guarded(async () => {
      let query = this.regressionQuery();
      if (filter.status !== undefined) query = query.where('g.status', '=', filter.status);
      if (filter.minion !== undefined) query = query.where('s.minion', '=', filter.minion);
      if (filter.benchmark !== undefined) query = query.where('s.benchmark', '=', filter.benchmark);
      const rows = await query
        .orderBy('g.created_at', 'desc')
        .orderBy('g.id', 'desc')
        .limit(filter.limit)
        .execute();
      return rows.map(toRegression);
    });
  }

  regression(id: string): Promise<Regression> {
    return this.guarded(async () => {
      const row = await this.regressionQuery().where('g.id', '=', id).executeTakeFirst();
      if (!row) throw new NotFoundError(`regression ${id}: no such record`);
      const bisection = await this.bisections.forRegression(id);
      return { ...toRegression(row), ...(bisection ? { bisection } : {}) };
    });
  }

  acknowledgeRegression(id: string): Promise<Regression> {
    return this.guarded(async () => {
      const updated = await this.db
        .updateTable('regressions')
        .set({ status: 'acknowledged', updated_at: new Date().toISOString() })
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw new NotFoundError(`regression ${id}: no such record`);
      return this.regression(id);
    });
  }

  beginConfirmation(
    id: string,
    runs: readonly ConfirmationRun[],
    from: readonly RegressionStatus[],
  ): Promise<StatusChange | null> {
    return this.guarded(() => beginConfirmation(this.db, (r) => this.regression(r), id, runs, from));
  }

  settleConfirmation(
    id: string,
    options: { settings?: DetectSettingsOf; failure?: string } = {},
  ): Promise<StatusChange | null> {
    return this.guarded(() => settleConfirmation(this.db, (r) => this.regression(r), id, options));
  }

  /** The last `limit` points of a series (before run `before`, probe runs left out), oldest first; see History.points. */
  private async pointRows(
    seriesKey: string,
    limit: number,
    before: string | undefined,
    forDetection: boolean,
  ) {
    let points = this.db
      .selectFrom('points as p')
      .innerJoin('runs as r', 'r.id', 'p.run_id')
      .leftJoin('commits as c', 'c.sha', 'r.commit')
      .select([
        'p.run_id',
        'p.value',
        'p.n',
        'p.median',
        'p.mean',
        'p.stddev',
        'p.ci_lower',
        'p.ci_upper',
        'p.ci_level',
        // History does not return the samples: no need to read and copy 1,000 JSON arrays.
        forDetection ? 'p.samples' : sql<string | null>`null`.as('samples'),
        'r.commit',
        'r.started_at',
        'r.cid',
        'r.first_parent_depth',
        'r.noisy',
        'c.subject',
        'c.author_time',
      ])
      .where('p.series_key', '=', seriesKey)
      .where('r.probe', 'is', null);
    // Detection (which reads the samples) leaves noisy runs out of baselines and change points.
    if (forDetection) points = points.where('r.noisy', '=', 0);
    if (before !== undefined) {
      const run = await this.db
        .selectFrom('runs')
        .select(['first_parent_depth', 'started_at', 'id'])
        .where('id', '=', before)
        .executeTakeFirst();
      if (!run) throw new HistoryQueryError('before', `no run ${before}`, []);
      const group = run.first_parent_depth === null ? 1 : 0;
      points = points.where(
        sql<boolean>`(case when r.first_parent_depth is null then 1 else 0 end, coalesce(r.first_parent_depth, 0), r.started_at, r.id) < (${group}, ${run.first_parent_depth ?? 0}, ${run.started_at}, ${run.id})`,
      );
    }
    const rows = await points
      // Newest first for the limit; reversed below. See History.points for the order.
      .orderBy(sql`case when r.first_parent_depth is null then 1 else 0 end`, 'desc')
      .orderBy('r.first_parent_depth', 'desc')
      .orderBy('r.started_at', 'desc')
      .orderBy('r.id', 'desc')
      .orderBy('p.seq', 'desc')
      .limit(limit)
      .execute();
    return rows.reverse();
  }

  /** The one series a history query names; the usual case is one indexed query. */
  private async pickSeries(query: HistoryQuery): Promise<Selectable<SeriesTable>> {
    let exact = this.db
      .selectFrom('series')
      .selectAll()
      .where('benchmark', '=', query.benchmark)
      .where('minion', '=', query.minion)
      .where('measure', '=', query.measure);
    if (query.branch !== undefined) exact = exact.where('branch', '=', query.branch);
    if (query.result !== undefined) exact = exact.where('result', '=', query.result);
    const candidates = await exact.execute();
    if (candidates.length > 0) return narrow(candidates, query);
    // Nothing matched: narrow the benchmark's series step by step to say which name is wrong.
    const all = await this.db
      .selectFrom('series')
      .selectAll()
      .where('benchmark', '=', query.benchmark)
      .execute();
    if (all.length === 0) {
      const names = await this.db
        .selectFrom('series')
        .select('benchmark')
        .distinct()
        .orderBy('benchmark')
        .execute();
      throw new HistoryQueryError(
        'benchmark',
        `no series of benchmark '${query.benchmark}'`,
        names.map((row) => row.benchmark),
      );
    }
    return narrow(all, query);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

function parseSamples(samples: string | null): number[] | null {
  return samples === null ? null : (JSON.parse(samples) as number[]);
}

function toSeriesPoint(point: StoredPoint) {
  return { value: point.value, ...(point.samples ? { samples: point.samples } : {}) };
}

function interval(lower: number | null, upper: number | null) {
  return lower === null || upper === null ? null : { lower, upper };
}

function toRegression(row: Selectable<RegressionTable> & Omit<Selectable<SeriesTable>, 'key'>): Regression {
  return {
    id: row.id,
    series: { key: row.series_key, ...seriesInfo({ ...row, key: row.series_key }) },
    detector: row.detector as Regression['detector'],
    kind: row.kind as Regression['kind'],
    status: row.status as Regression['status'],
    lastGood:
      row.last_good_commit === null || row.last_good_run === null
        ? null
        : { commit: row.last_good_commit, runId: row.last_good_run },
    firstBad: { commit: row.first_bad_commit, runId: row.first_bad_run },
    before: { median: row.before_median, ci: interval(row.before_ci_lower, row.before_ci_upper) },
    after: { median: row.after_median, ci: interval(row.after_ci_lower, row.after_ci_upper) },
    change: row.change,
    changeCi: interval(row.change_ci_lower, row.change_ci_upper),
    pValue: row.p_value,
    runs: JSON.parse(row.runs) as string[],
    confirmation: row.confirmation === null ? null : (JSON.parse(row.confirmation) as Confirmation),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function seriesInfo(row: Selectable<SeriesTable>): SeriesInfo {
  return {
    benchmark: row.benchmark,
    result: row.result,
    params: JSON.parse(row.params) as Record<string, string>,
    measure: row.measure,
    unit: row.unit,
    direction: row.direction,
    minion: row.minion,
    branch: row.branch,
  };
}

function distinct(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/**
 * Narrows a benchmark's series by the query, in the order minion, branch, measure, result, params,
 * so an error names the first field that matches nothing and lists what would have.
 */
function narrow(rows: Selectable<SeriesTable>[], query: HistoryQuery): Selectable<SeriesTable> {
  const step = (field: string, wanted: string | undefined, of: (row: Selectable<SeriesTable>) => string) => {
    const valid = distinct(rows.map(of));
    if (wanted === undefined) {
      if (valid.length > 1) throw new HistoryQueryError(field, 'several exist, pick one', valid);
      return;
    }
    if (!valid.includes(wanted)) throw new HistoryQueryError(field, `unknown value '${wanted}'`, valid);
    rows = rows.filter((row) => of(row) === wanted);
  };
  step('minion', query.minion, (row) => row.minion);
  step('branch', query.branch, (row) => row.branch);
  step('measure', query.measure, (row) => row.measure);
  if (query.result !== undefined) step('result', query.result, (row) => row.result);
  const params = new Map(rows.map((row) => [row, JSON.parse(row.params) as Record<string, string>]));
  for (const [key, value] of Object.entries(query.params ?? {})) {
    const keys = distinct([...params.values()].flatMap((p) => Object.keys(p)));
    if (!keys.includes(key)) {
      throw new HistoryQueryError(
        `params.${key}`,
        'unknown parameter',
        keys.map((k) => `params.${k}`),
      );
    }
    step(`params.${key}`, value, (row) => params.get(row)?.[key] ?? '');
  }
  if (rows.length > 1) {
    throw new HistoryQueryError(
      query.result === undefined ? 'result' : 'params',
      'several series match; name the result and params',
      rows.map((row) => `result=${row.result} params=${row.params}`),
    );
  }
  return rows[0] as Selectable<SeriesTable>;
}
