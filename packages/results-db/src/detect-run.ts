import { NotFoundError } from '@benchrunner/core';
import { type SeriesTest, testAgainstBaseline } from '@benchrunner/results';
import type { Kysely } from 'kysely';
import {
  baselineFinding,
  CHANGE_POINT_WINDOW,
  changePointFindings,
  detectionOf,
  isPullRequestBranch,
  type StoredPoint,
  sinceLastChange,
} from './detection.ts';
import { fixRecords, openRecords, recordFindings, storedRegressions } from './regression-records.ts';
import type { Detection, DetectSettingsOf, RegressionStatus } from './results-db.ts';
import type { Database } from './schema.ts';
import { parseSamples, storedPoints } from './series-read.ts';

/** The per-run test's baseline when a suite sets no `window` (testAgainstBaseline's default). */
const BASELINE_WINDOW = 20;

/**
 * Detection after one run: each of its series against its baseline since the last recorded
 * change, then change points over the series' recent history. Records what it finds, fixes
 * records a later change undid, and returns the records found now with the status changes made.
 */
export async function detectRun(
  db: Kysely<Database>,
  runId: string,
  options: { settings?: DetectSettingsOf },
): Promise<Detection> {
  const none: Detection = { found: [], changes: [] };
  const run = await db
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
  const rows = await db
    .selectFrom('points as p')
    .innerJoin('series as s', 's.key', 'p.series_key')
    .innerJoin('runs as r', 'r.id', 'p.run_id')
    .select(['p.series_key', 'p.value', 'p.samples', 'r.commit', 's.benchmark', 's.measure', 's.direction'])
    .where('p.run_id', '=', runId)
    .orderBy('p.series_key')
    .orderBy('p.seq')
    .execute();
  // Repeats of a series within one run form one candidate: all their samples, the mean value.
  const candidates = new Map<string, { point: StoredPoint; values: number[]; row: (typeof rows)[number] }>();
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
    const window = await storedPoints(db, key, settings.window ?? BASELINE_WINDOW, runId);
    const records = await openRecords(db, key);
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
  const made = await recordFindings(db, found);
  const fixedIds = new Set<string>();
  const fixedFrom = new Map<string, RegressionStatus>();
  for (const [key, { row }] of candidates) {
    const points = await storedPoints(db, key, CHANGE_POINT_WINDOW);
    const { findings, fixed } = changePointFindings(
      key,
      points,
      options.settings?.(row.benchmark) ?? {},
      row.direction,
      await openRecords(db, key),
    );
    made.push(...(await recordFindings(db, findings)));
    found.push(...findings);
    for (const [id, from] of await fixRecords(db, fixed)) fixedFrom.set(id, from);
    for (const id of fixed) fixedIds.add(id);
  }
  if (found.length === 0 && fixedIds.size === 0) return none;
  const records = await storedRegressions(db, [...new Set([...found.map((f) => f.id), ...fixedIds])]);
  return detectionOf(records, new Set(found.map((f) => f.id)), made, fixedFrom, fixedIds);
}

function toSeriesPoint(point: StoredPoint) {
  return { value: point.value, ...(point.samples ? { samples: point.samples } : {}) };
}
