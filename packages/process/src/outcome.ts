/** How a command (its process group) ended. */
export interface ProcessOutcome {
  /** The exit code; null when it was killed (or, on a minion, the connection dropped): anything but 0 is a failure. */
  exitCode: number | null;
  /** The signal that ended it (`SIGTERM`), or null. */
  signal: string | null;
  /** Stopped because its timeout passed. */
  timedOut: boolean;
  /** Stopped because its AbortSignal was aborted. */
  cancelled: boolean;
}

/** Why a command was stopped before it ended by itself. */
export type StopReason = 'timeout' | 'cancelled';
