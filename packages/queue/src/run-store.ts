import {
  type Logger,
  type Minion,
  NotFoundError,
  newRunId,
  type RunJobData,
  type RunState,
  UnavailableError,
} from '@benchrunner/core';
import type { Job, JobState, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { requestCancel } from './cancel.ts';
import { claimDelivery, recordDelivery, releaseDelivery } from './deliveries.ts';
import { type Enqueued, enqueueRun } from './enqueue.ts';
import {
  clearLaneProblem,
  drainLane,
  type LaneProblem,
  type LaneStatus,
  laneProblem,
  openLanes,
} from './lanes.ts';
import { enqueueLostRun, enqueuePublish, enqueueStatusNews, type StatusNewsJobData } from './publish.ts';
import { readRunLog } from './run-log.ts';
import { ALL_TYPES, runStateOf, TYPES_OF } from './run-state.ts';
import { type PublishView, type RunView, readPublishView, readRunView } from './run-view.ts';

export interface RunFilter {
  state?: RunState;
  minion?: string;
  limit: number;
  offset: number;
}

export interface RunStoreOptions {
  /** One lane each; the first is the default minion. */
  minions: readonly Minion[];
  /** The connection of every lane and of the store's own keys (cancel requests, lane problems). */
  connection: Redis;
  /** Unset: runs show no publish state and cannot be published again. */
  publishQueue?: Queue;
  logger?: Logger;
}

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

/** The request conflicts with the run's state. */
export class ConflictError extends Error {
  override name = 'ConflictError';
}

/**
 * Where a run's state is kept: the lanes (a BullMQ queue per minion, built here once) and the
 * publish queue. Reads a run's view, lists, cancels and publishes runs, and maintains the lanes.
 */
export class RunStore {
  /** The lane of each minion, by name. */
  readonly lanes: ReadonlyMap<string, Queue>;
  private readonly minions: readonly Minion[];
  private readonly redis: Redis;
  private readonly publishQueue: Queue | undefined;
  private readonly logger: Logger | undefined;

  constructor(options: RunStoreOptions) {
    this.minions = options.minions;
    this.redis = options.connection;
    this.publishQueue = options.publishQueue;
    this.logger = options.logger;
    this.lanes = openLanes(options.minions, options.connection);
  }

  get defaultMinion(): string {
    return this.minions[0]!.name;
  }

  hasMinion(name: string): boolean {
    return this.lanes.has(name);
  }

  /** Closes the lanes (not the connection, nor the publish queue, which the caller gave). */
  async close(): Promise<void> {
    await Promise.all([...this.lanes.values()].map((lane) => lane.close()));
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
    return readRunView(job, queue, knownState ?? (await job.getState()), (runId) => this.publishView(runId));
  }

  private async publishView(runId: string): Promise<PublishView | undefined> {
    if (!this.publishQueue) return undefined;
    return timed(readPublishView(this.publishQueue, runId), 'for the publish state');
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
    const state = runStateOf(found.state, found.job);
    if (state === 'waiting') {
      // Remembered first, so a worker that takes the run at this very moment aborts it.
      await requestCancel(this.redis, id, reason);
      try {
        await found.job.remove();
      } catch {
        return { id, state: 'cancelling' };
      }
      await this.lost([{ id, data: found.job.data }], `cancelled while waiting: ${reason}`);
      return { id, state: 'cancelled' };
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
      const drained = await timed(drainLane(queue), 'to drain the queue');
      removed += drained.removed;
      await this.lost(drained.probes, 'removed while waiting: the lane was drained');
    }
    return { removed };
  }

  /**
   * Hands regression status changes made here (detection on demand) to the worker, whose listeners
   * send alerts, rewrite annotations and start confirmations. False when this store has no publish
   * queue (nothing would take them).
   */
  async statusNews(news: StatusNewsJobData): Promise<boolean> {
    if (!this.publishQueue) return false;
    await timed(enqueueStatusNews(this.publishQueue, news), 'to queue the status changes');
    return true;
  }

  /**
   * Runs that left their lane before they ran: those made for a confirmation or a bisection go to
   * the worker (a `lost` job on the publish queue), as what waits for them would wait forever.
   */
  private async lost(runs: readonly { id: string; data: unknown }[], reason: string): Promise<void> {
    for (const run of runs) {
      if (!this.publishQueue || !(run.data as { probe?: unknown } | undefined)?.probe) continue;
      try {
        await timed(
          enqueueLostRun(this.publishQueue, { runId: run.id, data: run.data, reason }),
          'to queue the news of a removed run',
        );
      } catch (error) {
        // The run is gone either way; what waited for it stays as it was, and the log says so.
        this.logger?.error({ err: error, runId: run.id }, 'could not tell the worker of a removed probe run');
      }
    }
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
