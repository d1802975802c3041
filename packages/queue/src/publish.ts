import type { Queue } from 'bullmq';
import { z } from 'zod';

/** The payload of a publish job: the run whose archive is published. */
export const PublishJobData = z
  .object({
    runId: z.string().min(1),
    /** Send to every sink again, even those that confirmed (their writes are idempotent). */
    force: z.boolean().optional(),
  })
  .strict();
export type PublishJobData = z.infer<typeof PublishJobData>;

/** Attempts of a publish job: with the capped backoff below, about seven hours of retries. */
export const PUBLISH_ATTEMPTS = 20;
const FIRST_RETRY_MS = 10_000;
const LONGEST_WAIT_MS = 30 * 60_000;

/** Exponential backoff from 10 s, doubling, capped at 30 min: a sink outage of hours loses nothing. */
export function publishBackoff(attemptsMade: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, attemptsMade - 1), LONGEST_WAIT_MS);
}

/** Every job of the publish queue: retried with the capped backoff, kept 30 days once done. */
const JOB_OPTIONS = {
  attempts: PUBLISH_ATTEMPTS,
  backoff: { type: 'capped-exponential' },
  removeOnComplete: { age: 30 * 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600, count: 10_000 },
};

/** One publish job per run (`publish-<runId>`): publishing the same run twice is one job. */
export function publishJobId(runId: string): string {
  return `publish-${runId}`;
}

/**
 * Queues the publishing of a run's archive. With `again`, a finished publish job of the run is
 * replaced and one waiting for its next retry runs now, so the sinks that have not confirmed are
 * tried once more (re-publish on demand).
 */
export async function enqueuePublish(
  queue: Queue,
  runId: string,
  options: { again?: boolean; force?: boolean } = {},
): Promise<{ id: string; state: string }> {
  const id = publishJobId(runId);
  const existing = await queue.getJob(id);
  if (existing) {
    const state = await existing.getState();
    if (options.again && state === 'delayed') {
      // A retry may be half an hour away: whoever asks has likely just fixed the sink.
      await existing.promote().catch(async (error: unknown) => {
        // Its backoff ended meanwhile: it runs now anyway.
        if ((await existing.getState()) === 'delayed') throw error;
      });
      return { id, state: 'waiting' };
    }
    if (!options.again || state === 'active' || state === 'waiting' || state === 'prioritized') {
      return { id, state };
    }
    await existing.remove();
  }
  await queue.add('publish', { runId, ...(options.force ? { force: true } : {}) } satisfies PublishJobData, {
    jobId: id,
    ...JOB_OPTIONS,
  });
  return { id, state: 'waiting' };
}

/**
 * The payload of a `lost` job on the publish queue: a run that left its lane before it ran (removed
 * while waiting: cancelled, or a drained lane), so no archive will ever be published for it. The
 * worker tells what waited for it (a confirmation, a bisection), as it does for a run that failed
 * before it archived anything.
 */
export const LostRunJobData = z
  .object({
    runId: z.string().min(1),
    /** The run job's payload, as it was queued. */
    data: z.unknown(),
    reason: z.string(),
  })
  .strict();
export type LostRunJobData = z.infer<typeof LostRunJobData>;

/** The name of {@link LostRunJobData} jobs on the publish queue. */
export const LOST_RUN_JOB = 'lost';

/** Queues the news of a run that left its lane before it ran, once per run, retried as publishing is. */
export async function enqueueLostRun(queue: Queue, lost: LostRunJobData): Promise<void> {
  await queue.add(LOST_RUN_JOB, lost satisfies LostRunJobData, {
    jobId: `lost-${lost.runId}`,
    ...JOB_OPTIONS,
  });
}

/**
 * The payload of a `status` job on the publish queue: regression status changes made outside the
 * worker (detection on demand in the API), for the worker's status listeners (alerts, Grafana
 * annotations, confirmation of new suspicions, bisection).
 */
export const StatusNewsJobData = z
  .object({
    changes: z
      .array(
        z
          .object({
            regression: z.string().min(1),
            from: z.string().nullable(),
            to: z.string().min(1),
          })
          .strict(),
      )
      .min(1),
    /** What made the changes, for the log. */
    source: z.string(),
  })
  .strict();
export type StatusNewsJobData = z.infer<typeof StatusNewsJobData>;

/** The name of {@link StatusNewsJobData} jobs on the publish queue. */
export const STATUS_NEWS_JOB = 'status';

/** Queues status changes for the worker's listeners, retried as publishing is. */
export async function enqueueStatusNews(queue: Queue, news: StatusNewsJobData): Promise<void> {
  await queue.add(STATUS_NEWS_JOB, news satisfies StatusNewsJobData, JOB_OPTIONS);
}
