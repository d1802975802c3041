import path from 'node:path';
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
import type { TargetResolver } from '@benchrunner/git';
import { type Provisioner, runPipeline, suiteOnMinion, summarize } from '@benchrunner/pipeline';
import { capRunLogLine, type LaneProblem, markCancelled } from '@benchrunner/queue';
import { type CommandRunner, LockedError } from '@benchrunner/ssh';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { ActiveRuns } from './active-runs.ts';
import { LogBatcher } from './log-batcher.ts';
import { machineProblem } from './machine-problem.ts';
import { removeStaleTmpDirs } from './tmp-dirs.ts';

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
  /** Resolves runs queued without a target commit (nightly, CLI) in the mirror of the suite's target. */
  targets?: TargetResolver;
  /** Appends lines to the run's log in Redis (capped: the archive's stdout.log keeps them all). */
  appendLog(runId: string, lines: readonly string[]): Promise<unknown>;
  /** A cancel request stored while no worker was listening. */
  cancelRequested(runId: string): Promise<string | null>;
  /** Called with every finished run (completed or not) whose archive exists: hands it to publishing. */
  onArchived?(manifest: RunManifest, archiveDir: string): Promise<void>;
  /** The run's Redis lock lasts this long (LOCK_DURATION_MS); checked again before a run reports. */
  lockDurationMs: number;
  /**
   * How long a run waits for the minion's flock held by another run (a worker that lost its Redis
   * lock and has not noticed yet: its renewal runs twice per lock duration) before going back to
   * the queue. Default: lockDurationMs.
   */
  minionLockWaitMs?: number;
  /** This worker's own temp folder (DATA_DIR/tmp/worker-<pid>); its siblings of dead workers are removed. */
  tmpDir?: string;
  /** A full or read-only disk: pauses the lane with the reason (the run itself goes back to the queue). */
  onMachineProblem?(problem: LaneProblem): Promise<void>;
}

/** Milliseconds a run put back in the queue (shutdown, busy minion, machine problem) waits before it starts again. */
const REQUEUE_DELAY_MS = 1000;

/**
 * Times a run may be freed by the stall check (its worker died) and start again. Checked here for
 * every run, not with BullMQ's maxStartedAttempts: that also counts the graceful requeues above
 * (a shutdown, a busy minion), and jobs of a scheduler ignore maxStalledCount.
 */
const MAX_STALLS = 1;
const STALLED_REASON = 'job stalled more than allowable limit';

/** How a run that stopped early leaves: back to the queue, or given up to the worker that owns it now. */
type Stop = { kind: 'requeue'; why: string; problem?: LaneProblem } | { kind: 'lost' } | { kind: 'end' };

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
    if ((job.stalledCounter ?? 0) > MAX_STALLS) throw new UnrecoverableError(STALLED_REASON);
    // From now on an identical request is a new run, not a duplicate of this one.
    await job.removeDeduplicationKey().catch(() => undefined);

    // A cancelled run fails with a typed marker in its job (read through the run store); the
    // message is for people.
    const cancelled = async (reason: string) => {
      await markCancelled(job, reason).catch((error: Error) =>
        log.warn({ err: error }, 'could not mark the run cancelled'),
      );
      return new UnrecoverableError(reason);
    };
    const stored = await deps.cancelRequested(runId);
    if (stored) throw await cancelled(`cancelled before it started: ${stored}`);

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

    const stopOf = (error: unknown): Stop => {
      const cause = run.cause();
      if (cause?.kind === 'lost') return { kind: 'lost' };
      if (cause?.kind === 'cancel') return { kind: 'end' };
      if (cause?.kind === 'shutdown')
        return {
          kind: 'requeue',
          why: 'worker shutting down: the run goes back to the queue and starts again',
        };
      if (error instanceof LockedError)
        return { kind: 'requeue', why: `minion busy (${error.message}): the run goes back to the queue` };
      const problem = machineProblem(error);
      if (problem)
        return {
          kind: 'requeue',
          why: `machine problem, lane paused, the run stays queued: ${problem.reason}`,
          problem,
        };
      return { kind: 'end' };
    };
    /**
     * Renews the run's Redis lock: false when Redis says it is gone (another worker may run it now).
     * An error is no such answer; should the lock be gone, BullMQ refuses the report all the same.
     */
    const ownsRun = async () =>
      !token || (await job.extendLock(token, deps.lockDurationMs).catch(() => 1)) === 1;

    let runner: CommandRunner | undefined;
    try {
      log.info({ commit: request.commit, attempt: job.attemptsStarted }, 'run starting');
      if (deps.tmpDir) {
        const removed = await removeStaleTmpDirs(path.dirname(deps.tmpDir));
        if (removed.length > 0) log.info({ removed }, 'removed temp folders of workers that died');
      }
      let suite: Awaited<ReturnType<typeof loadSuite>>;
      try {
        suite = suiteOnMinion(await loadSuite(deps.suiteFile), deps.minion);
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
          lockWaitMs: deps.minionLockWaitMs ?? deps.lockDurationMs,
          ...(deps.tmpDir ? { tmpDir: deps.tmpDir } : {}),
          ...(deps.targets ? { targets: deps.targets } : {}),
        },
        {
          id: runId,
          attempt: Math.max(1, job.attemptsStarted),
          request,
          signal,
          // A job scheduler's job records when it fired (its delay is zeroed once it is promoted).
          ...(request.trigger.kind === 'schedule' && job.opts.prevMillis
            ? { scheduledAt: new Date(job.opts.prevMillis) }
            : {}),
          // Cut here, not only in Redis: a batch of 200 pieces of a huge line would hold 13 MB.
          log: (line) => batcher.push(capRunLogLine(line)),
          progress,
          stoppedState: (error) => {
            const stop = stopOf(error);
            return stop.kind === 'lost' ? null : stop.kind === 'requeue' ? 'waiting' : undefined;
          },
        },
      );
      // A worker that was stopped (SIGSTOP, a long pause, Redis away) past its lock may find the
      // run taken by another worker: that one reports it, this one must not report it twice.
      if (!(await ownsRun())) {
        log.warn({ state: manifest.state }, 'lock lost: another worker owns the run now; not reported here');
        throw new DelayedError();
      }
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
      if (error instanceof DelayedError) throw error;
      const cause = run.cause();
      const stop = stopOf(error);
      if (stop.kind === 'lost') {
        log.warn('lock lost: another worker owns the run now; this attempt is given up');
        // BullMQ leaves a job alone after a DelayedError: it is no longer ours to finish or fail.
        throw new DelayedError();
      }
      if (stop.kind === 'requeue' && token) {
        if (stop.problem) {
          log.error({ code: stop.problem.code, reason: stop.problem.reason }, 'machine problem: lane paused');
          await deps
            .onMachineProblem?.(stop.problem)
            .catch((e: Error) => log.error({ err: e }, 'could not pause the lane'));
        } else log.warn({ why: stop.why }, 'run requeued');
        batcher.push(stop.why);
        await batcher.flush();
        // Not a start that counts: moveToDelayed keeps the attempts, and MAX_STALLS counts stalls only.
        await job.moveToDelayed(Date.now() + REQUEUE_DELAY_MS, token);
        throw new DelayedError();
      }
      if (error instanceof CancelledError || cause?.kind === 'cancel') {
        log.info(
          { reason: cause?.kind === 'cancel' ? cause.reason : (error as Error).message },
          'run cancelled',
        );
        if (cause?.kind === 'cancel') throw await cancelled(`cancelled: ${cause.reason}`);
        throw new UnrecoverableError((error as Error).message);
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
