import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunArchive } from '@benchrunner/archive';
import { type RunManifest, type RunState, repeatBounds, type StepName } from '@benchrunner/core';
import type { PipelineDeps, RunContext } from './context.ts';
import { planProfiles, selectBenchmarks } from './plan.ts';
import { runBenchmarks } from './steps/benchmarks.ts';
import { cleanMinion } from './steps/cleanup.ts';
import { captureMinionEnvironment } from './steps/environment.ts';
import { finishRun, type RunClock, stopRun } from './steps/finish.ts';
import { lockMinion } from './steps/lock.ts';
import { NoiseCheck } from './steps/noise.ts';
import { prepareTarget } from './steps/prepare.ts';
import { runProfiles } from './steps/profiles.ts';
import { provisionMinion } from './steps/provision.ts';
import { recordStep } from './steps/record.ts';
import { removeOutput } from './steps/remove-output.ts';
import { createScope, startManifest } from './steps/scope.ts';

export { summarize } from './summary.ts';

/**
 * Runs one run: lock -> cleanup -> provision -> prepare -> environment -> benchmarks -> profiles
 * -> remove-output -> finish, recording every step in `<archive>/manifest.json` (one file per step
 * in ./steps). Resolves with the manifest whatever the benchmarks did; rejects only when the run
 * could not be carried out (lock, connection, provisioning, setup), after writing the manifest with
 * state `failed` or `cancelled`.
 */
export async function runPipeline(deps: PipelineDeps, ctx: RunContext): Promise<RunManifest> {
  const archive = new RunArchive(deps.archiveRoot, ctx.id);
  await archive.open(ctx.attempt);
  const run: RunClock = { started: Date.now(), lock: undefined };
  const manifest = startManifest(deps, ctx, run.started);
  // A full or read-only disk fails here already: the log goes too, the caller decides what follows.
  await archive.writeManifest(manifest).catch(async (error: unknown) => {
    await archive.close().catch(() => undefined);
    throw error;
  });
  const scope = createScope(deps, ctx, archive, manifest);
  const step = (name: StepName, percent: number, body: () => Promise<unknown>) =>
    recordStep(scope, manifest, name, percent, body);
  const noise = new NoiseCheck(scope);
  let localTmp: string | undefined;
  try {
    await step('lock', 1, async () => {
      run.lock = await lockMinion(scope);
    });
    await step('cleanup', 2, () => cleanMinion(scope, manifest));
    await step('provision', 5, () => provisionMinion(scope));
    await step('prepare', 8, () => prepareTarget(scope, manifest));
    await step('environment', 10, () => captureMinionEnvironment(scope, manifest, noise));

    const benchmarks = selectBenchmarks(deps.suite, ctx.request.benchmarks);
    const profileRuns = planProfiles(benchmarks, ctx.request.profile);
    scope.progress.units =
      benchmarks.reduce((n, b) => n + b.warmup + repeatBounds(b).max, 0) + profileRuns.length;
    localTmp = await makeLocalTmp(deps, ctx.id);
    const withTmp = { ...scope, localTmp };
    await step('benchmarks', 10, () => runBenchmarks(withTmp, manifest, benchmarks, noise));
    await step('profiles', scope.progress.percent, () => runProfiles(withTmp, manifest, profileRuns));
    // Everything is in the archive now: only then is the minion's output removed.
    await step('remove-output', 97, () => removeOutput(scope));
    manifest.state = finalState(manifest);
    await step('finish', 99, () => finishRun(scope, manifest, manifest.state, run));
    // A step's record is pushed once its body is done: write the manifest again so it lists the
    // finish step too.
    await archive.writeManifest(manifest);
    ctx.progress({ step: 'finish', percent: 100 });
    return manifest;
  } catch (error) {
    throw await stopRun(scope, manifest, error, run);
  } finally {
    await run.lock?.release().catch(() => undefined);
    if (localTmp) await rm(localTmp, { recursive: true, force: true });
    await archive.close();
  }
}

/** The run's local temp folder (stdout captures, profiles before packing). */
async function makeLocalTmp(deps: PipelineDeps, id: string): Promise<string> {
  const tmpDir = deps.tmpDir ?? os.tmpdir();
  await mkdir(tmpDir, { recursive: true });
  return mkdtemp(path.join(tmpDir, `benchrunner-${id}-`));
}

/** A run that got through every step: completed, with failures when a benchmark or profile failed. */
function finalState(manifest: RunManifest): RunState {
  const failed = manifest.benchmarks.filter((b) => b.status !== 'passed').length;
  const failedProfiles = manifest.profiles.filter((p) => p.status !== 'ok').length;
  return failed + failedProfiles > 0 ? 'completed_with_failures' : 'completed';
}
