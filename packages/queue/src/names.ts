/** BullMQ queue names may not contain ":", so a lane is `runs-<minion>` (minion names exclude ":"). */
export function laneName(minion: string): string {
  return `runs-${minion}`;
}

/** The minion of a lane's queue name, or undefined when the name is not a lane. */
export function laneMinion(queueName: string): string | undefined {
  return queueName.startsWith('runs-') ? queueName.slice('runs-'.length) : undefined;
}

/** The queue that publishes finished runs to the sinks. */
export const PUBLISH_QUEUE = 'publish';

/** Redis prefix of every BullMQ key of benchrunner. */
export const QUEUE_PREFIX = 'benchrunner';

/** Pub/sub channel on which cancel requests reach the workers. */
export const CANCEL_CHANNEL = 'benchrunner:cancel';

/** Key that remembers a cancel request, for a worker that missed the message. */
export function cancelKey(runId: string): string {
  return `benchrunner:cancel:${runId}`;
}

/** The id of the daily job scheduler on each lane. */
export const NIGHTLY_SCHEDULER_ID = 'nightly';

/** Key holding why a worker paused a lane (a full or read-only disk): see lanes.ts. */
export function laneProblemKey(minion: string): string {
  return `benchrunner:lane-problem:${minion}`;
}

/** Key that remembers a GitHub webhook delivery id and the run it started. */
export function deliveryKey(delivery: string): string {
  return `benchrunner:webhook-delivery:${delivery}`;
}
