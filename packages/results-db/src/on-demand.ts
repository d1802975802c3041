import type { Kysely } from 'kysely';
import {
  changePointFindings,
  detectionOf,
  type Finding,
  isPullRequestBranch,
  SAME_CHANGE,
  type StoredPoint,
} from './detection.ts';
import type {
  DetectSettingsOf,
  Regression,
  RegressionStatus,
  RunFacts,
  SeriesFilter,
  StatusChange,
} from './results-db.ts';
import type { Database } from './schema.ts';

/** How many of a series' latest points detection on demand looks at: its whole usual history. */
export const ON_DEMAND_WINDOW = 1000;

/** What {@link detectStoredSeries} needs of the database beyond plain reads. */
export interface StoredSeriesAccess {
  points(seriesKey: string): Promise<StoredPoint[]>;
  openRecords(
    seriesKey: string,
  ): Promise<{ id: string; firstBadRun: string; beforeMedian: number; afterMedian: number }[]>;
  /** Writes findings; answers the ids written now (new records). */
  record(findings: Finding[]): Promise<string[]>;
  /** Fixes records; answers each fixed now with its status before. */
  fix(ids: string[]): Promise<Map<string, RegressionStatus>>;
  stored(ids: string[]): Promise<Regression[]>;
}

/**
 * Change-point detection now, over the stored history of every series the filter matches (pull
 * request series left out): records new changes, fixes records a later change undid, and returns
 * every record the histories support, new or already stored (by either detector, at or next to a
 * change point found now).
 */
export async function detectStoredSeries(
  db: Kysely<Database>,
  filter: SeriesFilter,
  settings: DetectSettingsOf | undefined,
  access: StoredSeriesAccess,
): Promise<{ regressions: Regression[]; changes: StatusChange[] }> {
  let query = db.selectFrom('series').select(['key', 'benchmark', 'branch', 'direction']);
  if (filter.benchmark !== undefined) query = query.where('benchmark', '=', filter.benchmark);
  if (filter.minion !== undefined) query = query.where('minion', '=', filter.minion);
  if (filter.branch !== undefined) query = query.where('branch', '=', filter.branch);
  const series = await query.orderBy('key').execute();
  const supported = new Set<string>();
  const made: string[] = [];
  const fixedFrom = new Map<string, RegressionStatus>();
  for (const row of series) {
    if (isPullRequestBranch(row.branch, null)) continue;
    const points = await access.points(row.key);
    const spec = settings?.(row.benchmark) ?? {};
    const open = await access.openRecords(row.key);
    const { findings, fixed } = changePointFindings(row.key, points, spec, row.direction, open);
    made.push(...(await access.record(findings)));
    if (fixed.length > 0) for (const [id, from] of await access.fix(fixed)) fixedFrom.set(id, from);
    // Every change point of the history, known or not, to name the records that stand for it.
    const all = changePointFindings(row.key, points, spec, row.direction, []).findings;
    const indexOf = new Map(points.map((p, i) => [p.runId, i]));
    for (const finding of all) {
      supported.add(finding.id);
      const at = indexOf.get(finding.first_bad_run) ?? Number.NaN;
      for (const record of open) {
        const near = indexOf.get(record.firstBadRun);
        if (near !== undefined && Math.abs(near - at) <= SAME_CHANGE) supported.add(record.id);
      }
    }
  }
  // Ids of change points that a nearby record already stood for were never written: not returned.
  const regressions = supported.size === 0 ? [] : await access.stored([...supported]);
  // The status changes made now, for the listeners: new `suspected` records, then records fixed.
  const changedIds = [...new Set([...made, ...fixedFrom.keys()])];
  const changed = changedIds.length === 0 ? [] : await access.stored(changedIds);
  const { changes } = detectionOf(changed, new Set(), made, fixedFrom, new Set(fixedFrom.keys()));
  return { regressions, changes };
}

/** What the regression page shows of each run: its environment fingerprint and commit's repository. */
export async function runFacts(db: Kysely<Database>, runIds: readonly string[]): Promise<RunFacts[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom('runs as r')
    .leftJoin('commits as c', 'c.sha', 'r.commit')
    .select(['r.id', 'r.commit', 'r.started_at', 'r.environment_fingerprint', 'c.repository'])
    .where('r.id', 'in', [...runIds])
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  return runIds.flatMap((id) => {
    const row = byId.get(id);
    return row
      ? [
          {
            runId: row.id,
            commit: row.commit,
            startedAt: row.started_at,
            environmentFingerprint: row.environment_fingerprint,
            repository: row.repository,
          },
        ]
      : [];
  });
}
