export type { ProcessOutcome, StopReason } from './outcome.ts';
export type { GroupClosed } from './process-group.ts';
export { killGroup, ProcessGroup } from './process-group.ts';
export { Escalation, KILL_GRACE_MS, StopWatch } from './stop-watch.ts';
