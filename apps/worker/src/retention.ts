import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '@benchrunner/core';
import { fullyPublished, readReceipts } from './publisher.ts';

/**
 * Removes run folders finished more than `days` ago, but only those every configured sink has
 * confirmed: the archive stays the source of truth until then. Receipts and CAR files stay.
 */
export async function sweepArchive(options: {
  archiveRoot: string;
  days: number;
  sinks: Parameters<typeof fullyPublished>[1];
  logger: Logger;
  now?: number;
}): Promise<string[]> {
  if (options.days <= 0) return [];
  const cutoff = (options.now ?? Date.now()) - options.days * 24 * 3600 * 1000;
  const removed: string[] = [];
  for (const entry of await readdir(options.archiveRoot, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = path.join(options.archiveRoot, entry.name);
    let finishedAt: string | undefined;
    try {
      finishedAt = (
        JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as { finishedAt?: string }
      ).finishedAt;
    } catch {
      continue;
    }
    if (!finishedAt || Date.parse(finishedAt) > cutoff) continue;
    const receipts = await readReceipts(options.archiveRoot, entry.name).catch(() => undefined);
    if (!receipts || !fullyPublished(receipts, options.sinks)) continue;
    await rm(dir, { recursive: true, force: true });
    removed.push(entry.name);
    options.logger.info(
      { runId: entry.name, finishedAt },
      'retention: run folder removed after every sink confirmed it',
    );
  }
  return removed;
}
