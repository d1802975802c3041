import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, type RunManifest, redactUrl } from '@benchrunner/core';
import BetterSqlite3 from 'better-sqlite3';
import { type Dialect, Kysely, PostgresDialect, type Selectable, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { z } from 'zod';
import { HistoryQueryError, ResultsDbUnavailableError } from './errors.ts';
import { migrationProvider } from './migrations.ts';
import type {
  History,
  HistoryPoint,
  HistoryQuery,
  ResultsDb,
  SeriesFilter,
  SeriesInfo,
} from './results-db.ts';
import { runRows } from './rows.ts';
import type { Database, SeriesTable } from './schema.ts';

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
] as const;

/** {@link ResultsDb} on Kysely: one code path for SQLite and PostgreSQL. */
class KyselyResultsDb implements ResultsDb {
  readonly name: string;
  readonly location: string;
  private readonly db: Kysely<Database>;
  private migrated: Promise<void> | undefined;

  constructor(name: string, location: string, dialect: Dialect) {
    this.name = name;
    this.location = location;
    this.db = new Kysely<Database>({ dialect });
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
      });
    } catch (error) {
      throw this.unavailable(error);
    }
    return { points: rows.points.length };
  }

  async series(filter: SeriesFilter = {}): Promise<SeriesInfo[]> {
    await this.ready();
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

  async history(query: HistoryQuery): Promise<History> {
    await this.ready();
    const series = await this.pickSeries(query);
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
        'r.commit',
        'r.started_at',
        'r.cid',
        'r.first_parent_depth',
        'c.subject',
        'c.author_time',
      ])
      .where('p.series_key', '=', series.key);
    if (query.before !== undefined) {
      const run = await this.db
        .selectFrom('runs')
        .select(['first_parent_depth', 'started_at', 'id'])
        .where('id', '=', query.before)
        .executeTakeFirst();
      if (!run) throw new HistoryQueryError('before', `no run ${query.before}`, []);
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
      .limit(query.limit)
      .execute();
    rows.reverse();
    return {
      series: seriesInfo(series),
      points: rows.map(
        (row): HistoryPoint => ({
          runId: row.run_id,
          commit: row.commit,
          subject: row.subject,
          commitTime: row.author_time,
          firstParentDepth: row.first_parent_depth,
          startedAt: row.started_at,
          cid: row.cid,
          value: row.value,
          n: row.n,
          median: row.median,
          mean: row.mean,
          stddev: row.stddev,
          ci:
            row.ci_lower === null && row.ci_upper === null
              ? null
              : { lower: row.ci_lower, upper: row.ci_upper, level: row.ci_level },
        }),
      ),
    };
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
