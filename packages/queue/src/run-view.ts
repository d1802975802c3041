import { PublishReceipts } from '@benchrunner/archive';
import {
  PriorityClass,
  Profile,
  RunProgress,
  RunState,
  RunSummary,
  RunTarget,
  Trigger,
} from '@benchrunner/core';
import type { Job, JobState, Queue } from 'bullmq';
import { z } from 'zod';
import { lanePosition } from './enqueue.ts';
import { publishJobId } from './publish.ts';
import { runJobData, runStateOf } from './run-state.ts';

/** Where publishing of a finished run stands. */
export const PublishView = z.object({
  state: z.enum(['waiting', 'active', 'completed', 'retrying', 'failed']),
  attempts: z.number().int(),
  /** What each sink confirmed, and each sink's last error (the archive's `<id>.publish.json`). */
  receipts: PublishReceipts.optional(),
  failedReason: z.string().optional(),
});
export type PublishView = z.infer<typeof PublishView>;

/** A run as the API shows it (`GET /runs/:id`, `GET /runs`): the one definition, documented as `Run`. */
export const RunView = z.object({
  id: z.string(),
  state: RunState,
  minion: z.string(),
  commit: z.string(),
  benchmarks: z.array(z.string()),
  profile: Profile,
  tag: z.string().optional(),
  priority: PriorityClass,
  trigger: Trigger,
  target: RunTarget.optional().describe("the target repository's commit, for suites with a `target`"),
  position: z.number().int().optional().describe('runs ahead of this one while it waits in the lane'),
  dueAt: z
    .string()
    .optional()
    .describe('when a scheduled run (the next nightly run, a run requeued at shutdown) joins the lane'),
  step: RunProgress.shape.step.optional(),
  progress: RunProgress.optional(),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  durationMs: z.number().optional(),
  attempts: z.number().int(),
  failedReason: z.string().optional(),
  summary: RunSummary.optional(),
  archive: z.string().optional(),
  artifacts: z
    .object({ cid: z.string(), url: z.string().optional(), store: z.string() })
    .optional()
    .describe('root CID of the archive'),
  publish: PublishView.optional(),
});
export type RunView = z.infer<typeof RunView>;

/** Where publishing of run `runId` stands, or undefined before it was queued. */
export async function readPublishView(publishQueue: Queue, runId: string): Promise<PublishView | undefined> {
  const job = await publishQueue.getJob(publishJobId(runId));
  if (!job) return undefined;
  const bullState = await job.getState();
  const receipts = job.returnvalue ?? (typeof job.progress === 'object' ? job.progress : undefined);
  const state: PublishView['state'] =
    bullState === 'completed'
      ? 'completed'
      : bullState === 'failed'
        ? 'failed'
        : bullState === 'active'
          ? 'active'
          : bullState === 'delayed'
            ? 'retrying'
            : 'waiting';
  return {
    state,
    attempts: job.attemptsMade,
    ...(receipts && typeof receipts === 'object' ? { receipts: receipts as PublishReceipts } : {}),
    ...(job.failedReason ? { failedReason: job.failedReason } : {}),
  };
}

/**
 * The view of a run's job. `bullState` is the job's state when the caller read it (before the job,
 * so a run that ends in between is never shown failed without its reason); `publish` reads where
 * its publishing stands.
 */
export async function readRunView(
  job: Job,
  queue: Queue,
  bullState: JobState | 'unknown',
  publish: (runId: string) => Promise<PublishView | undefined>,
): Promise<RunView> {
  const state = runStateOf(bullState, job);
  const d = runJobData(job);
  const progress =
    typeof job.progress === 'object' && job.progress !== null ? (job.progress as RunProgress) : undefined;
  const summary = job.returnvalue as RunSummary | undefined;
  const view: RunView = {
    id: job.id!,
    state,
    minion: d.minion,
    commit: d.commit,
    benchmarks: d.benchmarks ?? [],
    profile: d.profile ?? false,
    ...(d.tag ? { tag: d.tag } : {}),
    priority: d.priority,
    trigger: d.trigger,
    ...(d.target ? { target: d.target } : {}),
    createdAt: new Date(job.timestamp).toISOString(),
    attempts: job.attemptsStarted ?? 0,
  };
  if (state === 'waiting') {
    // A delayed job is not in the lane yet: it has a time, not a place.
    if (bullState === 'delayed')
      view.dueAt = new Date(Math.max(Date.now(), job.timestamp + (job.delay ?? 0))).toISOString();
    else view.position = await lanePosition(queue, job.id!);
  }
  if (progress) {
    view.progress = progress;
    view.step = progress.step;
  }
  if (job.processedOn) view.startedAt = new Date(job.processedOn).toISOString();
  if (job.finishedOn) {
    view.finishedAt = new Date(job.finishedOn).toISOString();
    if (job.processedOn) view.durationMs = job.finishedOn - job.processedOn;
  }
  if (job.failedReason) view.failedReason = job.failedReason;
  if (summary && typeof summary === 'object') {
    view.summary = summary;
    view.archive = summary.archive;
  }
  const published = await publish(job.id!);
  if (published) {
    view.publish = published;
    const artifacts = published.receipts?.artifacts;
    if (artifacts)
      view.artifacts = {
        cid: artifacts.cid,
        store: artifacts.store,
        ...(artifacts.url ? { url: artifacts.url } : {}),
      };
  }
  return view;
}
