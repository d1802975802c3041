import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { RunManifest } from '@benchrunner/core';
import { z } from 'zod';
import type { ResultsDb } from './results-db.ts';

/** The part of the worker's publish receipts (`runs/<id>.publish.json`) a reindex needs: the archive's CID. */
const Receipts = z.object({ artifacts: z.object({ cid: z.string() }).optional() });

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
  const entries = await readdir(archiveRoot, { withFileTypes: true });
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const file = path.join(archiveRoot, entry.name, 'manifest.json');
    let manifest: RunManifest;
    try {
      manifest = RunManifest.parse(JSON.parse(await readFile(file, 'utf8')));
    } catch (error) {
      outcome.failed.push({ run: entry.name, error: `${file}: ${(error as Error).message}` });
      continue;
    }
    if (!manifest.finishedAt) continue;
    const cid = await readCid(path.join(archiveRoot, `${entry.name}.publish.json`));
    const { points } = await db.ingestRun(manifest, cid ? { cid } : {});
    outcome.runs++;
    outcome.points += points;
    onRun?.(entry.name, points);
  }
  return outcome;
}

async function readCid(file: string): Promise<string | undefined> {
  try {
    return Receipts.parse(JSON.parse(await readFile(file, 'utf8'))).artifacts?.cid;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${file}: ${(error as Error).message}`, { cause: error });
  }
}
