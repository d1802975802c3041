import { PRIORITY, type RunJobData } from '@benchrunner/core';
import type { Queue } from 'bullmq';
import { runJobOptions } from './enqueue.ts';
import { NIGHTLY_SCHEDULER_ID } from './names.ts';

export interface NightlySchedule {
  /** Cron pattern, e.g. `0 3 * * *`. */
  cron: string;
  /** IANA time zone, e.g. `UTC` or `Europe/Berlin`. */
  tz: string;
  /** The run each firing enqueues. */
  template: RunJobData;
}

/**
 * Creates or updates the lane's daily scheduler. Idempotent: any number of API replicas calling it
 * at once leave one scheduler and one pending job (upsertJobScheduler is atomic in Redis).
 */
export async function ensureNightlySchedule(queue: Queue, schedule: NightlySchedule): Promise<void> {
  const { priority, removeOnComplete, removeOnFail } = runJobOptions(schedule.template);
  await queue.upsertJobScheduler(
    NIGHTLY_SCHEDULER_ID,
    { pattern: schedule.cron, tz: schedule.tz },
    {
      name: 'run',
      data: schedule.template,
      opts: { priority: priority ?? PRIORITY.nightly, attempts: 1, removeOnComplete, removeOnFail },
    },
  );
}

/** Removes the lane's daily scheduler (NIGHTLY_ENABLED=false). */
export async function removeNightlySchedule(queue: Queue): Promise<void> {
  await queue.removeJobScheduler(NIGHTLY_SCHEDULER_ID);
}
