import { access } from 'node:fs/promises';
import path from 'node:path';
import { settleManifest } from '@benchrunner/archive';
import type { Logger, Minion } from '@benchrunner/core';
import {
  appendRunLog,
  type LaneProblem,
  laneName,
  laneProblem,
  openLane,
  pauseLaneForProblem,
  QUEUE_PREFIX,
  resumeLaneAfterProblem,
  wasCancelled,
} from '@benchrunner/queue';
import { type Job, type Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { diskWritable } from './machine-problem.ts';
import { requeueNoisyRun } from './noisy-requeue.ts';
import { createRunProcessor, type RunProcessorDeps } from './processor.ts';
import type { RedisOutage } from './redis-outage.ts';

export interface Lane {
  minion: string;
  worker: Worker;
  queue: Queue;
}

/** How often a lane paused for a full or read-only disk checks whether the disk takes writes again. */
const DISK_PROBE_MS = 5000;

/**
 * A minion's lane: its own queue with global concurrency 1 (so any number of worker processes run
 * at most one of its runs at a time) and a worker of concurrency 1. A killed worker's run is retried
 * once after the stall check (`maxStalledCount: 1`; the processor applies the same budget to jobs
 * of a scheduler, which BullMQ exempts) and then fails with BullMQ's stall reason.
 */
export async function startLane(options: {
  minion: Minion;
  connection: Redis;
  logger: Logger;
  lockDurationMs: number;
  outage?: RedisOutage;
  deps: Omit<RunProcessorDeps, 'minion' | 'onMachineProblem' | 'lockDurationMs' | 'appendLog'>;
  /** A run that failed with no archive to publish (e.g. cancelled before it started). */
  onFailedUnarchived?(runId: string, data: unknown, reason: string): Promise<void>;
}): Promise<Lane> {
  const name = laneName(options.minion.name);
  const minion = options.minion.name;
  const log = options.logger.child({ lane: name });
  const queue = openLane(minion, options.connection);
  await queue.setGlobalConcurrency(1);

  // A full or read-only disk fails every run alike: the lane is paused with the reason, and resumed
  // by whichever worker first finds the disk writable again.
  let probe: NodeJS.Timeout | undefined;
  const watchDisk = () => {
    if (probe) return;
    probe = setInterval(async () => {
      if (!(await diskWritable(options.deps.archiveRoot))) return;
      clearInterval(probe);
      probe = undefined;
      if (await resumeLaneAfterProblem(queue, options.connection, minion).catch(() => false))
        log.info('the disk takes writes again: lane resumed');
    }, DISK_PROBE_MS);
    probe.unref();
  };
  const onMachineProblem = async (problem: LaneProblem) => {
    await pauseLaneForProblem(queue, options.connection, minion, problem);
    log.error({ code: problem.code, reason: problem.reason }, 'lane paused: the machine cannot take runs');
    watchDisk();
  };
  if (await laneProblem(options.connection, minion)) watchDisk();

  const processor = createRunProcessor({
    ...options.deps,
    minion: options.minion,
    lockDurationMs: options.lockDurationMs,
    onMachineProblem,
    appendLog: (runId, lines) => appendRunLog(queue, runId, lines),
    // A noisy nightly run is queued again (suite `noise.requeue`), whether its publishing was queued or not.
    onArchived: async (manifest, archiveDir) => {
      try {
        await options.deps.onArchived?.(manifest, archiveDir);
      } finally {
        await requeueNoisyRun(queue, manifest).then(
          (id) => id && log.warn({ runId: manifest.id, requeued: id }, 'noisy nightly run queued again'),
          (error: Error) =>
            log.error({ err: error, runId: manifest.id }, 'could not queue the noisy run again'),
        );
      }
    },
  });
  const worker = new Worker(name, processor, {
    connection: options.connection,
    prefix: QUEUE_PREFIX,
    concurrency: 1,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.lockDurationMs,
    maxStalledCount: 1,
    autorun: false,
  });
  worker.on('failed', (job, error) => {
    log.warn({ runId: job?.id, reason: error.message }, 'run failed');
    if (job?.id) void settle(job, error.message);
  });
  worker.on('completed', (job) => log.info({ runId: job.id }, 'run completed'));
  worker.on('error', (error) =>
    options.outage
      ? options.outage.error(`lane ${name}`, error)
      : log.error({ err: error }, 'lane worker error'),
  );
  worker.on('stalled', (jobId) => log.warn({ runId: jobId }, 'run stalled: its worker died; retried once'));
  // The lock of a run of this worker could not be renewed: another worker may run it by now.
  worker.on('lockRenewalFailed', (jobIds) => {
    for (const id of jobIds) {
      if (options.deps.active.lose(id)) log.warn({ runId: id }, 'lock lost: aborting the run here');
    }
  });
  worker.on('closing', () => clearInterval(probe));
  void worker.run().catch((error: Error) => log.error({ err: error }, 'lane worker stopped'));

  /**
   * A run that failed without its processor finishing it (a stall: its worker died) still has the
   * manifest of its last attempt, `active`. It is brought to the queue's state and published.
   */
  async function settle(job: Job, reason: string): Promise<void> {
    const runId = job.id!;
    try {
      const state = wasCancelled(job) ? 'cancelled' : 'failed';
      const manifest = await settleManifest(options.deps.archiveRoot, runId, state, reason);
      if (!manifest) {
        const archived = await access(path.join(options.deps.archiveRoot, runId, 'manifest.json')).then(
          () => true,
          () => false,
        );
        if (!archived) await options.onFailedUnarchived?.(runId, job.data, reason);
        return;
      }
      log.info({ runId, state }, 'manifest of a run that ended without its worker settled');
      await options.deps.onArchived?.(manifest, `${options.deps.archiveRoot}/${runId}`);
    } catch (error) {
      log.error({ err: error, runId }, 'could not settle the manifest of a failed run');
    }
  }

  return { minion, worker, queue };
}
