import { type Kysely, type Selectable, sql } from 'kysely';
import type { StoredPoint } from './detection.ts';
import { HistoryQueryError } from './errors.ts';
import type { HistoryQuery, SeriesFilter, SeriesInfo } from './results-db.ts';
import type { Database, SeriesTable } from './schema.ts';

export function parseSamples(samples: string | null): number[] | null {
  return samples === null ? null : (JSON.parse(samples) as number[]);
}

export function seriesInfo(row: Selectable<SeriesTable>): SeriesInfo {
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

/** Every series the filter matches, in a stable order. */
export async function listSeries(db: Kysely<Database>, filter: SeriesFilter): Promise<SeriesInfo[]> {
  let query = db.selectFrom('series').selectAll();
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

/** The last `limit` points of a series (before run `before`, probe runs left out), oldest first; see History.points. */
export async function pointRows(
  db: Kysely<Database>,
  seriesKey: string,
  limit: number,
  before: string | undefined,
  forDetection: boolean,
) {
  let points = db
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
    const run = await db
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

/** A series' points as detection reads them: noisy runs left out, samples included. */
export async function storedPoints(
  db: Kysely<Database>,
  seriesKey: string,
  limit: number,
  before?: string,
): Promise<StoredPoint[]> {
  const rows = await pointRows(db, seriesKey, limit, before, true);
  return rows.map((row) => ({
    runId: row.run_id,
    commit: row.commit,
    value: row.value,
    samples: parseSamples(row.samples),
  }));
}

/** The one series a history query names; the usual case is one indexed query. */
export async function pickSeries(
  db: Kysely<Database>,
  query: HistoryQuery,
): Promise<Selectable<SeriesTable>> {
  let exact = db
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
  const all = await db.selectFrom('series').selectAll().where('benchmark', '=', query.benchmark).execute();
  if (all.length === 0) {
    const names = await db.selectFrom('series').select('benchmark').distinct().orderBy('benchmark').execute();
    throw new HistoryQueryError(
      'benchmark',
      `no series of benchmark '${query.benchmark}'`,
      names.map((row) => row.benchmark),
    );
  }
  return narrow(all, query);
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
