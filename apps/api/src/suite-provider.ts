import { stat } from 'node:fs/promises';
import { type Suite, loadSuite } from '@benchrunner/core';

/** The suite, re-read when its file changes, so the API checks names against what the worker will run. */
export function suiteProvider(file: string, initial: Suite): () => Promise<Suite> {
  let current = initial;
  let mtime = 0;
  return async () => {
    const info = await stat(file).catch(() => undefined);
    if (info && info.mtimeMs !== mtime) {
      // A broken edit keeps the last good suite; the worker reports the error on the next run.
      current = await loadSuite(file).catch(() => current);
      mtime = info.mtimeMs;
    }
    return current;
  };
}
