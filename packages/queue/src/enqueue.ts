import { hash } from 'node:crypto';
import { newRunId, PRIORITY, type RunJobData } from '@benchrunner/core';
import type { JobsOptions, Queue } from 'bullmq';
import { rankedPosition } from './lua.ts';

/** Seconds finished runs stay visible in Redis (the archive keeps them for good). */
export const RUN_RETENTION_SECONDS = 30 * 24 * 3600;

const KEEP_FINISHED = { age: RUN_RETENTION_SECONDS, count: 10_000 };

/** The options every run job gets. */
export function runJobOptions(data: RunJobData): JobsOptions {
  return {
    priority: PRIORITY[data.priority],
    attempts: 1,
    removeOnComplete: KEEP_FINISHED,
    removeOnFail: KEEP_FINISHED,
  };
}

/**
 * The identity of a run for deduplication: two requests for the same commit, benchmarks, profile,
 * minion and tag are the same run while the first still waits.
 */
export function dedupId(data: RunJobData): string {
  // Sets are sorted and de-duplicated and keys written in a fixed order, so requests that mean the
  // same run (benchmarks or profilers listed in another order, keys swapped) get the same id.
  const set = (values: readonly string[] | undefined) => (values ? [...new Set(values)].sort() : null);
  const profile =
    typeof data.profile === 'boolean'
      ? data.profile
      : { profilers: set(data.profile.profilers), fileSets: set(data.profile.fileSets) };
  const canonical = JSON.stringify({
    commit: data.commit,
    benchmarks: set(data.benchmarks),
    profile,
    minion: data.minion,
    tag: data.tag ?? null,
    // A probe (confirmation or bisection run) is one measurement asked for: never merged with another.
    ...(data.probe ? { probe: data.probe, nonce: data.nonce ?? null } : {}),
  });
  return `run-${hash('sha256', canonical, 'hex').slice(0, 32)}`;
}

/**
 * A run job's BullMQ name: `run`, or for a probe the record it measures for, so Bull Board lists
 * probes with their bisection or confirmation. Nothing reads a job's name back: a label only.
 */
export function runJobName(data: Pick<RunJobData, 'probe'>): string {
  const probe = data.probe;
  if (!probe) return 'run';
  if (probe.kind === 'bisection') return `run (bisection ${probe.bisection})`;
  return `run (confirmation ${probe.regression}, ${probe.side} ${probe.round})`;
}

export interface Enqueued {
  id: string;
  /** True when an identical waiting run answered instead of a new one. */
  duplicate: boolean;
  /** Runs ahead of this one in its lane, the active one included. */
  position: number;
}

/**
 * Adds a run to its lane, or answers with the id of an identical run that is still waiting. `id` is
 * the new run's id: a caller that gives up waiting knows which job its add may still create.
 */
export async function enqueueRun(queue: Queue, data: RunJobData, id: string = newRunId()): Promise<Enqueued> {
  const nonce = data.nonce ?? id;
  const added = queue.add(
    runJobName(data),
    { ...data, nonce },
    {
      ...runJobOptions(data),
      jobId: id,
      // Removed by the worker when the run starts, so only *waiting* duplicates are merged.
      deduplication: { id: dedupId(data) },
    },
  );
  // BullMQ writes the add within this task's microtasks; a command sent from this turn's check phase
  // follows it on the same connection, so Redis answers both in one round trip. Should it ever run
  // first, it finds no job (-1) and the position is read again after the add.
  const early = new Promise<number | null>((resolve) => {
    setImmediate(() => {
      rankedPosition(queue, id).then(resolve, () => resolve(null));
    });
  });
  const job = await added;
  const jobId = job.id ?? id;
  // A deduplicated add returns the existing id with our (unsaved) data: compare what Redis holds.
  if (jobId === id) {
    const position = await early;
    if (position !== null && position >= 0) return { id, duplicate: false, position };
    return { id, duplicate: false, position: await lanePosition(queue, id) };
  }
  // The same run asked for more urgently (a person re-asking for a waiting nightly run) moves up.
  const existing = await queue.getJob(jobId);
  const wanted = PRIORITY[data.priority];
  const state = existing ? await existing.getState() : undefined;
  if (
    existing &&
    (existing.priority ?? existing.opts.priority ?? 0) > wanted &&
    (state === 'prioritized' || state === 'waiting')
  ) {
    // Best effort: the run may start this very moment, and then its priority no longer matters.
    await existing.changePriority({ priority: wanted }).catch(() => undefined);
    await existing.updateData({ ...existing.data, priority: data.priority }).catch(() => undefined);
  }
  return { id: jobId, duplicate: true, position: await lanePosition(queue, jobId) };
}

/** How many runs are ahead of jobId in its lane (prioritised order, active runs included); 0 when it is not waiting. */
export async function lanePosition(queue: Queue, jobId: string): Promise<number> {
  return Math.max(0, await rankedPosition(queue, jobId));
}
