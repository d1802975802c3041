import type { Logger, Minion } from '@benchrunner/core';
import { appendRunLog, laneName, QUEUE_PREFIX } from '@benchrunner/queue';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRunProcessor, type RunProcessorDeps } from './processor.ts';

export interface Lane {
  minion: string;
  worker: Worker;
  queue: Queue;
}

/**
 * A minion's lane: its own queue with global concurrency 1 (so any number of worker processes run
 * at most one of its runs at a time) and a worker of concurrency 1. A killed worker's run is retried
 * once after the stall check (`maxStalledCount: 1`, `maxStartedAttempts: 2` for scheduler-made
 * jobs, which ignore maxStalledCount) and then fails with BullMQ's stall reason.
 */
export async function startLane(options: {
  minion: Minion;
  connection: Redis;
  logger: Logger;
  lockDurationMs: number;
  deps: Omit<RunProcessorDeps, 'minion' | 'appendLog'>;
}): Promise<Lane> {
  const name = laneName(options.minion.name);
  const queue = new Queue(name, { connection: options.connection, prefix: QUEUE_PREFIX });
  await queue.setGlobalConcurrency(1);
  const processor = createRunProcessor({
    ...options.deps,
    minion: options.minion,
    appendLog: (runId, lines) => appendRunLog(queue, runId, lines),
  });
  const worker = new Worker(name, processor, {
    connection: options.connection,
    prefix: QUEUE_PREFIX,
    concurrency: 1,
    lockDuration: options.lockDurationMs,
    stalledInterval: options.lockDurationMs,
    maxStalledCount: 1,
    maxStartedAttempts: 2,
    autorun: false,
  });
  const log = options.logger.child({ lane: name });
  worker.on('failed', (job, error) => log.warn({ runId: job?.id, reason: error.message }, 'run failed'));
  worker.on('completed', (job) => log.info({ runId: job.id }, 'run completed'));
  worker.on('error', (error) => log.error({ err: error }, 'lane worker error'));
  worker.on('stalled', (jobId) => log.warn({ runId: jobId }, 'run stalled: its worker died; retried once'));
  void worker.run().catch((error: Error) => log.error({ err: error }, 'lane worker stopped'));
  return { minion: options.minion.name, worker, queue };
}
