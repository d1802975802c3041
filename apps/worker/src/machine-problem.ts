import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LaneProblem } from '@benchrunner/queue';

/** System errors that say the controller's disk cannot take the run, whichever run it is. */
const MACHINE_CODES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'the file system is read-only',
};

/**
 * The machine problem behind `error` (searched along its `cause` chain), or undefined when the
 * error is the run's own. A full or read-only disk fails every run alike: the lane waits instead.
 */
export function machineProblem(error: unknown, now = new Date()): LaneProblem | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const { code, path: file } = e as NodeJS.ErrnoException;
    if (code && code in MACHINE_CODES) {
      return {
        code,
        reason: `${MACHINE_CODES[code]}${file ? ` (${file})` : ''}: ${e.message}`,
        since: now.toISOString(),
      };
    }
  }
  return undefined;
}

/** Bytes the disk probe writes: a disk with less room than this cannot hold a run's manifest and log. */
const PROBE_BYTES = 64 * 1024;

/** True when `dir` takes a write of PROBE_BYTES again (and the probe file is removed again). */
export async function diskWritable(dir: string): Promise<boolean> {
  const file = path.join(dir, `.probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(file, Buffer.alloc(PROBE_BYTES));
    return true;
  } catch {
    return false;
  } finally {
    await rm(file, { force: true }).catch(() => undefined);
  }
}
