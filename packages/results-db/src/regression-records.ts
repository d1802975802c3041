import { NotFoundError } from '@benchrunner/core';
import type { Kysely, Selectable } from 'kysely';
import type { Confirmation } from './confirmations.ts';
import type { Finding } from './detection.ts';
import type { Regression, RegressionFilter, RegressionStatus } from './results-db.ts';
import type { Database, RegressionTable, SeriesTable } from './schema.ts';
import { seriesInfo } from './series-read.ts';

/** Statuses a later change point back to the old level turns into `fixed`. */
const OPEN = ['suspected', 'confirming', 'confirmed', 'acknowledged'];

function regressionQuery(db: Kysely<Database>) {
  return db
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

/** The records with these ids, as {@link Regression}s (without their bisection). */
export async function storedRegressions(db: Kysely<Database>, ids: string[]): Promise<Regression[]> {
  return (await regressionQuery(db).where('g.id', 'in', ids).execute()).map(toRegression);
}

/** One record, without its bisection; NotFoundError if there is none. */
export async function storedRegression(db: Kysely<Database>, id: string): Promise<Regression> {
  const row = await regressionQuery(db).where('g.id', '=', id).executeTakeFirst();
  if (!row) throw new NotFoundError(`regression ${id}: no such record`);
  return toRegression(row);
}

/** Records the filter matches, newest first. */
export async function listRegressions(db: Kysely<Database>, filter: RegressionFilter): Promise<Regression[]> {
  let query = regressionQuery(db);
  if (filter.status !== undefined) query = query.where('g.status', '=', filter.status);
  if (filter.minion !== undefined) query = query.where('s.minion', '=', filter.minion);
  if (filter.benchmark !== undefined) query = query.where('s.benchmark', '=', filter.benchmark);
  const rows = await query
    .orderBy('g.created_at', 'desc')
    .orderBy('g.id', 'desc')
    .limit(filter.limit)
    .execute();
  return rows.map(toRegression);
}

/** Sets `acknowledged`; NotFoundError if there is no such record. */
export async function acknowledge(db: Kysely<Database>, id: string): Promise<void> {
  const updated = await db
    .updateTable('regressions')
    .set({ status: 'acknowledged', updated_at: new Date().toISOString() })
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) throw new NotFoundError(`regression ${id}: no such record`);
}

/** Open records a later change point returned to their old level. */
export async function fixRecords(
  db: Kysely<Database>,
  ids: string[],
): Promise<Map<string, RegressionStatus>> {
  if (ids.length === 0) return new Map();
  return db.transaction().execute(async (tx) => {
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

/** Writes new findings; one already recorded (same series, first bad commit and detector) is left as it is. */
export async function recordFindings(db: Kysely<Database>, findings: Finding[]): Promise<string[]> {
  if (findings.length === 0) return [];
  const now = new Date().toISOString();
  const written = await db
    .insertInto('regressions')
    .values(findings.map((f) => ({ ...f, status: 'suspected', created_at: now, updated_at: now })))
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .execute();
  return written.map((r) => r.id);
}

/** Records of a series that still describe its level (every status but `noise`). */
export async function openRecords(db: Kysely<Database>, seriesKey: string) {
  const rows = await db
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
