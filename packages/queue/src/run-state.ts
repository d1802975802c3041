import { RunJobData, type RunState, type RunSummary } from '@benchrunner/core';
import type { Job, JobState, JobType } from 'bullmq';
import { z } from 'zod';

/**
 * How a run that BullMQ failed ended, when not by failing: a typed marker in the job's data, written
 * by the worker and read by the API, both through this module. `failedReason` stays a message for
 * people (Bull Board shows it); nothing reads a state out of it.
 */
const RunEnding = z.object({ kind: z.literal('cancelled'), reason: z.string() });
type RunEnding = z.infer<typeof RunEnding>;

/** The job-data field of the marker, beside the run's request (RunJobData, which is strict). */
const ENDING = 'ending';

/** Marks the run as cancelled, before its processor fails it. */
export async function markCancelled(job: Job, reason: string): Promise<void> {
  await job.updateData({ ...job.data, [ENDING]: { kind: 'cancelled', reason } satisfies RunEnding });
}

/** True when the run was cancelled (for a failed run: cancelled rather than failed). */
export function wasCancelled(job: Job): boolean {
  const data = job.data as Record<string, unknown> | undefined;
  if (data && ENDING in data) return RunEnding.safeParse(data[ENDING]).success;
  // A run an older worker ended carries "cancelled" only as its reason's first word. Such jobs leave
  // Redis within RUN_RETENTION_SECONDS of the upgrade; after that this line can go.
  return /^cancelled/.test(job.failedReason ?? '');
}

/** The run's request from its job: parsed, without the run store's own fields. */
export function runJobData(job: Job): RunJobData {
  const { [ENDING]: _ending, ...data } = (job.data ?? {}) as Record<string, unknown>;
  const parsed = RunJobData.safeParse(data);
  // A job written by an older version may not parse: shown as it is rather than not at all.
  return parsed.success ? parsed.data : (data as RunJobData);
}

/** The run's state from BullMQ's state of its job. */
export function runStateOf(bullState: JobState | 'unknown', job: Job): RunState {
  switch (bullState) {
    case 'active':
      return 'active';
    case 'completed':
      return (job.returnvalue as RunSummary | undefined)?.state ?? 'completed';
    case 'failed':
      return wasCancelled(job) ? 'cancelled' : 'failed';
    default:
      return 'waiting';
  }
}

const WAITING_TYPES: JobType[] = ['waiting', 'prioritized', 'delayed', 'waiting-children'];

/** Every BullMQ state a run's job can be in. */
export const ALL_TYPES: JobType[] = [...WAITING_TYPES, 'active', 'completed', 'failed'];

/** The BullMQ states a run of each state is in (failed and cancelled share one). */
export const TYPES_OF: Record<RunState, JobType[]> = {
  waiting: WAITING_TYPES,
  active: ['active'],
  completed: ['completed'],
  completed_with_failures: ['completed'],
  failed: ['failed'],
  cancelled: ['failed'],
};
