import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { RunArchive } from '@benchrunner/archive';
import {
  type BenchmarkOutcome,
  type BenchmarkSpec,
  type Calibration,
  CancelledError,
  environmentFingerprint,
  type KilledProcessRecord,
  noiseSettings,
  type ProfileOutcome,
  type ResultDocument,
  type RunManifest,
  type RunState,
  type RunSummary,
  repeatBounds,
  resultsOnStdout,
  resultsPath,
  type StepName,
  type StepRecord,
} from '@benchrunner/core';
import { mergeResults, parseResultFile } from '@benchrunner/results';
import type { CleanupReport, ExecResult } from '@benchrunner/ssh';
import { widestMedianCi } from './adaptive-repeats.ts';
import type { PipelineDeps, RunContext } from './context.ts';
import { captureEnvironment } from './environment.ts';
import { CalibrationError, calibrate, noiseVerdict } from './noise-check.ts';
import {
  type ProfileRun,
  planProfiles,
  profileLabel,
  profilerCommand,
  selectBenchmarks,
  toolPath,
  toolsDir,
} from './plan.ts';
import { StdoutCapture } from './stdout-results.ts';
import { recordTarget } from './target.ts';

/** Lines of a failed command's output kept in the manifest. */
const TAIL_LINES = 40;

function tail(result: ExecResult): string {
  const text = `${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`.trim();
  return text.split('\n').slice(-TAIL_LINES).join('\n');
}

function describeExit(result: ExecResult, timeoutS?: number): string {
  if (result.timedOut) return `timed out after ${timeoutS ?? '?'} s`;
  if (result.cancelled) return 'cancelled';
  if (result.exitCode === null)
    return `killed${result.signal ? ` by ${result.signal}` : ''} or the connection dropped`;
  return `exited ${result.exitCode}`;
}

/**
 * Runs one run: lock -> cleanup -> provision -> prepare -> environment -> benchmarks -> profiles
 * -> retrieve -> archive, recording every step in `<archive>/manifest.json`. Resolves with the
 * manifest whatever the benchmarks did; rejects only when the run could not be carried out (lock,
 * connection, provisioning, setup), after writing the manifest with state `failed` or `cancelled`.
 */
export async function runPipeline(deps: PipelineDeps, ctx: RunContext): Promise<RunManifest> {
  const { runner, suite } = deps;
  const archive = new RunArchive(deps.archiveRoot, ctx.id);
  await archive.open(ctx.attempt);
  const log = (line: string) => {
    archive.log(line);
    ctx.log(line);
  };
  const started = Date.now();
  const manifest: RunManifest = {
    id: ctx.id,
    request: ctx.request,
    minion: runner.minion,
    state: 'active',
    attempt: ctx.attempt,
    startedAt: new Date(started).toISOString(),
    suite: { file: suite.file, hash: suite.fileHash, project: suite.spec.project },
    steps: [],
    environment: {},
    benchmarks: [],
    profiles: [],
    results: [],
  };
  // A full or read-only disk fails here already: the log goes too, the caller decides what follows.
  await archive.writeManifest(manifest).catch(async (error: unknown) => {
    await archive.close().catch(() => undefined);
    throw error;
  });

  const checkCancelled = () => {
    if (ctx.signal.aborted)
      throw new CancelledError(`run ${ctx.id} cancelled: ${String(ctx.signal.reason ?? 'aborted')}`);
  };
  const step = async <T>(name: StepName, percent: number, body: () => Promise<T | { skipped: string }>) => {
    checkCancelled();
    ctx.progress({ step: name, percent });
    log(`--- step ${name}`);
    const record: StepRecord = { name, status: 'ok', startedAt: new Date().toISOString(), durationMs: 0 };
    const t0 = Date.now();
    try {
      const value = await body();
      if (value && typeof value === 'object' && 'skipped' in value) {
        record.status = 'skipped';
        record.detail = value.skipped;
        log(`--- step ${name} skipped: ${value.skipped}`);
      }
      return value as T;
    } catch (error) {
      record.status = 'failed';
      record.detail = (error as Error).message;
      throw error;
    } finally {
      record.durationMs = Date.now() - t0;
      manifest.steps.push(record);
    }
  };

  const outRoot = path.posix.join(runner.workDir, 'out');
  const suiteDir = deps.provisioner ? deps.provisioner.suiteDir(runner) : suite.dir;
  const baseEnv: Record<string, string> = {
    ...suite.spec.env,
    BENCHRUNNER_RUN_ID: ctx.id,
    BENCHRUNNER_COMMIT: ctx.request.commit,
    BENCHRUNNER_MINION: runner.minion,
    ...(ctx.request.tag ? { BENCHRUNNER_TAG: ctx.request.tag } : {}),
  };
  // Progress over the benchmarks and profiles: 10% .. 95% of the run.
  let units = 1;
  let done = 0;
  const advance = (stepName: StepName, benchmark: string) => {
    done++;
    ctx.progress({
      step: stepName,
      percent: Math.min(99, 10 + Math.round((done / Math.max(1, units)) * 85)),
      benchmark,
    });
  };
  const noise = noiseSettings(suite.spec);
  // Benchmarks, profiled runs and calibrations run on the suite's CPUs when it names some.
  const pin = suite.spec.cpus ? ['taskset', '-c', suite.spec.cpus] : [];
  let before: Calibration | undefined;
  const calibrationErrors: string[] = [];
  /** One noise calibration, run as the benchmarks are; a failed one is a reason, not a failed run. */
  const calibrateMinion = async (when: 'before' | 'after'): Promise<Calibration | undefined> => {
    if (!noise) return undefined;
    try {
      const calibration = await calibrate(runner, {
        pin,
        cwd: suiteDir,
        env: baseEnv,
        signal: ctx.signal,
        seconds: noise.seconds,
      });
      log(
        `calibration ${when}: cpu ${calibration.cpu.level.toFixed(3)} ms CV ${calibration.cpu.cv.toFixed(1)} %, memory ${calibration.memory.level.toFixed(3)} ms CV ${calibration.memory.cv.toFixed(1)} %`,
      );
      return calibration;
    } catch (error) {
      checkCancelled();
      if (!(error instanceof CalibrationError)) throw error;
      calibrationErrors.push(`${when}: ${error.message}`);
      log(`warning: calibration ${when} the benchmarks: ${error.message}`);
      return undefined;
    }
  };
  let lock: Awaited<ReturnType<typeof runner.lock>> | undefined;
  let localTmp: string | undefined;
  const recordKilled = (report: CleanupReport, when: KilledProcessRecord['when']) => {
    if (report.groups === 0 && report.processes.length === 0) return;
    manifest.killed = [...(manifest.killed ?? []), ...report.processes.map((p) => ({ when, ...p }))];
    const whose = when === 'cleanup' ? 'left by an earlier run' : 'left running by this run';
    log(`killed ${report.groups} process group(s) ${whose}`);
    for (const p of report.processes) log(`killed process ${p.pid} (${whose}): ${p.command}`);
  };

  try {
    await step('lock', 1, async () => {
      lock = await runner.lock({ waitMs: deps.lockWaitMs, signal: ctx.signal });
    });

    await step('cleanup', 2, async () => {
      recordKilled(await runner.killProcessGroups(), 'cleanup');
      const rmResult = await runner.exec(['rm', '-rf', '--', outRoot], {
        signal: ctx.signal,
        timeoutMs: 120_000,
      });
      if (rmResult.exitCode !== 0) throw new Error(`cannot clean ${outRoot}: ${tail(rmResult)}`);
    });

    await step('provision', 5, async () => {
      const provisioner = deps.provisioner;
      if (!provisioner) return { skipped: 'local minion: the suite runs in place' };
      const reason = deps.forceProvision ? 'forced' : await provisioner.needed(runner, suite);
      if (!reason) return { skipped: 'minion is up to date with the suite' };
      log(`provisioning: ${reason}`);
      await provisioner.provision(runner, suite, { signal: ctx.signal, log });
    });

    await step('prepare', 8, async () => {
      await recordTarget(deps, ctx, manifest, baseEnv, log);
      const setup = suite.spec.setup;
      if (!setup) return { skipped: 'the suite has no setup command' };
      const result = await runner.exec(setup, {
        cwd: suiteDir,
        env: baseEnv,
        signal: ctx.signal,
        timeoutMs: suite.spec.setupTimeout * 1000,
        onLine: (line, stream) => log(`[setup${stream === 'stderr' ? ':err' : ''}] ${line}`),
      });
      checkCancelled();
      if (result.exitCode !== 0) {
        throw new Error(`setup ${describeExit(result, suite.spec.setupTimeout)}:\n${tail(result)}`);
      }
    });

    await step('environment', 10, async () => {
      manifest.environment = await captureEnvironment(runner, {
        cwd: suiteDir,
        // Tool versions (clinic) as the profiled runs will find them.
        toolPath: toolPath({ suiteDir, toolsDir: toolsDir(runner.workDir) }),
        env: baseEnv,
        signal: ctx.signal,
      });
      if (suite.spec.cpus) {
        const check = await runner.exec([...pin, 'true'], { signal: ctx.signal, timeoutMs: 30_000 });
        if (check.exitCode !== 0) {
          throw new Error(
            `cannot pin benchmarks to cpus ${suite.spec.cpus} with taskset on ${runner.minion}: ${tail(check)}`,
          );
        }
        manifest.environment.cpus = suite.spec.cpus;
      }
      manifest.fingerprint = environmentFingerprint(manifest.environment);
      before = await calibrateMinion('before');
    });

    const benchmarks = selectBenchmarks(suite, ctx.request.benchmarks);
    const profileRuns = planProfiles(benchmarks, ctx.request.profile);
    units = benchmarks.reduce((n, b) => n + b.warmup + repeatBounds(b).max, 0) + profileRuns.length;

    const tmpDir = deps.tmpDir ?? os.tmpdir();
    await mkdir(tmpDir, { recursive: true });
    localTmp = await mkdtemp(path.join(tmpDir, `benchrunner-${ctx.id}-`));
    await step('benchmarks', 10, async () => {
      for (const benchmark of benchmarks) {
        checkCancelled();
        const outcome = await runBenchmark(benchmark);
        manifest.benchmarks.push(outcome);
        await archive.writeManifest(manifest);
      }
      if (noise) {
        const after = await calibrateMinion('after');
        manifest.noise = noiseVerdict(
          { ...(before ? { before } : {}), ...(after ? { after } : {}), errors: calibrationErrors },
          noise,
        );
        manifest.noisy = manifest.noise.verdict === 'noisy';
        log(`noise check: ${manifest.noise.verdict}${manifest.noise.reasons.map((r) => `; ${r}`).join('')}`);
        for (const p of manifest.noise.busyProcesses)
          log(`busy during the calibration: ${p.pid} (${p.cpuPercent} %) ${p.command}`);
      }
    });

    await step('profiles', 10 + Math.round((done / Math.max(1, units)) * 85), async () => {
      if (profileRuns.length === 0) return { skipped: 'profiling was not requested' };
      for (const run of profileRuns) {
        checkCancelled();
        manifest.profiles.push(await runProfile(run));
        await archive.writeManifest(manifest);
      }
    });

    await step('retrieve', 97, async () => {
      // Everything is in the archive now: only then is the minion's output removed.
      const rmResult = await runner.exec(['rm', '-rf', '--', outRoot], {
        signal: ctx.signal,
        timeoutMs: 120_000,
      });
      if (rmResult.exitCode !== 0) log(`warning: could not clean ${outRoot}: ${tail(rmResult)}`);
    });

    const failed = manifest.benchmarks.filter((b) => b.status !== 'passed').length;
    const failedProfiles = manifest.profiles.filter((p) => p.status !== 'ok').length;
    manifest.state = failed + failedProfiles > 0 ? 'completed_with_failures' : 'completed';
    await step('archive', 99, async () => {
      await finish(manifest.state);
    });
    // A step's record is pushed once its body is done: write the manifest again so it lists the
    // archive step too.
    await archive.writeManifest(manifest);
    ctx.progress({ step: 'archive', percent: 100 });
    return manifest;
  } catch (error) {
    const cancelled = error instanceof CancelledError || ctx.signal.aborted;
    const decided = ctx.stoppedState?.(error);
    manifest.state = decided ?? (cancelled ? 'cancelled' : 'failed');
    manifest.error = (error as Error).message;
    log(`run ${decided === null ? 'given up' : manifest.state}: ${manifest.error}`);
    if (decided === 'waiting') {
      // Back in the queue, the run has not finished, but nothing it started may outlive it.
      await killLeftovers();
      await archive.writeManifest(manifest);
    } else if (decided === null) {
      // Given up to another worker: its manifest is theirs.
      await killLeftovers();
    } else await finish(manifest.state);
    throw cancelled && !(error instanceof CancelledError)
      ? new CancelledError(`run ${ctx.id} cancelled: ${String(ctx.signal.reason ?? 'aborted')}`, {
          cause: error,
        })
      : error;
  } finally {
    await lock?.release().catch(() => undefined);
    if (localTmp) await rm(localTmp, { recursive: true, force: true });
    await archive.close();
  }

  /** Nothing this run started may outlive it; without the lock, the processes are another run's. */
  async function killLeftovers(): Promise<void> {
    if (!lock) return;
    await runner.killProcessGroups().then(
      (report) => recordKilled(report, 'run'),
      (e: Error) => log(`warning: could not kill leftover processes: ${e.message}`),
    );
  }

  async function finish(state: RunState): Promise<void> {
    await killLeftovers();
    manifest.state = state;
    manifest.finishedAt = new Date().toISOString();
    manifest.durationMs = Date.now() - started;
    await archive.writeManifest(manifest);
  }

  async function runBenchmark(benchmark: BenchmarkSpec): Promise<BenchmarkOutcome> {
    const t0 = Date.now();
    const remoteDir = path.posix.join(outRoot, 'results', benchmark.name);
    const outcome: BenchmarkOutcome = {
      name: benchmark.name,
      status: 'passed',
      exitCode: 0,
      durationMs: 0,
      repeats: 0,
    };
    const bounds = repeatBounds(
      ctx.request.repeats === undefined ? benchmark : { repeats: ctx.request.repeats },
    );
    const total = benchmark.warmup + bounds.max;
    // Adaptive repeats: each repeat's results, read as soon as it ends, decide whether to go on.
    const adaptive: ResultDocument[] | undefined = bounds.targetCi === undefined ? undefined : [];
    const stdout = resultsOnStdout(benchmark)
      ? new StdoutCapture(path.join(localTmp!, 'stdout', benchmark.name), resultsPath(benchmark))
      : undefined;
    for (let i = 0; i < total; i++) {
      const warmup = i < benchmark.warmup;
      // Counted from 1 everywhere: the log's "repeat 1/3", the folder `1` and BENCHRUNNER_REPEAT.
      const repeat = (warmup ? i : i - benchmark.warmup) + 1;
      const label = warmup ? `warmup ${repeat}/${benchmark.warmup}` : `repeat ${repeat}/${bounds.max}`;
      const folder = repeatFolder(repeat, warmup);
      const outFolder = path.posix.join(remoteDir, folder);
      const mk = await runner.exec(['mkdir', '-p', '--', outFolder], {
        signal: ctx.signal,
        timeoutMs: 30_000,
      });
      if (mk.exitCode !== 0) throw new Error(`cannot create ${outFolder} on ${runner.minion}: ${tail(mk)}`);
      log(`[${benchmark.name}] ${label}: ${benchmark.command.join(' ')}`);
      const sink = await stdout?.start(folder);
      const running = runner.exec([...pin, ...benchmark.command], {
        cwd: suiteDir,
        env: {
          ...baseEnv,
          ...benchmark.env,
          OUT_FOLDER: outFolder,
          BENCHRUNNER_BENCHMARK: benchmark.name,
          BENCHRUNNER_REPEAT: String(repeat),
          BENCHRUNNER_WARMUP: warmup ? '1' : '0',
        },
        signal: ctx.signal,
        timeoutMs: benchmark.timeout * 1000,
        onLine: (line, stream) => {
          if (stream === 'stdout') sink?.write(line);
          log(`[${benchmark.name}${stream === 'stderr' ? ':err' : ''}] ${line}`);
        },
      });
      const result = await running.finally(() => sink?.close());
      advance('benchmarks', benchmark.name);
      checkCancelled();
      if (result.exitCode !== 0) {
        outcome.status = result.timedOut ? 'timeout' : 'failed';
        outcome.exitCode = result.exitCode;
        outcome.error = `${label} ${describeExit(result, benchmark.timeout)}`;
        outcome.outputTail = tail(result);
        log(`[${benchmark.name}] ${outcome.error}`);
        break;
      }
      if (warmup) continue;
      outcome.repeats++;
      if (adaptive === undefined || bounds.targetCi === undefined) continue;
      try {
        adaptive.push(await readRepeat(benchmark, folder, outFolder, stdout));
      } catch (error) {
        checkCancelled();
        outcome.status = 'failed';
        outcome.error = `repeat ${repeat}: ${(error as Error).message}`;
        log(`[${benchmark.name}] ${outcome.error}`);
        break;
      }
      if (outcome.repeats < bounds.min) continue;
      const ci = widestMedianCi(mergeResults(adaptive));
      if (ci !== null) outcome.ci = ci;
      const reached = ci !== null && ci <= bounds.targetCi;
      if (reached || outcome.repeats === bounds.max) {
        outcome.stoppedBecause = reached ? 'target-ci' : 'max';
        const ciText = ci === null ? 'not enough samples for a 95 % CI' : `CI ±${ci.toFixed(2)} %`;
        log(
          `[${benchmark.name}] stopped after ${outcome.repeats} repeat(s): ${ciText}, target ±${bounds.targetCi} %`,
        );
        // The repeats not run count as done for the progress.
        done += bounds.max - outcome.repeats;
        break;
      }
    }
    outcome.durationMs = Date.now() - t0;

    // Retrieve whatever the repeats wrote, even after a failure: it helps explain it.
    const rawDir = archive.path('raw', benchmark.name);
    try {
      const stats = await runner.getDirectory(remoteDir, rawDir, { signal: ctx.signal });
      log(`[${benchmark.name}] retrieved ${stats.files} file(s), ${stats.bytes} bytes`);
    } catch (error) {
      checkCancelled();
      if (outcome.status === 'passed') {
        outcome.status = 'failed';
        outcome.error = `cannot retrieve results from ${remoteDir}: ${(error as Error).message}`;
      }
      return outcome;
    } finally {
      await stdout?.keep(rawDir);
    }
    if (outcome.status !== 'passed') return outcome;

    const documents: ResultDocument[] = [];
    for (let repeat = 1; repeat <= outcome.repeats; repeat++) {
      const file = path.join(rawDir, repeatFolder(repeat, false), resultsPath(benchmark));
      try {
        documents.push(await parseResultFile(file, { format: benchmark.format }));
      } catch (error) {
        outcome.status = 'failed';
        outcome.error = `repeat ${repeat}: ${(error as Error).message}`;
        log(`[${benchmark.name}] ${outcome.error}`);
        return outcome;
      }
    }
    const merged = mergeResults(documents);
    const relative = path.join('results', `${benchmark.name}.json`);
    await archive.writeJson(relative, merged);
    outcome.resultsFile = relative;
    manifest.results.push({ ...merged, benchmark: benchmark.name });
    return outcome;
  }

  /** The results one repeat wrote, read on the controller (standard output is there already). */
  async function readRepeat(
    benchmark: BenchmarkSpec,
    folder: string,
    outFolder: string,
    stdout: StdoutCapture | undefined,
  ): Promise<ResultDocument> {
    let file: string;
    if (stdout) file = stdout.file(folder);
    else {
      const local = path.join(localTmp!, 'repeats', benchmark.name, folder);
      await runner.getDirectory(outFolder, local, { signal: ctx.signal });
      file = path.join(local, resultsPath(benchmark));
    }
    return parseResultFile(file, { format: benchmark.format });
  }

  async function runProfile(run: ProfileRun): Promise<ProfileOutcome> {
    const label = profileLabel(run);
    const remoteDir = path.posix.join(outRoot, 'profiles', run.benchmark.name, label);
    const outcome: ProfileOutcome = {
      benchmark: run.benchmark.name,
      profiler: run.profiler,
      ...(run.fileSet ? { fileSet: run.fileSet } : {}),
      status: 'ok',
    };
    const mk = await runner.exec(
      ['mkdir', '-p', '--', path.posix.join(remoteDir, 'out'), path.posix.join(remoteDir, 'profile')],
      {
        signal: ctx.signal,
      },
    );
    if (mk.exitCode !== 0) throw new Error(`cannot create ${remoteDir} on ${runner.minion}: ${tail(mk)}`);
    const profileDir = path.posix.join(remoteDir, 'profile');
    let command: { argv: string[]; env: Record<string, string> };
    try {
      command = profilerCommand(run, { suiteDir, profileDir, toolsDir: toolsDir(runner.workDir) });
    } catch (error) {
      return { ...outcome, status: 'failed', error: (error as Error).message };
    }
    const { argv, env } = command;
    log(`[${run.benchmark.name}] profile ${label}: ${argv.join(' ')}`);
    const result = await runner.exec([...pin, ...argv], {
      cwd: suiteDir,
      env: {
        ...baseEnv,
        ...run.benchmark.env,
        ...env,
        OUT_FOLDER: path.posix.join(remoteDir, 'out'),
        BENCHRUNNER_BENCHMARK: run.benchmark.name,
        BENCHRUNNER_PROFILER: run.profiler,
        ...(run.fileSet ? { FILESET: run.fileSet } : {}),
      },
      signal: ctx.signal,
      timeoutMs: run.benchmark.timeout * 1000 * 3,
      onLine: (line, stream) =>
        log(`[${run.benchmark.name}:${label}${stream === 'stderr' ? ':err' : ''}] ${line}`),
    });
    advance('profiles', run.benchmark.name);
    checkCancelled();
    if (result.exitCode !== 0) {
      outcome.status = result.timedOut ? 'timeout' : 'failed';
      outcome.error = `${describeExit(result, run.benchmark.timeout * 3)}: ${tail(result).split('\n').slice(-5).join(' | ')}`;
      log(`[${run.benchmark.name}] profile ${label} ${outcome.error}`);
      return outcome;
    }
    const local = path.join(localTmp!, 'profiles', run.benchmark.name, label);
    const stats = await runner.getDirectory(profileDir, local, { signal: ctx.signal });
    if (stats.files === 0 || (await readdir(local)).length === 0) {
      outcome.status = 'failed';
      outcome.error = `the profiler wrote nothing to ${profileDir}`;
      return outcome;
    }
    const relative = path.join('profiles', run.benchmark.name, `${label}.tar.gz`);
    outcome.bytes = await archive.pack(local, relative);
    outcome.file = relative;
    await rm(local, { recursive: true, force: true });
    log(
      `[${run.benchmark.name}] profile ${label}: ${stats.files} file(s) -> ${relative} (${outcome.bytes} bytes)`,
    );
    return outcome;
  }
}

/** A repeat's folder under `raw/<benchmark>/` (and OUT_FOLDER's name): `1`, `2`, ... and `warmup-1`, ... */
function repeatFolder(repeat: number, warmup: boolean): string {
  return warmup ? `warmup-${repeat}` : String(repeat);
}

/** The job's return value: the manifest's headline figures. */
export function summarize(manifest: RunManifest, archiveDir: string): RunSummary {
  return {
    state: manifest.state,
    archive: archiveDir,
    durationMs: manifest.durationMs ?? 0,
    benchmarks: manifest.benchmarks.map((b) => {
      const doc = manifest.results.find((r) => r.benchmark === b.name);
      const measures: Record<string, { value: number; unit: string }> = {};
      for (const entry of doc?.benchmarks ?? []) {
        for (const [measure, m] of Object.entries(entry.measures)) {
          const params = Object.entries(entry.params)
            .map(([k, v]) => `${k}=${v}`)
            .join(',');
          const key = [entry.name === b.name ? '' : entry.name, params, measure].filter(Boolean).join(' ');
          measures[key] = { value: m.value, unit: m.unit };
        }
      }
      return { name: b.name, status: b.status, measures };
    }),
    profiles: manifest.profiles.filter((p) => p.status === 'ok').length,
    failed: manifest.benchmarks.filter((b) => b.status !== 'passed').length,
    ...(manifest.noisy !== undefined ? { noisy: manifest.noisy } : {}),
  };
}
