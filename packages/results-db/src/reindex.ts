import { finishedRuns } from '@benchrunner/archive';
import type { ResultsDb } from './results-db.ts';

export interface ReindexOutcome {
  runs: number;
  points: number;
  /** Run folders whose manifest could not be read or written, with the reason. */
  failed: { run: string; error: string }[];
}

/**
 * Writes every finished run of the archive (`<archiveRoot>/<id>/manifest.json`) into the database,
 * with the CID its publish receipts recorded. Idempotent, like every ingest: running it again, or
 * after the worker wrote the same runs, gives the same rows. Rows of runs whose folders were removed
 * (RETENTION_DAYS) are kept.
 */
export async function reindex(
  db: ResultsDb,
  archiveRoot: string,
  onRun?: (run: string, points: number) => void,
): Promise<ReindexOutcome> {
  const outcome: ReindexOutcome = { runs: 0, points: 0, failed: [] };
  const runs = finishedRuns(archiveRoot, {
    onSkipped: ({ id, error }) => outcome.failed.push({ run: id, error: error.message }),
  });
  for await (const run of runs) {
    // Receipts that cannot be read would lose the run's CID: stop rather than write rows without it.
    if (run.receiptsError) throw run.receiptsError;
    const cid = run.receipts?.artifacts?.cid;
    const { points } = await db.ingestRun(run.manifest, cid ? { cid } : {});
    outcome.runs++;
    outcome.points += points;
    onRun?.(run.id, points);
  }
  return outcome;
}
