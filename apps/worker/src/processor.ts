import {
  CancelledError,
  ConfigError,
  formatProblems,
  InputError,
  type Logger,
  loadSuite,
  type Minion,
  RunJobData,
  type RunManifest,
  type RunProgress,
  type RunSummary,
  zodProblems,
} from '@benchrunner/core';
import { type Provisioner, runPipeline, summarize } from '@benchrunner/pipeline';
import { capRunLogLine } from '@benchrunner/queue';
import type { CommandRunner } from '@benchrunner/ssh';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { ActiveRuns } from './active-runs.ts';
import { LogBatcher } from './log-batcher.ts';

export interface RunProcessorDeps {
  minion: Minion;
  suiteFile: string;
  /** DATA_DIR/runs */
  archiveRoot: string;
  logger: Logger;
  active: ActiveRuns;
  /** Opens one connection to the minion for the whole run. */
  connect(minion: Minion, signal: AbortSignal): Promise<CommandRunner>;
  provisioner?: Provisioner;
  forceProvision?: boolean;
  /** Appends lines to the run's log in Redis (capped: the archive's stdout.log keeps them all). */
  appendLog(runId: string, lines: readonly string[]): Promise<unknown>;
  /** A cancel request stored while no worker was listening. */
  cancelRequested(runId: string): Promise<string | null>;
  /** Called with every finished run (completed or not) whose archive exists: hands it to publishing. */
  onArchived?(manifest: RunManifest, archiveDir: string): Promise<void>;
}

/** Seconds a run aborted by a shutdown waits before another worker takes it. */
const REQUEUE_DELAY_MS = 1000;

/**
 * The processor of a lane: one run at a time. It declares `(job, token, signal)` so BullMQ hands
 * it an AbortSignal; cancels from the API and shutdowns arrive through `active`.
 */
export function createRunProcessor(deps: RunProcessorDeps) {
  return async (job: Job, token?: string, bullSignal?: AbortSignal): Promise<RunSummary> => {
    const runId = job.id!;
    const log = deps.logger.child({ runId, minion: deps.minion.name });
    const parsed = RunJobData.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(`invalid run data:\n${formatProblems(zodProblems(parsed.error))}`);
    }
    const request = parsed.data;
    // From now on an identical request is a new run, not a duplicate of this one.
    await job.removeDeduplicationKey().catch(() => undefined);

    const stored = await deps.cancelRequested(runId);
    if (stored) throw new UnrecoverableError(`cancelled before it started: ${stored}`);

    const run = deps.active.start(runId);
    const signal = bullSignal ? AbortSignal.any([run.signal, bullSignal]) : run.signal;
    const batcher = new LogBatcher((lines) => deps.appendLog(runId, lines), {
      onError: (error) => log.warn({ err: error }, 'could not write run log to Redis'),
    });
    let lastProgress = '';
    const progress = (p: RunProgress) => {
      const key = `${p.step}:${p.percent}`;
      if (key === lastProgress) return;
      lastProgress = key;
      job.updateProgress(p).catch((error: Error) => log.warn({ err: error }, 'could not update progress'));
    };

    let runner: CommandRunner | undefined;
    try {
      log.info({ commit: request.commit, attempt: job.attemptsStarted }, 'run starting');
      let suite: Awaited<ReturnType<typeof loadSuite>>;
      try {
        suite = await loadSuite(deps.suiteFile);
      } catch (error) {
        if (error instanceof ConfigError) throw new UnrecoverableError(error.message);
        throw error;
      }
      runner = await deps.connect(deps.minion, signal);
      const manifest = await runPipeline(
        {
          runner,
          suite,
          archiveRoot: deps.archiveRoot,
          logger: log,
          ...(deps.provisioner ? { provisioner: deps.provisioner } : {}),
          ...(deps.forceProvision ? { forceProvision: true } : {}),
        },
        {
          id: runId,
          attempt: Math.max(1, job.attemptsStarted),
          request,
          signal,
          // Cut here, not only in Redis: a batch of 200 pieces of a huge line would hold 13 MB.
          log: (line) => batcher.push(capRunLogLine(line)),
          progress,
        },
      );
      const archiveDir = `${deps.archiveRoot}/${runId}`;
      // The run is done and archived: failing to queue its publishing must not fail it. The
      // worker queues archives without receipts again at its next start.
      await deps
        .onArchived?.(manifest, archiveDir)
        .catch((error: Error) =>
          log.error(
            { err: error },
            'run archived but publishing could not be queued; POST /runs/:id/publish queues it',
          ),
        );
      log.info({ state: manifest.state, durationMs: manifest.durationMs }, 'run finished');
      return summarize(manifest, archiveDir);
    } catch (error) {
      const cause = run.cause();
      if (cause?.kind === 'shutdown' && token) {
        log.warn('worker shutting down: run requeued');
        batcher.push('worker shutting down: the run goes back to the queue and starts again');
        await batcher.flush();
        await job.moveToDelayed(Date.now() + REQUEUE_DELAY_MS, token);
        throw new DelayedError();
      }
      if (error instanceof CancelledError || cause?.kind === 'cancel') {
        log.info(
          { reason: cause?.kind === 'cancel' ? cause.reason : (error as Error).message },
          'run cancelled',
        );
        throw new UnrecoverableError(
          cause?.kind === 'cancel' ? `cancelled: ${cause.reason}` : (error as Error).message,
        );
      }
      if (error instanceof InputError) throw new UnrecoverableError(error.message);
      log.error({ err: error }, 'run failed');
      throw error;
    } finally {
      run.done();
      await batcher.flush();
      await runner
        ?.close()
        .catch((error: Error) => log.warn({ err: error }, 'could not close the minion connection'));
    }
  };
}
