import { BenchrunnerError } from '@benchrunner/core';
import type { ProcessOutcome } from '@benchrunner/process';

export type OutputStream = 'stdout' | 'stderr';

export interface ExecOptions {
  /** Working directory on the target. Default: the runner's workDir. */
  cwd?: string;
  /**
   * The command's environment, added to a small base taken from where it is started (PATH, HOME,
   * USER, LOGNAME, SHELL, TZ, TMPDIR, locale: BASE_ENV_NAMES); nothing else is inherited. Values
   * from users travel here, never inside argv strings for a shell, and never on a command line.
   */
  env?: Readonly<Record<string, string>>;
  /** Aborting kills the command's whole process group. */
  signal?: AbortSignal;
  /** Kills the command's process group after this many milliseconds. */
  timeoutMs?: number;
  /** Called for every complete line of output, in order per stream. */
  onLine?: (line: string, stream: OutputStream) => void;
}

/** How the command ended (exit code, signal, timed out, cancelled), its duration and its output's end. */
export interface ExecResult extends ProcessOutcome {
  durationMs: number;
  /** The last TAIL_BYTES of each stream (the whole output goes through onLine). */
  stdout: string;
  stderr: string;
}

export interface LockHandle {
  /** Releases the lock. Also released when the runner closes or the controller process dies. */
  release(): Promise<void>;
}

/** A process a runner killed because its command had ended (or an earlier run crashed). */
export interface KilledProcess {
  pid: number;
  /** Its command line, arguments joined by spaces, cut at 300 characters. */
  command: string;
}

/** What killProcessGroups found and killed. */
export interface CleanupReport {
  /** Process groups still recorded under workDir (their command never returned to a runner). */
  groups: number;
  /**
   * Processes killed since the last report: those left behind when their command ended, and those
   * still running now. Found by the runner's tag in their environment, so children that started
   * their own session or process group are among them.
   */
  processes: KilledProcess[];
}

export interface TransferStats {
  files: number;
  bytes: number;
}

/**
 * One way to run commands on a minion. Every command gets its own process group, recorded under
 * `workDir`, so a cancel, a timeout or the next run's cleanup can kill everything it started.
 */
export interface CommandRunner {
  readonly minion: string;
  /** Absolute folder on the target that benchrunner owns: suite, outputs, process groups, lock. */
  readonly workDir: string;
  /**
   * Runs argv (no shell) and resolves when the process group is gone. Whatever the command started
   * that still runs when it exits is killed then, detached children included (see CleanupReport).
   * Rejects only on connection errors.
   */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Takes the minion's exclusive lock (`flock`), waiting up to waitMs (default: fail at once). */
  lock(options?: { waitMs?: number; signal?: AbortSignal }): Promise<LockHandle>;
  /**
   * Kills every process started by a command in workDir (this run's or a crashed earlier run's):
   * recorded process groups and every process carrying the runner's tag. Reports what it killed,
   * and what exec killed after commands exited since the last call.
   */
  killProcessGroups(): Promise<CleanupReport>;
  /** Copies a directory from the target into a local directory (created if missing). */
  getDirectory(
    remoteDir: string,
    localDir: string,
    options?: { signal?: AbortSignal },
  ): Promise<TransferStats>;
  /** Copies a local directory onto the target (created if missing). */
  putDirectory(
    localDir: string,
    remoteDir: string,
    options?: { signal?: AbortSignal },
  ): Promise<TransferStats>;
  close(): Promise<void>;
}

/** How much of each stream an ExecResult keeps. */
export const TAIL_BYTES = 16 * 1024;

/** Another run holds the minion's lock. */
export class LockedError extends BenchrunnerError {
  override name = 'LockedError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('minion_locked', message, options);
  }
}

/** The connection to the minion failed or dropped. */
export class ConnectionError extends BenchrunnerError {
  override name = 'ConnectionError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('connection_failed', message, options);
  }
}
