import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BenchrunnerError, ConfigError, type RunManifest, redactUrl } from '@benchrunner/core';
import BetterSqlite3 from 'better-sqlite3';
import { type Dialect, Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { z } from 'zod';
import { type BisectionStore, KyselyBisectionStore } from './bisections.ts';
import { beginConfirmation, loseConfirmationRun, settleConfirmation } from './confirmation-store.ts';
import type { ConfirmationRun } from './confirmations.ts';
import { detectRun } from './detect-run.ts';
import { ResultsDbUnavailableError } from './errors.ts';
import { HistoryCache } from './history.ts';
import { writeRun } from './ingest.ts';
import { migrationProvider } from './migrations.ts';
import { detectStoredSeries, ON_DEMAND_WINDOW, runFacts } from './on-demand.ts';
import {
  acknowledge,
  fixRecords,
  listRegressions,
  openRecords,
  recordFindings,
  storedRegression,
  storedRegressions,
} from './regression-records.ts';
import type {
  Detection,
  DetectSettingsOf,
  History,
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
import type { Database } from './schema.ts';
import { listSeries, storedPoints } from './series-read.ts';

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

/** {@link ResultsDb} on Kysely: one code path for SQLite and PostgreSQL. */
class KyselyResultsDb implements ResultsDb {
  readonly name: string;
  readonly location: string;
  readonly bisections: BisectionStore;
  private readonly db: Kysely<Database>;
  private readonly histories: HistoryCache;
  private migrated: Promise<void> | undefined;

  constructor(name: string, location: string, dialect: Dialect) {
    this.name = name;
    this.location = location;
    this.db = new Kysely<Database>({ dialect });
    this.histories = new HistoryCache(this.db);
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
      return await writeRun(this.db, rows);
    } catch (error) {
      throw this.unavailable(error);
    }
  }

  series(filter: SeriesFilter = {}): Promise<SeriesInfo[]> {
    return this.guarded(() => listSeries(this.db, filter));
  }

  history(query: HistoryQuery): Promise<History> {
    return this.guarded(() => this.histories.history(query));
  }

  detectRun(runId: string, options: { settings?: DetectSettingsOf } = {}): Promise<Regression[]> {
    return this.guarded(async () => (await detectRun(this.db, runId, options)).found);
  }

  detectRunChanges(runId: string, options: { settings?: DetectSettingsOf } = {}): Promise<Detection> {
    return this.guarded(() => detectRun(this.db, runId, options));
  }

  async detectSeries(
    filter: SeriesFilter,
    options: { settings?: DetectSettingsOf } = {},
  ): Promise<Regression[]> {
    return (await this.detectSeriesChanges(filter, options)).regressions;
  }

  detectSeriesChanges(
    filter: SeriesFilter,
    options: { settings?: DetectSettingsOf } = {},
  ): Promise<{ regressions: Regression[]; changes: StatusChange[] }> {
    return this.guarded(() =>
      detectStoredSeries(this.db, filter, options.settings, {
        points: (key) => storedPoints(this.db, key, ON_DEMAND_WINDOW),
        openRecords: (key) => openRecords(this.db, key),
        record: (findings) => recordFindings(this.db, findings),
        fix: (ids) => fixRecords(this.db, ids),
        stored: (ids) => storedRegressions(this.db, ids),
      }),
    );
  }

  runFacts(runIds: readonly string[]): Promise<RunFacts[]> {
    return this.guarded(() => runFacts(this.db, runIds));
  }

  regressions(filter: RegressionFilter): Promise<Regression[]> {
    return this.guarded(() => listRegressions(this.db, filter));
  }

  regression(id: string): Promise<Regression> {
    return this.guarded(async () => {
      const regression = await storedRegression(this.db, id);
      const bisection = await this.bisections.forRegression(id);
      return { ...regression, ...(bisection ? { bisection } : {}) };
    });
  }

  acknowledgeRegression(id: string): Promise<Regression> {
    return this.guarded(async () => {
      await acknowledge(this.db, id);
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

  loseConfirmationRun(
    id: string,
    runId: string,
    reason: string,
    options: { settings?: DetectSettingsOf } = {},
  ): Promise<StatusChange | null> {
    return this.guarded(() =>
      loseConfirmationRun(this.db, (r) => this.regression(r), id, runId, reason, options),
    );
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
