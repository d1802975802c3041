import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { laneName, laneProblemKey, QUEUE_PREFIX } from './names.ts';

const QUEUED = ['waiting', 'prioritized', 'delayed'] as const;

/**
 * Removes the lane's waiting runs; the active run goes on. BullMQ's drain keeps the job a
 * scheduler (the nightly run) has pending, so what was removed is the count before minus after.
 * `probes`: the removed runs made for a confirmation or a bisection, which wait for them.
 */
export async function drainLane(
  queue: Queue,
): Promise<{ removed: number; probes: { id: string; data: unknown }[] }> {
  // Runs that something waits for (a confirmation, a bisection): told of below when they are gone.
  const listed = (await queue.getJobs([...QUEUED])).filter((job) => job?.id && job.data?.probe);
  const before = await queue.getJobCountByTypes(...QUEUED);
  await queue.drain(true);
  const after = await queue.getJobCountByTypes(...QUEUED);
  const probes: { id: string; data: unknown }[] = [];
  for (const job of listed) {
    if (!(await queue.getJob(job.id!))) probes.push({ id: job.id!, data: job.data });
  }
  return { removed: Math.max(0, before - after), probes };
}

/** Why a worker paused a lane: a problem of the machine (a full or read-only disk), not of a run. */
export const LaneProblem = z.object({
  /** The system error code, e.g. `ENOSPC`, `EROFS`. */
  code: z.string(),
  reason: z.string(),
  /** When the lane was paused (ISO 8601). */
  since: z.string(),
});
export type LaneProblem = z.infer<typeof LaneProblem>;

/** A minion's lane as `GET /minions` shows it. */
export const LaneStatus = z.object({
  minion: z.string(),
  kind: z.enum(['local', 'ssh']),
  labels: z.record(z.string(), z.string()),
  paused: z.boolean(),
  problem: LaneProblem.nullable().describe('why a worker paused the lane (a full or read-only disk)'),
  activeRun: z.string().nullable(),
  waiting: z.number().int(),
  active: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
});
export type LaneStatus = z.infer<typeof LaneStatus>;

/**
 * Pauses the lane for a machine problem: no run starts until it is resolved; the runs stay queued.
 * The reason is stored first, so whoever sees the lane paused can also read why.
 */
export async function pauseLaneForProblem(
  queue: Queue,
  redis: Redis,
  minion: string,
  problem: LaneProblem,
): Promise<void> {
  await redis.set(laneProblemKey(minion), JSON.stringify(problem));
  await queue.pause();
}

/** The machine problem the lane is paused for, or null. */
export async function laneProblem(redis: Redis, minion: string): Promise<LaneProblem | null> {
  const raw = await redis.get(laneProblemKey(minion));
  if (!raw) return null;
  const parsed = LaneProblem.safeParse(JSON.parse(raw));
  return parsed.success ? parsed.data : { code: 'unknown', reason: raw, since: '' };
}

/**
 * Resumes a lane paused for a machine problem and forgets the problem. True when there was one:
 * a lane paused by an operator (no problem stored) stays paused.
 */
export async function resumeLaneAfterProblem(queue: Queue, redis: Redis, minion: string): Promise<boolean> {
  if ((await redis.del(laneProblemKey(minion))) === 0) return false;
  await queue.resume();
  return true;
}

/** Forgets the lane's machine problem (an operator resumed the lane). */
export async function clearLaneProblem(redis: Redis, minion: string): Promise<void> {
  await redis.del(laneProblemKey(minion));
}

/** The lane of a minion: its BullMQ queue. The one place a lane's queue is built. */
export function openLane(minion: string, connection: Redis): Queue {
  return new Queue(laneName(minion), { connection, prefix: QUEUE_PREFIX });
}

/** A lane per minion, by minion name, on one connection. */
export function openLanes(minions: readonly { name: string }[], connection: Redis): Map<string, Queue> {
  return new Map(minions.map((minion) => [minion.name, openLane(minion.name, connection)]));
}
