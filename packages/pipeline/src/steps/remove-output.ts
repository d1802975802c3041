import type { ExecResult } from '@benchrunner/ssh';
import { type RunScope, tail } from './scope.ts';

type Reads = Pick<RunScope, 'runner' | 'outRoot' | 'signal'>;

/** `rm -rf` of the run's output folder on the minion. */
export function removeMinionOutput(scope: Reads): Promise<ExecResult> {
  return scope.runner.exec(['rm', '-rf', '--', scope.outRoot], { signal: scope.signal, timeoutMs: 120_000 });
}

/**
 * Removes the run's output from the minion once everything is in the archive. A failure is only a
 * warning: the next run's cleanup removes it again.
 */
export async function removeOutput(scope: Reads & Pick<RunScope, 'log'>): Promise<void> {
  const result = await removeMinionOutput(scope);
  if (result.exitCode !== 0) scope.log(`warning: could not clean ${scope.outRoot}: ${tail(result)}`);
}
