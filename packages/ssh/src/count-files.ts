import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { TransferStats } from './command-runner.ts';

/** Regular files (not symlinks) under dir and their total size. */
export async function countFiles(dir: string): Promise<TransferStats> {
  const stats: TransferStats = { files: 0, bytes: 0 };
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    stats.files++;
    stats.bytes += (await lstat(path.join(entry.parentPath, entry.name))).size;
  }
  return stats;
}
