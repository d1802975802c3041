import path from 'node:path';
import {
  type BenchmarkOutcome,
  type BenchmarkSpec,
  type ResultDocument,
  type RunManifest,
  repeatBounds,
  resultsOnStdout,
  resultsPath,
} from '@benchrunner/core';
import { mergeResults, parseResultFile } from '@benchrunner/results';
import { widestMedianCi } from '../adaptive-repeats.ts';
import { StdoutCapture } from '../stdout-results.ts';
import { collectResults, repeatFolder } from './collect-results.ts';
import { describeExit, type LocalTmp, type MeasureScope, type RunScope, tail } from './scope.ts';

type Reads = MeasureScope & Pick<RunScope, 'ctx'>;

/**
 * One benchmark: its warmups and repeats (adaptive ones stop once the results are precise enough),
 * then its results collected into the archive. A failed repeat is the benchmark's outcome, not an
 * error; only a connection error or a cancel rejects.
 */
export async function runBenchmark(
  scope: Reads,
  manifest: Pick<RunManifest, 'results'>,
  benchmark: BenchmarkSpec,
): Promise<BenchmarkOutcome> {
  const { runner, log, checkCancelled } = scope;
  const t0 = Date.now();
  const remoteDir = path.posix.join(scope.outRoot, 'results', benchmark.name);
  const outcome: BenchmarkOutcome = {
    name: benchmark.name,
    status: 'passed',
    exitCode: 0,
    durationMs: 0,
    repeats: 0,
  };
  const repeats = scope.ctx.request.repeats;
  const bounds = repeatBounds(repeats === undefined ? benchmark : { repeats });
  const total = benchmark.warmup + bounds.max;
  // Adaptive repeats: each repeat's results, read as soon as it ends, decide whether to go on.
  const adaptive: ResultDocument[] | undefined = bounds.targetCi === undefined ? undefined : [];
  const stdout = resultsOnStdout(benchmark)
    ? new StdoutCapture(path.join(scope.localTmp, 'stdout', benchmark.name), resultsPath(benchmark))
    : undefined;
  for (let i = 0; i < total; i++) {
    const warmup = i < benchmark.warmup;
    // Counted from 1 everywhere: the log's "repeat 1/3", the folder `1` and BENCHRUNNER_REPEAT.
    const repeat = (warmup ? i : i - benchmark.warmup) + 1;
    const label = warmup ? `warmup ${repeat}/${benchmark.warmup}` : `repeat ${repeat}/${bounds.max}`;
    const folder = repeatFolder(repeat, warmup);
    const outFolder = path.posix.join(remoteDir, folder);
    const mk = await runner.exec(['mkdir', '-p', '--', outFolder], {
      signal: scope.signal,
      timeoutMs: 30_000,
    });
    if (mk.exitCode !== 0) throw new Error(`cannot create ${outFolder} on ${runner.minion}: ${tail(mk)}`);
    log(`[${benchmark.name}] ${label}: ${benchmark.command.join(' ')}`);
    const sink = await stdout?.start(folder);
    const running = runner.exec([...scope.pin, ...benchmark.command], {
      cwd: scope.suiteDir,
      env: {
        ...scope.env,
        ...benchmark.env,
        OUT_FOLDER: outFolder,
        BENCHRUNNER_BENCHMARK: benchmark.name,
        BENCHRUNNER_REPEAT: String(repeat),
        BENCHRUNNER_WARMUP: warmup ? '1' : '0',
      },
      signal: scope.signal,
      timeoutMs: benchmark.timeout * 1000,
      onLine: (line, stream) => {
        if (stream === 'stdout') sink?.write(line);
        log(`[${benchmark.name}${stream === 'stderr' ? ':err' : ''}] ${line}`);
      },
    });
    const result = await running.finally(() => sink?.close());
    scope.progress.advance('benchmarks', benchmark.name);
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
      adaptive.push(await readRepeat(scope, benchmark, folder, outFolder, stdout));
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
      scope.progress.skip(bounds.max - outcome.repeats);
      break;
    }
  }
  outcome.durationMs = Date.now() - t0;
  return collectResults(scope, manifest, { benchmark, outcome, remoteDir, stdout });
}

/** The results one repeat wrote, read on the controller (standard output is there already). */
async function readRepeat(
  scope: Pick<RunScope, 'runner' | 'signal'> & LocalTmp,
  benchmark: BenchmarkSpec,
  folder: string,
  outFolder: string,
  stdout: StdoutCapture | undefined,
): Promise<ResultDocument> {
  let file: string;
  if (stdout) file = stdout.file(folder);
  else {
    const local = path.join(scope.localTmp, 'repeats', benchmark.name, folder);
    await scope.runner.getDirectory(outFolder, local, { signal: scope.signal });
    file = path.join(local, resultsPath(benchmark));
  }
  return parseResultFile(file, { format: benchmark.format });
}
