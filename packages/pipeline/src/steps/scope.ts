import path from 'node:path';
import type { RunArchive } from '@benchrunner/archive';
import { CancelledError, type RunManifest, type Suite } from '@benchrunner/core';
import type { CommandRunner, ExecResult } from '@benchrunner/ssh';
import type { PipelineDeps, RunContext } from '../context.ts';
import { RunProgressCounter } from './progress.ts';

/**
 * What the steps of one run share. Fixed once the run starts, except `env` (the prepare step adds
 * the target's commit and repository) and the progress counter. Each step declares the part it
 * reads with `Pick<RunScope, ...>` and the part of the manifest it writes with
 * `Pick<RunManifest, ...>`.
 */
export interface RunScope {
  readonly deps: PipelineDeps;
  readonly ctx: RunContext;
  readonly runner: CommandRunner;
  readonly suite: Suite;
  readonly signal: AbortSignal;
  readonly archive: RunArchive;
  /** A line for the run's log: written to the archive's stdout.log and to the job's log. */
  readonly log: (line: string) => void;
  /** Throws CancelledError once the run's signal is aborted. */
  readonly checkCancelled: () => void;
  /** The run's output folder on the minion: removed before the run and once it is archived. */
  readonly outRoot: string;
  /** Where the suite's commands run on the minion. */
  readonly suiteDir: string;
  /** `taskset -c <cpus>` when the suite names CPUs: benchmarks, profiles and calibrations run pinned. */
  readonly pin: readonly string[];
  /** The environment of every suite command. Written by the prepare step (the target). */
  readonly env: Record<string, string>;
  readonly progress: RunProgressCounter;
  /** Writes the manifest as it stands to the archive: steps call it after each benchmark and profile. */
  readonly saveManifest: () => Promise<void>;
}

/** The run's local temp folder, made once the minion is prepared: benchmark and profile steps use it. */
export interface LocalTmp {
  readonly localTmp: string;
}

/** What the steps that run the suite's commands and archive their output (benchmarks, profiles) read. */
export type MeasureScope = Pick<
  RunScope,
  | 'runner'
  | 'suiteDir'
  | 'env'
  | 'pin'
  | 'signal'
  | 'outRoot'
  | 'archive'
  | 'log'
  | 'checkCancelled'
  | 'progress'
> &
  LocalTmp;

/** Lines of a failed command's output kept in the manifest. */
const TAIL_LINES = 40;

/** The last lines of a command's output, both streams. */
export function tail(result: ExecResult): string {
  const text = `${result.stdout}${result.stderr ? `\n${result.stderr}` : ''}`.trim();
  return text.split('\n').slice(-TAIL_LINES).join('\n');
}

/** How a command ended, for the log and the manifest. */
export function describeExit(result: ExecResult, timeoutS?: number): string {
  if (result.timedOut) return `timed out after ${timeoutS ?? '?'} s`;
  if (result.cancelled) return 'cancelled';
  if (result.exitCode === null)
    return `killed${result.signal ? ` by ${result.signal}` : ''} or the connection dropped`;
  return `exited ${result.exitCode}`;
}

/** The manifest of a run that starts now. */
export function startManifest(deps: PipelineDeps, ctx: RunContext, started: number): RunManifest {
  const { runner, suite } = deps;
  return {
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
}

/** The scope of a run whose manifest is `manifest`, written to `archive`. */
export function createScope(
  deps: PipelineDeps,
  ctx: RunContext,
  archive: RunArchive,
  manifest: RunManifest,
): RunScope {
  const { runner, suite } = deps;
  return {
    deps,
    ctx,
    runner,
    suite,
    signal: ctx.signal,
    archive,
    log: (line) => {
      archive.log(line);
      ctx.log(line);
    },
    checkCancelled: () => {
      if (ctx.signal.aborted)
        throw new CancelledError(`run ${ctx.id} cancelled: ${String(ctx.signal.reason ?? 'aborted')}`);
    },
    outRoot: path.posix.join(runner.workDir, 'out'),
    suiteDir: deps.provisioner ? deps.provisioner.suiteDir(runner) : suite.dir,
    pin: suite.spec.cpus ? ['taskset', '-c', suite.spec.cpus] : [],
    env: {
      ...suite.spec.env,
      BENCHRUNNER_RUN_ID: ctx.id,
      BENCHRUNNER_COMMIT: ctx.request.commit,
      BENCHRUNNER_MINION: runner.minion,
      ...(ctx.request.tag ? { BENCHRUNNER_TAG: ctx.request.tag } : {}),
    },
    progress: new RunProgressCounter((p) => ctx.progress(p)),
    saveManifest: () => archive.writeManifest(manifest),
  };
}
