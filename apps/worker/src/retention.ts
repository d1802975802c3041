import { rm } from 'node:fs/promises';
import { type ConfiguredSinks, finishedRuns, fullyPublished } from '@benchrunner/archive';
import type { Logger } from '@benchrunner/core';
import { warnSkipped } from './skipped-runs.ts';

/**
 * Removes run folders finished more than `days` ago, but only those every configured sink has
 * confirmed: the archive stays the source of truth until then. Receipts and CAR files stay.
 */
export async function sweepArchive(options: {
  archiveRoot: string;
  days: number;
  sinks: ConfiguredSinks;
  logger: Logger;
  now?: number;
}): Promise<string[]> {
  if (options.days <= 0) return [];
  const cutoff = (options.now ?? Date.now()) - options.days * 24 * 3600 * 1000;
  const removed: string[] = [];
  const runs = finishedRuns(options.archiveRoot, {
    onSkipped: (skipped) => warnSkipped(options.logger, skipped),
  });
  for await (const { id, dir, manifest, receipts } of runs) {
    const { finishedAt } = manifest;
    if (!finishedAt || Date.parse(finishedAt) > cutoff) continue;
    // Receipts that cannot be read confirm nothing: the folder stays.
    if (!receipts || !fullyPublished(receipts, options.sinks)) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(id);
    options.logger.info(
      { runId: id, finishedAt },
      'retention: run folder removed after every sink confirmed it',
    );
  }
  return removed;
}
