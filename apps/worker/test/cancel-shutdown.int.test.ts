import { requestCancel } from '@benchrunner/queue';
import { type RedisFixture, startRedis, waitFor, waitForExit } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  createFixture,
  enqueue,
  type Fixture,
  killRecorded,
  openLane,
  readManifest,
  startWorker,
  waitForBench,
  waitForState,
} from './fixtures.ts';

type Worker = Awaited<ReturnType<typeof startWorker>>;

let redis: RedisFixture;
let fixture: Fixture;
let lane: ReturnType<typeof openLane>;
const workers: Worker[] = [];

const start = async (env: Record<string, string> = {}) => {
  const worker = await startWorker(fixture, redis.url, env);
  workers.push(worker);
  return worker;
};
const manifestOf = (id: string) => readManifest(fixture, id);

beforeAll(async () => {
  [redis, fixture] = await Promise.all([startRedis(), createFixture()]);
  lane = openLane(redis.url);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop(2000)));
  await lane?.close();
  if (fixture) await killRecorded(fixture);
  await redis?.close();
  await fixture?.cleanup();
});

describe('cancel', () => {
  it('aborts an active run: the job fails as cancelled and no process of the run remains', async () => {
    const worker = await start();
    const id = await enqueue(lane.queue, ['slow']);
    const bench = await waitForBench(fixture, id);
    expect(bench.ppid).toBe(worker.pid);
    await requestCancel(lane.redis, id, 'the test changed its mind');

    expect(await waitForState(lane.queue, id, ['completed', 'failed'], 30_000)).toBe('failed');
    const job = await lane.queue.getJob(id);
    expect(job?.failedReason).toBe('cancelled: the test changed its mind');
    expect((await manifestOf(id)).state).toBe('cancelled');
    expect(alive(bench.pid)).toBe(false);
    expect(await lane.queue.getActiveCount()).toBe(0);

    // The worker goes on with the next run.
    const next = await enqueue(lane.queue, ['quick']);
    expect(await waitForState(lane.queue, next, ['completed', 'failed'])).toBe('completed');
    await worker.stop();
  });
});

describe('graceful shutdown on SIGTERM', () => {
  it('lets the active run finish within a long grace period, then exits 0', async () => {
    const worker = await start({ SHUTDOWN_GRACE_SECONDS: '120' });
    const id = await enqueue(lane.queue, ['medium']);
    await waitForBench(fixture, id);
    worker.child.kill('SIGTERM');
    expect(await waitForExit(worker.child, 60_000)).toBe(0);
    expect(await lane.queue.getJobState(id)).toBe('completed');
    expect((await manifestOf(id)).state).toBe('completed');
    expect(worker.output()).toContain('worker stopped');
  });

  it('requeues the active run after a short grace period; the next worker completes it', async () => {
    const worker = await start({ SHUTDOWN_GRACE_SECONDS: '1' });
    const id = await enqueue(lane.queue, ['first-slow']);
    const bench = await waitForBench(fixture, id);
    worker.child.kill('SIGTERM');
    expect(await waitForExit(worker.child, 30_000)).toBe(0);
    expect(['delayed', 'waiting', 'prioritized']).toContain(await lane.queue.getJobState(id));
    expect(alive(bench.pid)).toBe(false);
    expect(await lane.queue.getActiveCount()).toBe(0);

    await start();
    expect(await waitForState(lane.queue, id, ['completed', 'failed'])).toBe('completed');
    const job = await lane.queue.getJob(id);
    expect(job?.returnvalue?.state).toBe('completed');
    expect((await manifestOf(id)).state).toBe('completed');
    const { logs } = await lane.queue.getJobLogs(id);
    expect(logs.join('\n')).toContain('worker shutting down: the run goes back to the queue');
    await waitFor(async () => (await lane.queue.getActiveCount()) === 0, 'no active run', 10_000);
  });
});
