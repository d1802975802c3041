import path from 'node:path';
import {
  type BenchmarkOutcome,
  type BenchmarkSpec,
  type ResultDocument,
  type RunManifest,
  resultsPath,
} from '@benchrunner/core';
import { mergeResults, parseResultFile } from '@benchrunner/results';
import type { StdoutCapture } from '../stdout-results.ts';
import type { RunScope } from './scope.ts';

/** A repeat's folder under `raw/<benchmark>/` (and OUT_FOLDER's name): `1`, `2`, ... and `warmup-1`, ... */
export function repeatFolder(repeat: number, warmup: boolean): string {
  return warmup ? `warmup-${repeat}` : String(repeat);
}

/**
 * Copies what a benchmark's repeats wrote on the minion to `raw/<benchmark>/` in the archive (even
 * after a failure: it helps explain it), then parses each repeat's results and merges them into
 * `results/<benchmark>.json` and the manifest's results. Returns the outcome, failed when the
 * results cannot be retrieved or parsed.
 */
export async function collectResults(
  scope: Pick<RunScope, 'runner' | 'signal' | 'archive' | 'log' | 'checkCancelled'>,
  manifest: Pick<RunManifest, 'results'>,
  run: {
    benchmark: BenchmarkSpec;
    outcome: BenchmarkOutcome;
    remoteDir: string;
    stdout: StdoutCapture | undefined;
  },
): Promise<BenchmarkOutcome> {
  const { benchmark, outcome, remoteDir, stdout } = run;
  const { archive, log } = scope;
  const rawDir = archive.path('raw', benchmark.name);
  try {
    const stats = await scope.runner.getDirectory(remoteDir, rawDir, { signal: scope.signal });
    log(`[${benchmark.name}] retrieved ${stats.files} file(s), ${stats.bytes} bytes`);
  } catch (error) {
    scope.checkCancelled();
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
