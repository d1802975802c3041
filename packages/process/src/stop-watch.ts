import type { StopReason } from './outcome.ts';

/** Milliseconds between SIGTERM and SIGKILL when a command's process group is stopped. */
export const KILL_GRACE_MS = 3000;

/**
 * The timeout and abort state of one command: whichever fires calls `stop` (both may, a timeout
 * then a cancel) and is remembered; `reason` is the first. How to stop is the caller's: a signal
 * to a local process group, or a script on the minion.
 */
export class StopWatch {
  timedOut = false;
  cancelled = false;
  reason: StopReason | undefined;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = () => this.fire('cancelled');

  constructor(
    options: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined },
    private readonly stop: (reason: StopReason) => void,
  ) {
    this.signal = options.signal;
    this.signal?.addEventListener('abort', this.onAbort, { once: true });
    this.timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => this.fire('timeout'), options.timeoutMs);
  }

  /** Whether the command was stopped (timed out or cancelled). */
  get stopped(): boolean {
    return this.reason !== undefined;
  }

  /** The command has ended: the timeout and the signal no longer matter. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  private fire(reason: StopReason): void {
    if (reason === 'timeout') this.timedOut = true;
    else this.cancelled = true;
    this.reason ??= reason;
    this.stop(reason);
  }
}

/**
 * SIGTERM now, SIGKILL after `graceMs` unless cancelled first. Calling `start` again sends SIGTERM
 * again but keeps the first SIGKILL's time. A grace of 0 sends SIGKILL at once, without SIGTERM.
 */
export class Escalation {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kill: (signal: NodeJS.Signals) => void,
    private readonly graceMs = KILL_GRACE_MS,
  ) {}

  start(): void {
    if (this.graceMs === 0) {
      this.kill('SIGKILL');
      return;
    }
    this.kill('SIGTERM');
    this.timer ??= setTimeout(() => this.kill('SIGKILL'), this.graceMs);
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
  }
}
