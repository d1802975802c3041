export { connectRedis, createRedis, redactUrl } from './connection.ts';
export { dedupId, enqueueRun, lanePosition, runJobOptions } from './enqueue.ts';
export type { Enqueued } from './enqueue.ts';
export { ensureNightlySchedule, removeNightlySchedule } from './schedules.ts';
export type { NightlySchedule } from './schedules.ts';
export { cancelRequested, onCancelRequests, requestCancel } from './cancel.ts';
export {
  CANCEL_CHANNEL,
  NIGHTLY_SCHEDULER_ID,
  PUBLISH_QUEUE,
  QUEUE_PREFIX,
  cancelKey,
  laneMinion,
  laneName,
} from './names.ts';
