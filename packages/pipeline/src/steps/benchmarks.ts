import type { BenchmarkSpec, RunManifest } from '@benchrunner/core';
import { runBenchmark } from './benchmark.ts';
import type { NoiseCheck } from './noise.ts';
import type { RunScope } from './scope.ts';

/**
 * Runs each benchmark (warmups, repeats), collects and merges its results into the archive, saving
 * the manifest after each one; then the noise check's calibration after them and its verdict.
 */
export async function runBenchmarks(
  scope: Parameters<typeof runBenchmark>[0] & Pick<RunScope, 'saveManifest'>,
  manifest: Pick<RunManifest, 'benchmarks' | 'results' | 'noise' | 'noisy'>,
  benchmarks: readonly BenchmarkSpec[],
  noise: NoiseCheck,
): Promise<void> {
  for (const benchmark of benchmarks) {
    scope.checkCancelled();
    const outcome = await runBenchmark(scope, manifest, benchmark);
    manifest.benchmarks.push(outcome);
    await scope.saveManifest();
  }
  await noise.judge(manifest);
}
