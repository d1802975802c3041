import type { Kysely } from 'kysely';
import type { History, HistoryPoint, HistoryQuery } from './results-db.ts';
import type { Database } from './schema.ts';
import { pickSeries, pointRows, seriesInfo } from './series-read.ts';

/** Histories kept per open database; each 1,000-point answer holds a few hundred KB. */
const HISTORY_CACHE_SIZE = 32;

/**
 * Answers of history(), by query, valid for one `history_version`: reading 1,000 points costs
 * milliseconds of CPU, reading the version a fraction of one. Promises, so concurrent readers of
 * the same query share one read.
 */
export class HistoryCache {
  private readonly histories = new Map<string, Promise<History>>();
  private historiesVersion: number | undefined;

  constructor(private readonly db: Kysely<Database>) {}

  async history(query: HistoryQuery): Promise<History> {
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
      answer = readHistory(this.db, query);
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
  }
}

async function readHistory(db: Kysely<Database>, query: HistoryQuery): Promise<History> {
  const series = await pickSeries(db, query);
  const rows = await pointRows(db, series.key, query.limit, query.before, false);
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
