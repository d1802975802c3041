import { readdir } from 'node:fs/promises';
import type { RunManifest } from '@benchrunner/core';
import { ArchiveReadError } from './errors.ts';
import { runDir } from './paths.ts';
import { readManifest } from './read.ts';
import { type PublishReceipts, readReceipts } from './receipts.ts';

/** A finished run of the archive: its folder, its manifest and what its receipts say. */
export interface FinishedRun {
  id: string;
  dir: string;
  manifest: RunManifest;
  /** Its receipts; `{ errors: {} }` when it has none yet, undefined when they could not be read. */
  receipts: PublishReceipts | undefined;
  /** Why the receipts could not be read, when they could not. */
  receiptsError?: ArchiveReadError;
}

/** A folder of the archive that is not a finished run that can be read, and why. */
export interface SkippedRun {
  id: string;
  dir: string;
  /** `missing`: no manifest yet (a run just created, or a folder that is not a run's). */
  error: ArchiveReadError;
}

/**
 * Yields every finished run of the archive (a manifest with `finishedAt`) in the order of their
 * ids, which sort by creation time. Runs still going (no `finishedAt`) are left out silently;
 * folders whose manifest is missing or unreadable are left out and passed to `onSkipped`. Loose
 * files (receipts, CAR files) are not runs. The folder list is read once, at the start, so a
 * caller may remove a run's folder while it iterates.
 */
export async function* finishedRuns(
  archiveRoot: string,
  options: { onSkipped?: (skipped: SkippedRun) => void } = {},
): AsyncGenerator<FinishedRun> {
  const entries = await readdir(archiveRoot, { withFileTypes: true });
  const ids = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const id of ids) {
    const dir = runDir(archiveRoot, id);
    let manifest: RunManifest;
    try {
      manifest = await readManifest(archiveRoot, id);
    } catch (error) {
      if (!(error instanceof ArchiveReadError)) throw error;
      options.onSkipped?.({ id, dir, error });
      continue;
    }
    if (!manifest.finishedAt) continue;
    yield await readReceiptsOf({ id, dir, manifest }, archiveRoot);
  }
}

async function readReceiptsOf(
  run: Pick<FinishedRun, 'id' | 'dir' | 'manifest'>,
  archiveRoot: string,
): Promise<FinishedRun> {
  try {
    return { ...run, receipts: await readReceipts(archiveRoot, run.id) };
  } catch (error) {
    if (!(error instanceof ArchiveReadError)) throw error;
    return { ...run, receipts: undefined, receiptsError: error };
  }
}
