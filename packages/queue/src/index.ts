export { cancelRequested, onCancelRequests, requestCancel } from './cancel.ts';
export { connectRedis, createRedis, redactUrl } from './connection.ts';
export { claimDelivery, recordDelivery, releaseDelivery } from './deliveries.ts';
export type { Enqueued } from './enqueue.ts';
export { dedupId, enqueueRun, lanePosition, RUN_RETENTION_SECONDS, runJobOptions } from './enqueue.ts';
export {
  clearLaneProblem,
  drainLane,
  LaneProblem,
  LaneStatus,
  laneProblem,
  openLane,
  pauseLaneForProblem,
  resumeLaneAfterProblem,
} from './lanes.ts';
export {
  CANCEL_CHANNEL,
  cancelKey,
  deliveryKey,
  laneMinion,
  laneName,
  laneProblemKey,
  NIGHTLY_SCHEDULER_ID,
  PUBLISH_QUEUE,
  QUEUE_PREFIX,
} from './names.ts';
export {
  enqueuePublish,
  LOST_RUN_JOB,
  LostRunJobData,
  PUBLISH_ATTEMPTS,
  PublishJobData,
  publishBackoff,
  publishJobId,
  STATUS_NEWS_JOB,
  StatusNewsJobData,
} from './publish.ts';
export {
  appendRunLog,
  capRunLogLine,
  RUN_LOG_MAX_LINE_CHARS,
  RUN_LOG_MAX_LINES,
  readRunLog,
} from './run-log.ts';
export { markCancelled, wasCancelled } from './run-state.ts';
export type { RunFilter, RunStoreOptions } from './run-store.ts';
export { ConflictError, RunStore } from './run-store.ts';
export { RunView } from './run-view.ts';
export type { NightlySchedule } from './schedules.ts';
export { ensureNightlySchedule, removeNightlySchedule } from './schedules.ts';
