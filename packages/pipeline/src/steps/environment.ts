import { environmentFingerprint, type RunManifest } from '@benchrunner/core';
import { captureEnvironment } from '../environment.ts';
import { toolPath, toolsDir } from '../plan.ts';
import type { NoiseCheck } from './noise.ts';
import { type RunScope, tail } from './scope.ts';

/**
 * Captures the minion's environment and its fingerprint, checks that the suite's CPUs can be
 * pinned, and calibrates the minion's noise before the benchmarks.
 */
export async function captureMinionEnvironment(
  scope: Pick<RunScope, 'runner' | 'suite' | 'suiteDir' | 'env' | 'pin' | 'signal'>,
  manifest: Pick<RunManifest, 'environment' | 'fingerprint'>,
  noise: NoiseCheck,
): Promise<void> {
  const { runner, suite } = scope;
  manifest.environment = await captureEnvironment(runner, {
    cwd: scope.suiteDir,
    // Tool versions (clinic) as the profiled runs will find them.
    toolPath: toolPath({ suiteDir: scope.suiteDir, toolsDir: toolsDir(runner.workDir) }),
    env: scope.env,
    signal: scope.signal,
  });
  if (suite.spec.cpus) {
    const check = await runner.exec([...scope.pin, 'true'], { signal: scope.signal, timeoutMs: 30_000 });
    if (check.exitCode !== 0) {
      throw new Error(
        `cannot pin benchmarks to cpus ${suite.spec.cpus} with taskset on ${runner.minion}: ${tail(check)}`,
      );
    }
    manifest.environment.cpus = suite.spec.cpus;
  }
  manifest.fingerprint = environmentFingerprint(manifest.environment);
  await noise.calibrateBefore();
}
