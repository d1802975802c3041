import type { Readable } from 'node:stream';
import { LockedError, type LockHandle } from './command-runner.ts';
import { LineSplitter } from './lines.ts';

/** flock's exit code when another holder has the lock (`-E`): told apart from flock's own errors. */
const LOCK_BUSY_EXIT = 75;

/**
 * The command that holds `lockFile`: flock holds the lock while `cat` reads its stdin, so when the
 * holder's end closes (released, or the controller or the connection died) cat sees EOF and the
 * lock is released: a crashed controller can never leave the minion locked. Waits up to `waitMs`
 * for another holder (rounded up to whole seconds), or fails at once.
 */
export function flockArgv(lockFile: string, waitMs?: number): string[] {
  const wait = waitMs ? ['-w', String(Math.max(1, Math.ceil(waitMs / 1000)))] : ['-n'];
  return [
    'flock',
    '-E',
    String(LOCK_BUSY_EXIT),
    ...wait,
    lockFile,
    'sh',
    '-c',
    'echo locked; exec cat >/dev/null',
  ];
}

/** A started flockArgv command, wherever it runs. */
export interface FlockProcess {
  stdout: Readable;
  stderr: Readable;
  /** flock's exit code once it is gone; null when it ended without one (a dropped connection). */
  exited: Promise<number | null>;
  /** Stops waiting for the lock (the run was cancelled). */
  abort(): void;
  /** Ends the holder's stdin: cat exits and flock releases the lock. */
  release(): void;
}

/**
 * Waits until `flock` holds the lock and returns the handle that releases it (once: the handle
 * leaves `held` then). When flock gives up instead, rejects with a LockedError when another
 * holder has the lock, a plain Error when `signal` stopped the wait, else with `failure(code, stderr)`.
 */
export async function holdLock(
  flock: FlockProcess,
  options: {
    signal?: AbortSignal | undefined;
    held: Set<LockHandle>;
    minion: string;
    lockFile: string;
    /** The error for any other exit than LOCK_BUSY_EXIT (which is a LockedError). */
    failure: (code: number | null, stderr: string) => Error;
  },
): Promise<LockHandle> {
  const stderr = new LineSplitter();
  flock.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const acquired = new Promise<boolean>((resolve) => {
    flock.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve(true);
    });
    void flock.exited.then(() => resolve(false));
  });
  const onAbort = () => flock.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const ok = await acquired;
  options.signal?.removeEventListener('abort', onAbort);
  if (!ok) {
    const code = await flock.exited;
    if (options.signal?.aborted)
      throw new Error(`waiting for ${options.lockFile} on minion ${options.minion} was cancelled`);
    if (code === LOCK_BUSY_EXIT)
      throw new LockedError(`minion ${options.minion} is busy: another run holds ${options.lockFile}`);
    throw options.failure(code, stderr.finalTail().trim());
  }
  const handle: LockHandle = {
    release: async () => {
      if (!options.held.delete(handle)) return;
      flock.release();
      await flock.exited;
    },
  };
  options.held.add(handle);
  return handle;
}
