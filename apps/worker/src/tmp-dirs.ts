import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';

/**
 * A worker's own folder for a run's local temp files: DATA_DIR/tmp/worker-<pid>. Being named by
 * the process, what a killed worker left is found and removed by the next one (see below).
 */
export function workerTmpDir(dataDir: string, pid = process.pid): string {
  return path.join(dataDir, 'tmp', `worker-${pid}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temp folders of workers that are gone (SIGKILL, a crash: nothing ran their cleanup)
 * from `root` (DATA_DIR/tmp). Folders of live workers on the same DATA_DIR stay. Returns the
 * removed names.
 */
export async function removeStaleTmpDirs(root: string, alive = processAlive): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of entries) {
    const pid = Number(/^worker-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    await rm(path.join(root, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
