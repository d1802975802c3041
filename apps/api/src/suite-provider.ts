import { stat } from 'node:fs/promises';
import { loadSuite, type Suite } from '@benchrunner/core';

/** How long a checked suite is trusted before its file's mtime is looked at again. */
const RECHECK_MS = 1000;

/**
 * The suite, re-read when its file changes, so the API checks names against what the worker will
 * run. The file is stat'ed at most once a second, not on every request.
 */
export function suiteProvider(
  file: string,
  initial: Suite,
  now: () => number = Date.now,
): () => Promise<Suite> {
  let current = initial;
  let mtime = 0;
  let checkedAt = -Infinity;
  let pending: Promise<Suite> | undefined;
  const refresh = async () => {
    const info = await stat(file).catch(() => undefined);
    if (info && info.mtimeMs !== mtime) {
      // A broken edit keeps the last good suite; the worker reports the error on the next run.
      current = await loadSuite(file).catch(() => current);
      mtime = info.mtimeMs;
    }
    checkedAt = now();
    return current;
  };
  return async () => {
    if (now() - checkedAt < RECHECK_MS) return current;
    pending ??= refresh().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
