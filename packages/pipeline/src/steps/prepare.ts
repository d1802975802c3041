import type { RunManifest } from '@benchrunner/core';
import { recordTarget } from '../target.ts';
import type { Skipped } from './record.ts';
import { describeExit, type RunScope, tail } from './scope.ts';

/**
 * Prepares the target at the run's commit: records the target (and adds its commit and repository
 * to `scope.env`), then runs the suite's setup command.
 */
export async function prepareTarget(
  scope: Pick<
    RunScope,
    'deps' | 'ctx' | 'runner' | 'suite' | 'suiteDir' | 'env' | 'signal' | 'log' | 'checkCancelled'
  >,
  manifest: Pick<RunManifest, 'target'>,
): Promise<Skipped | undefined> {
  const { suite, log } = scope;
  await recordTarget(scope.deps, scope.ctx, manifest, scope.env, log);
  const setup = suite.spec.setup;
  if (!setup) return { skipped: 'the suite has no setup command' };
  const result = await scope.runner.exec(setup, {
    cwd: scope.suiteDir,
    env: scope.env,
    signal: scope.signal,
    timeoutMs: suite.spec.setupTimeout * 1000,
    onLine: (line, stream) => log(`[setup${stream === 'stderr' ? ':err' : ''}] ${line}`),
  });
  scope.checkCancelled();
  if (result.exitCode !== 0) {
    throw new Error(`setup ${describeExit(result, suite.spec.setupTimeout)}:\n${tail(result)}`);
  }
  return undefined;
}
