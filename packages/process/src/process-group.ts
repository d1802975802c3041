import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import type { ProcessOutcome } from './outcome.ts';
import { Escalation, KILL_GRACE_MS, StopWatch } from './stop-watch.ts';

/** Sends a signal to a process group; true when it existed. */
export function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/** How the leader's pipes closed, or why it could not start. */
export interface GroupClosed {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The command could not be started (ENOENT, EACCES). */
  error?: Error;
}

/**
 * A command started on this machine in its own process group (setsid), stdin ignored, stdout and
 * stderr piped. Attach to `child.stdout` / `child.stderr` at once, before any await: Node drains
 * the unread pipes of a command that exits early. `watch` stops the whole group on a timeout or an
 * abort: SIGTERM, then SIGKILL after a grace period.
 */
export class ProcessGroup {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves once the command started, with the error when it could not. */
  readonly started: Promise<Error | undefined>;
  /** The leader exited: its code and signal ('exit': a detached child may still hold the pipes). */
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
  /** The pipes closed, or the command could not start. */
  readonly closed: Promise<GroupClosed>;
  private stopWatch: StopWatch | undefined;
  private escalation: Escalation | undefined;

  constructor(file: string, args: readonly string[], options: { cwd?: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.started = once(this.child, 'spawn').then(
      () => undefined,
      (error: Error) => error,
    );
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => resolve([code, signal]));
    });
    this.closed = new Promise((resolve) => {
      this.child.once('error', (error) => resolve({ code: null, signal: null, error }));
      this.child.once('close', (code, signal) => resolve({ code, signal }));
    });
  }

  /** The group's id (its leader's pid); undefined when the command did not start. */
  get pgid(): number | undefined {
    return this.child.pid;
  }

  /** Sends a signal to the whole group; false when it is gone or never started. */
  kill(signal: NodeJS.Signals): boolean {
    const { pgid } = this;
    return pgid === undefined ? false : killGroup(pgid, signal);
  }

  /** Stops the group on `timeoutMs` or an abort of `signal`: SIGTERM, SIGKILL after `graceMs`. */
  watch(options: {
    signal?: AbortSignal | undefined;
    timeoutMs?: number | undefined;
    graceMs?: number;
  }): void {
    const escalation = new Escalation((signal) => this.kill(signal), options.graceMs ?? KILL_GRACE_MS);
    this.escalation = escalation;
    this.stopWatch = new StopWatch(options, () => escalation.start());
  }

  /** How the command ended so far, given the leader's code and signal. */
  outcome(code: number | null, signal: NodeJS.Signals | null): ProcessOutcome {
    return {
      exitCode: code,
      signal,
      timedOut: this.stopWatch?.timedOut ?? false,
      cancelled: this.stopWatch?.cancelled ?? false,
    };
  }

  /** Why `watch` stopped the group, if it did. */
  get stopReason(): StopWatch['reason'] {
    return this.stopWatch?.reason;
  }

  /** The command has ended: no more timeout, abort or pending SIGKILL. */
  dispose(): void {
    this.stopWatch?.dispose();
    this.escalation?.cancel();
  }
}
