import type { HistoryPoint, ResultsDb } from '@benchrunner/results-db';

/** At most this many series are read to find a branch's latest run. */
const MAX_SERIES = 50;

/**
 * The run holding the latest result of `branch` on `minion` among the given suite benchmarks: the
 * newest (first-parent order, then start time) of each series' last point. Null when the branch has
 * none there.
 */
export async function latestRunOf(
  db: ResultsDb,
  query: { branch: string; minion: string; benchmarks: readonly string[] },
): Promise<string | null> {
  const wanted = new Set(query.benchmarks);
  const series = (await db.series({ branch: query.branch, minion: query.minion }))
    .filter((s) => wanted.has(s.benchmark))
    .slice(0, MAX_SERIES);
  let latest: HistoryPoint | null = null;
  for (const s of series) {
    const history = await db.history({
      benchmark: s.benchmark,
      result: s.result,
      params: s.params,
      measure: s.measure,
      minion: s.minion,
      branch: s.branch,
      limit: 1,
    });
    const point = history.points.at(-1);
    if (point && (!latest || newer(point, latest))) latest = point;
  }
  return latest?.runId ?? null;
}

function newer(a: HistoryPoint, b: HistoryPoint): boolean {
  const da = a.firstParentDepth ?? -1;
  const db = b.firstParentDepth ?? -1;
  return da !== db ? da > db : a.startedAt > b.startedAt;
}
