import type { PublishReceipts } from '@benchrunner/archive';
import {
  type Logger,
  type Minion,
  NotFoundError,
  newRunId,
  RunJobData,
  type RunProgress,
  type RunState,
  type RunSummary,
  UnavailableError,
} from '@benchrunner/core';
import {
  claimDelivery,
  clearLaneProblem,
  drainLane,
  type Enqueued,
  enqueuePublish,
  enqueueRun,
  type LaneProblem,
  lanePosition,
  laneProblem,
  publishJobId,
  readRunLog,
  recordDelivery,
  releaseDelivery,
  requestCancel,
} from '@benchrunner/queue';
import type { Job, JobState, JobType, Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** A run as the API shows it. */
export interface RunView {
  id: string;
  state: RunState;
  minion: string;
  commit: string;
  benchmarks: string[];
  profile: RunJobData['profile'];
  tag?: string;
  priority: RunJobData['priority'];
  trigger: RunJobData['trigger'];
  /** The target repository's commit (suites with a `target`). */
  target?: RunJobData['target'];
  /** Runs ahead of this one, while it waits in the lane. */
  position?: number;
  /** When a scheduled run (the next nightly run, a run put back at a worker's shutdown) joins the lane. */
  dueAt?: string;
  step?: RunProgress['step'];
  progress?: RunProgress;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  attempts: number;
  failedReason?: string;
  summary?: RunSummary;
  archive?: string;
  /** Root CID of the run's archive once an artifact store confirmed it, with a gateway link when configured. */
  artifacts?: { cid: string; url?: string; store: string };
  publish?: PublishView;
}

/** Where publishing of a finished run stands. */
export interface PublishView {
  state: 'waiting' | 'active' | 'completed' | 'retrying' | 'failed';
  attempts: number;
  /** What each sink confirmed, and each sink's last error. */
  receipts?: PublishReceipts;
  failedReason?: string;
}

export interface RunFilter {
  state?: RunState;
  minion?: string;
  limit: number;
  offset: number;
}

export interface LaneStatus {
  minion: string;
  kind: Minion['kind'];
  labels: Record<string, string>;
  paused: boolean;
  /** Why a worker paused the lane (a full or read-only disk); null when it did not. */
  problem: LaneProblem | null;
  activeRun: string | null;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
}

const WAITING_TYPES: JobType[] = ['waiting', 'prioritized', 'delayed', 'waiting-children'];
const ALL_TYPES: JobType[] = [...WAITING_TYPES, 'active', 'completed', 'failed'];
const TYPES_OF: Record<RunState, JobType[]> = {
  waiting: WAITING_TYPES,
  active: ['active'],
  completed: ['completed'],
  completed_with_failures: ['completed'],
  failed: ['failed'],
  cancelled: ['failed'],
};

/** Redis calls must answer quickly: a hanging request is worse than a clear 503. */
async function timed<T>(promise: Promise<T>, what: string, ms = 5000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UnavailableError(`Redis did not answer ${what} within ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function stateOf(bullState: JobState | 'unknown', job: Job): RunState {
  switch (bullState) {
    case 'active':
      return 'active';
    case 'completed':
      return (job.returnvalue as RunSummary | undefined)?.state ?? 'completed';
    case 'failed':
      return /^cancelled/.test(job.failedReason ?? '') ? 'cancelled' : 'failed';
    default:
      return 'waiting';
  }
}

/** The request conflicts with the run's state. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** The runs of every lane, behind one interface for the routes. */
export class RunService {
  private readonly lanes: Map<string, Queue>;

  constructor(
    private readonly minions: readonly Minion[],
    lanes: Map<string, Queue>,
    private readonly redis: Redis,
    private readonly publishQueue?: Queue,
    private readonly logger?: Logger,
  ) {
    this.lanes = lanes;
  }

  get defaultMinion(): string {
    return this.minions[0]!.name;
  }

  hasMinion(name: string): boolean {
    return this.lanes.has(name);
  }

  private lane(minion: string): Queue {
    const queue = this.lanes.get(minion);
    if (!queue) throw new NotFoundError(`unknown minion ${minion}`);
    return queue;
  }

  /**
   * Adds a run. When Redis does not answer in time the caller gets a 503, so the add still on the
   * wire is withdrawn at once: a late add must not start a run that a 503 said was not queued (a
   * client retrying after it would get a second run).
   */
  async enqueue(data: RunJobData, id: string = newRunId()): Promise<Enqueued> {
    const lane = this.lane(data.minion);
    try {
      return await timed(enqueueRun(lane, data, id), 'to enqueue the run');
    } catch (error) {
      if (error instanceof UnavailableError) this.withdraw(lane, id);
      throw error;
    }
  }

  /** Null for a webhook delivery id seen for the first time; else the run it started ('' while being added). */
  async claimDelivery(delivery: string): Promise<string | null> {
    return timed(claimDelivery(this.redis, delivery), 'to check the delivery id');
  }

  async recordDelivery(delivery: string, runId: string): Promise<void> {
    await timed(recordDelivery(this.redis, delivery, runId), 'to record the delivery id');
  }

  async releaseDelivery(delivery: string): Promise<void> {
    await timed(releaseDelivery(this.redis, delivery), 'to release the delivery id');
  }

  /**
   * Removes run `id` if a late add created it. Sent now, on the connection that carries the add, so
   * Redis runs it right after the add and before any retry; a worker that took the run at that very
   * moment is asked to cancel it.
   */
  private withdraw(lane: Queue, id: string): void {
    const reason = 'the API answered 503 before Redis confirmed the run';
    lane
      .remove(id)
      .then(async (removed) => {
        if (removed === 1) this.logger?.warn({ runId: id }, 'late add withdrawn after a 503');
        else if ((await lane.getJobState(id)) === 'active') {
          await requestCancel(this.redis, id, reason);
          this.logger?.warn({ runId: id }, 'late add already started after a 503: cancel requested');
        }
      })
      .catch((error: Error) =>
        this.logger?.error(
          { err: error, runId: id },
          'could not withdraw a run answered with 503: if it exists, DELETE /runs/:id cancels it',
        ),
      );
  }

  /**
   * The run's job and its state. The state is read first and the job after it, so a run that ends
   * in between is never shown as failed without the reason its fresher job record carries.
   */
  private async find(id: string): Promise<{ job: Job; queue: Queue; state: JobState } | undefined> {
    for (const queue of this.lanes.values()) {
      const state = await timed(queue.getJobState(id), 'to look up the run');
      if (state === 'unknown') continue;
      const job = await timed(queue.getJob(id), 'to look up the run');
      if (job) return { job: job as Job, queue, state };
    }
    return undefined;
  }

  private async view(job: Job, queue: Queue, knownState?: JobState | 'unknown'): Promise<RunView> {
    const bullState = knownState ?? (await job.getState());
    const state = stateOf(bullState, job);
    const data = RunJobData.safeParse(job.data);
    const d = data.success ? data.data : (job.data as RunJobData);
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
    const publish = await this.publishView(job.id!);
    if (publish) {
      view.publish = publish;
      const artifacts = publish.receipts?.artifacts;
      if (artifacts)
        view.artifacts = {
          cid: artifacts.cid,
          store: artifacts.store,
          ...(artifacts.url ? { url: artifacts.url } : {}),
        };
    }
    return view;
  }

  private async publishView(runId: string): Promise<PublishView | undefined> {
    if (!this.publishQueue) return undefined;
    const job = await timed(this.publishQueue.getJob(publishJobId(runId)), 'for the publish state');
    if (!job) return undefined;
    const bullState = await job.getState();
    const receipts = (job.returnvalue ?? (typeof job.progress === 'object' ? job.progress : undefined)) as
      | PublishReceipts
      | undefined;
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
      ...(receipts && typeof receipts === 'object' ? { receipts } : {}),
      ...(job.failedReason ? { failedReason: job.failedReason } : {}),
    };
  }

  /** Publishes a finished run again: the sinks that have not confirmed it are tried once more. */
  async publish(id: string): Promise<{ id: string; publish: { id: string; state: string } }> {
    if (!this.publishQueue) throw new NotFoundError('publishing is not configured');
    const view = await this.get(id);
    if (view.state === 'waiting' || view.state === 'active') {
      throw new ConflictError(`run ${id} is ${view.state}: it is published when it finishes`);
    }
    return {
      id,
      publish: await timed(
        enqueuePublish(this.publishQueue, id, { again: true, force: true }),
        'to queue publishing',
      ),
    };
  }

  async get(id: string): Promise<RunView> {
    const found = await this.find(id);
    if (!found) throw new NotFoundError(`no run ${id}`);
    return this.view(found.job, found.queue, found.state);
  }

  async list(filter: RunFilter): Promise<{ runs: RunView[]; total: number }> {
    const queues = filter.minion
      ? [[filter.minion, this.lane(filter.minion)] as const]
      : [...this.lanes.entries()];
    const types = filter.state ? TYPES_OF[filter.state] : undefined;
    // States that share a BullMQ state (failed vs cancelled) need filtering after the fetch.
    const window =
      filter.state && TYPES_OF[filter.state].length === 1 && filter.state !== 'active'
        ? 1000
        : filter.offset + filter.limit;
    const found: { job: Job; queue: Queue }[] = [];
    let total = 0;
    for (const [, queue] of queues) {
      const wanted = types ?? ALL_TYPES;
      // The prioritised set is ordered by priority, not age: the newest runs of a higher class can
      // lie beyond any window of it, so it is read whole (a lane's waiting runs are few).
      const windowed = wanted.filter((t) => t !== 'prioritized');
      const jobs = [
        ...(windowed.length > 0
          ? ((await timed(queue.getJobs(windowed, 0, window - 1, false), 'to list runs')) as Job[])
          : []),
        ...(wanted.includes('prioritized')
          ? ((await timed(queue.getJobs(['prioritized'], 0, -1, false), 'to list runs')) as Job[])
          : []),
      ];
      for (const job of jobs) if (job) found.push({ job, queue });
      total += await timed(queue.getJobCountByTypes(...(types ?? ALL_TYPES)), 'to count runs');
    }
    found.sort((a, b) => b.job.timestamp - a.job.timestamp);
    let views = await Promise.all(found.map(({ job, queue }) => this.view(job, queue)));
    if (filter.state) {
      views = views.filter((v) => v.state === filter.state);
      if (window === 1000) total = views.length;
    }
    return { runs: views.slice(filter.offset, filter.offset + filter.limit), total };
  }

  async logs(id: string, start: number, end: number): Promise<{ logs: string[]; count: number }> {
    const found = await this.find(id);
    if (!found) throw new NotFoundError(`no run ${id}`);
    return timed(readRunLog(found.queue, id, start, end), 'to read the run log');
  }

  /** Cancels a run: a waiting one is removed; an active one is aborted by its worker. */
  async cancel(
    id: string,
    reason: string,
  ): Promise<
    { id: string; state: 'cancelled' | 'cancelling' } | { id: string; state: RunState; finished: true }
  > {
    const found = await this.find(id);
    if (!found) throw new NotFoundError(`no run ${id}`);
    const state = stateOf(found.state, found.job);
    if (state === 'waiting') {
      // Remembered first, so a worker that takes the run at this very moment aborts it.
      await requestCancel(this.redis, id, reason);
      try {
        await found.job.remove();
        return { id, state: 'cancelled' };
      } catch {
        return { id, state: 'cancelling' };
      }
    }
    if (state === 'active') {
      await requestCancel(this.redis, id, reason);
      return { id, state: 'cancelling' };
    }
    // Marked apart: a run that already ended cancelled must not read as "cancelled just now".
    return { id, state, finished: true };
  }

  private selected(minion?: string): Queue[] {
    return minion ? [this.lane(minion)] : [...this.lanes.values()];
  }

  async drain(minion?: string): Promise<{ removed: number }> {
    let removed = 0;
    for (const queue of this.selected(minion)) {
      removed += (await timed(drainLane(queue), 'to drain the queue')).removed;
    }
    return { removed };
  }

  async pause(minion?: string): Promise<void> {
    for (const queue of this.selected(minion)) await timed(queue.pause(), 'to pause the queue');
  }

  async resume(minion?: string): Promise<void> {
    for (const name of minion ? [minion] : [...this.lanes.keys()]) {
      await timed(this.lane(name).resume(), 'to resume the queue');
      // Resumed by hand, a lane a worker paused for a machine problem (a full disk) is taken as fixed.
      await timed(clearLaneProblem(this.redis, name), 'to resume the queue');
    }
  }

  async lanesStatus(): Promise<LaneStatus[]> {
    return Promise.all(
      this.minions.map(async (minion) => {
        const queue = this.lane(minion.name);
        const [counts, paused, active, problem] = await Promise.all([
          timed(
            queue.getJobCounts('waiting', 'prioritized', 'delayed', 'active', 'completed', 'failed'),
            'to count runs',
          ),
          timed(queue.isPaused(), 'for the lane state'),
          timed(queue.getActive(0, 0), 'for the active run'),
          timed(laneProblem(this.redis, minion.name), 'for the lane state'),
        ]);
        return {
          minion: minion.name,
          kind: minion.kind,
          labels: minion.labels,
          paused,
          problem,
          activeRun: active[0]?.id ?? null,
          waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
          active: counts.active ?? 0,
          completed: counts.completed ?? 0,
          failed: counts.failed ?? 0,
        };
      }),
    );
  }

  /** The lanes a worker paused for a machine problem (a full or read-only disk), with the reason. */
  async laneProblems(): Promise<(LaneProblem & { minion: string })[]> {
    const found = await Promise.all(
      this.minions.map(async (m) => {
        const problem = await timed(laneProblem(this.redis, m.name), 'for the lane state');
        return problem ? { minion: m.name, ...problem } : undefined;
      }),
    );
    return found.filter((p) => p !== undefined);
  }

  async ping(): Promise<void> {
    try {
      await timed(this.redis.ping(), 'PING', 2000);
    } catch (cause) {
      throw new UnavailableError(
        `Redis is not reachable (${this.redis.status}): ${(cause as Error).message}`,
        { cause },
      );
    }
  }
}
