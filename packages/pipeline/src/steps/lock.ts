import type { LockHandle } from '@benchrunner/ssh';
import type { RunScope } from './scope.ts';

/** Takes the minion's lock for the whole run; another controller's lock is waited for `lockWaitMs`. */
export function lockMinion(scope: Pick<RunScope, 'deps' | 'runner' | 'signal'>): Promise<LockHandle> {
  return scope.runner.lock({ waitMs: scope.deps.lockWaitMs, signal: scope.signal });
}
