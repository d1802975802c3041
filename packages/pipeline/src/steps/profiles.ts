import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ProfileOutcome, RunManifest } from '@benchrunner/core';
import { type ProfileRun, profileLabel, profilerCommand, toolsDir } from '../plan.ts';
import type { Skipped } from './record.ts';
import { describeExit, type MeasureScope, type RunScope, tail } from './scope.ts';

/** Re-runs the benchmarks under the requested profilers; each profile is packed into the archive. */
export async function runProfiles(
  scope: MeasureScope & Pick<RunScope, 'saveManifest'>,
  manifest: Pick<RunManifest, 'profiles'>,
  runs: readonly ProfileRun[],
): Promise<Skipped | undefined> {
  if (runs.length === 0) return { skipped: 'profiling was not requested' };
  for (const run of runs) {
    scope.checkCancelled();
    manifest.profiles.push(await runProfile(scope, run));
    await scope.saveManifest();
  }
  return undefined;
}

/** One profiled run; a profiler that fails or writes nothing is the outcome, not an error. */
async function runProfile(scope: MeasureScope, run: ProfileRun): Promise<ProfileOutcome> {
  const { runner, log } = scope;
  const label = profileLabel(run);
  const remoteDir = path.posix.join(scope.outRoot, 'profiles', run.benchmark.name, label);
  const outcome: ProfileOutcome = {
    benchmark: run.benchmark.name,
    profiler: run.profiler,
    ...(run.fileSet ? { fileSet: run.fileSet } : {}),
    status: 'ok',
  };
  const mk = await runner.exec(
    ['mkdir', '-p', '--', path.posix.join(remoteDir, 'out'), path.posix.join(remoteDir, 'profile')],
    {
      signal: scope.signal,
    },
  );
  if (mk.exitCode !== 0) throw new Error(`cannot create ${remoteDir} on ${runner.minion}: ${tail(mk)}`);
  const profileDir = path.posix.join(remoteDir, 'profile');
  let command: { argv: string[]; env: Record<string, string> };
  try {
    command = profilerCommand(run, {
      suiteDir: scope.suiteDir,
      profileDir,
      toolsDir: toolsDir(runner.workDir),
    });
  } catch (error) {
    return { ...outcome, status: 'failed', error: (error as Error).message };
  }
  const { argv, env } = command;
  log(`[${run.benchmark.name}] profile ${label}: ${argv.join(' ')}`);
  const result = await runner.exec([...scope.pin, ...argv], {
    cwd: scope.suiteDir,
    env: {
      ...scope.env,
      ...run.benchmark.env,
      ...env,
      OUT_FOLDER: path.posix.join(remoteDir, 'out'),
      BENCHRUNNER_BENCHMARK: run.benchmark.name,
      BENCHRUNNER_PROFILER: run.profiler,
      ...(run.fileSet ? { FILESET: run.fileSet } : {}),
    },
    signal: scope.signal,
    timeoutMs: run.benchmark.timeout * 1000 * 3,
    onLine: (line, stream) =>
      log(`[${run.benchmark.name}:${label}${stream === 'stderr' ? ':err' : ''}] ${line}`),
  });
  scope.progress.advance('profiles', run.benchmark.name);
  scope.checkCancelled();
  if (result.exitCode !== 0) {
    outcome.status = result.timedOut ? 'timeout' : 'failed';
    outcome.error = `${describeExit(result, run.benchmark.timeout * 3)}: ${tail(result).split('\n').slice(-5).join(' | ')}`;
    log(`[${run.benchmark.name}] profile ${label} ${outcome.error}`);
    return outcome;
  }
  const local = path.join(scope.localTmp, 'profiles', run.benchmark.name, label);
  const stats = await runner.getDirectory(profileDir, local, { signal: scope.signal });
  if (stats.files === 0 || (await readdir(local)).length === 0) {
    outcome.status = 'failed';
    outcome.error = `the profiler wrote nothing to ${profileDir}`;
    return outcome;
  }
  const relative = path.join('profiles', run.benchmark.name, `${label}.tar.gz`);
  outcome.bytes = await scope.archive.pack(local, relative);
  outcome.file = relative;
  await rm(local, { recursive: true, force: true });
  log(
    `[${run.benchmark.name}] profile ${label}: ${stats.files} file(s) -> ${relative} (${outcome.bytes} bytes)`,
  );
  return outcome;
}
