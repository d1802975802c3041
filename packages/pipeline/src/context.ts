import type { Logger, RunJobData, RunProgress, RunState, Suite } from '@benchrunner/core';
import type { TargetResolver } from '@benchrunner/git';
import type { CommandRunner } from '@benchrunner/ssh';

/** Provisions a minion for a suite (Ansible for SSH minions). Absent for the local minion. */
export interface Provisioner {
  /** Why provisioning is needed (suite changed, never provisioned), or null when the minion is up to date. */
  needed(runner: CommandRunner, suite: Suite): Promise<string | null>;
  provision(
    runner: CommandRunner,
    suite: Suite,
    options: { signal: AbortSignal; log: (line: string) => void },
  ): Promise<void>;
  /** Where the suite lives on the minion after provisioning. */
  suiteDir(runner: CommandRunner): string;
}

/** What the pipeline needs from outside, chosen by the worker's main.ts. */
export interface PipelineDeps {
  runner: CommandRunner;
  suite: Suite;
  /** DATA_DIR/runs: the run's archive goes to `<archiveRoot>/<id>/`. */
  archiveRoot: string;
  logger: Logger;
  provisioner?: Provisioner;
  /** Force provisioning even when the suite's hash matches. */
  forceProvision?: boolean;
  /** Resolves the commit of runs queued without one, in the mirror of the suite's target. */
  targets?: TargetResolver;
  /** How long to wait for the minion's lock held by another controller (ms). Default 0: fail at once. */
  lockWaitMs?: number;
  /** Parent of the run's local temp folder. Default: the system's temp folder. */
  tmpDir?: string;
}

/** One run as the pipeline sees it. */
export interface RunContext {
  id: string;
  attempt: number;
  request: RunJobData;
  signal: AbortSignal;
  /** When a scheduled run was queued: a branch is resolved as it stood then, not when the lane got to it. */
  scheduledAt?: Date;
  /** A line for the run's log (batched to the job's log by the worker, and written to stdout.log). */
  log(line: string): void;
  progress(progress: RunProgress): void;
  /**
   * The state the manifest of a run that stops early ends in, decided by the run's owner:
   * `waiting` when it goes back to the queue, null when another worker owns it now (the manifest
   * is left to that worker). Undefined, or absent: `cancelled` or `failed`.
   */
  stoppedState?(error: unknown): RunState | null | undefined;
}
