import { CancelledError, type RunManifest, type RunState } from '@benchrunner/core';
import type { LockHandle } from '@benchrunner/ssh';
import { recordKilled } from './cleanup.ts';
import type { RunScope } from './scope.ts';

type Reads = Pick<RunScope, 'runner' | 'log' | 'saveManifest'>;
type Writes = Pick<RunManifest, 'state' | 'finishedAt' | 'durationMs' | 'killed'>;

/** When the run started, and the minion's lock once the lock step took it: what finishing a run needs. */
export interface RunClock {
  readonly started: number;
  lock: LockHandle | undefined;
}

/** Nothing this run started may outlive it; without the lock, the processes are another run's. */
async function killLeftovers(
  scope: Pick<RunScope, 'runner' | 'log'>,
  manifest: Pick<RunManifest, 'killed'>,
  lock: LockHandle | undefined,
): Promise<void> {
  if (!lock) return;
  await scope.runner.killProcessGroups().then(
    (report) => recordKilled(scope, manifest, report, 'run'),
    (e: Error) => scope.log(`warning: could not kill leftover processes: ${e.message}`),
  );
}

/** Kills what the run left running and saves the manifest in its final state. */
export async function finishRun(
  scope: Reads,
  manifest: Writes,
  state: RunState,
  run: RunClock,
): Promise<void> {
  await killLeftovers(scope, manifest, run.lock);
  manifest.state = state;
  manifest.finishedAt = new Date().toISOString();
  manifest.durationMs = Date.now() - run.started;
  await scope.saveManifest();
}

/**
 * A run that stopped early (an error, a cancel, a worker giving the run back): records how in the
 * manifest and returns the error to reject with (a CancelledError once the run's signal is aborted).
 */
export async function stopRun(
  scope: Reads & Pick<RunScope, 'ctx' | 'signal'>,
  manifest: Writes & Pick<RunManifest, 'error'>,
  error: unknown,
  run: RunClock,
): Promise<unknown> {
  const { ctx, log } = scope;
  const cancelled = error instanceof CancelledError || scope.signal.aborted;
  const decided = ctx.stoppedState?.(error);
  manifest.state = decided ?? (cancelled ? 'cancelled' : 'failed');
  manifest.error = (error as Error).message;
  log(`run ${decided === null ? 'given up' : manifest.state}: ${manifest.error}`);
  if (decided === 'waiting') {
    // Back in the queue, the run has not finished, but nothing it started may outlive it.
    await killLeftovers(scope, manifest, run.lock);
    await scope.saveManifest();
  } else if (decided === null) {
    // Given up to another worker: its manifest is theirs.
    await killLeftovers(scope, manifest, run.lock);
  } else await finishRun(scope, manifest, manifest.state, run);
  return cancelled && !(error instanceof CancelledError)
    ? new CancelledError(`run ${ctx.id} cancelled: ${String(scope.signal.reason ?? 'aborted')}`, {
        cause: error,
      })
    : error;
}
