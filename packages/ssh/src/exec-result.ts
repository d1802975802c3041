import type { ExecResult } from './command-runner.ts';

/** The result of a command whose signal was aborted before it started: nothing ran. */
export function cancelledBeforeStart(): ExecResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    cancelled: true,
    durationMs: 0,
    stdout: '',
    stderr: '',
  };
}
