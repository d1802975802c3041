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
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  [redis, fixture] = await Promise.all([startRedis(), createFixture()]);
  lane = openLane(redis.url);
});

afterAll(async () => {
  for (const w of workers) if (alive(w.pid)) process.kill(w.pid, 'SIGCONT');
  await Promise.all(workers.map((w) => w.stop(2000)));
  await lane?.close();
  if (fixture) await killRecorded(fixture);
  await redis?.close();
  await fixture?.cleanup();
});

describe('a worker that loses its Redis lock (SIGSTOP longer than LOCK_DURATION_MS)', () => {
  it('fails nothing: the stalled run and the runs behind it wait for the minion, the stopped worker gives its run up', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    const slow = await enqueue(lane.queue, ['first-slow']);
    const first = await waitForBench(fixture, slow, 1);
    const stopped = first.ppid === a.pid ? a : b;
    const other = stopped === a ? b : a;
    const quick: string[] = [];
    for (let i = 0; i < 6; i++) quick.push(await enqueue(lane.queue, ['quick']));

    process.kill(stopped.pid, 'SIGSTOP');
    try {
      await lostLock(slow, stopped, other, quick, first.pid);
    } finally {
      process.kill(stopped.pid, 'SIGCONT');
      await Promise.all([a.stop(10_000), b.stop(10_000)]);
    }
  }, 240_000);
});

async function lostLock(slow: string, stopped: Worker, other: Worker, quick: string[], firstPid: number) {
  const t0 = Date.now();
  // The other worker takes the stalled run and finds the minion locked by the stopped one's flock.
  await waitFor(
    async () => ((await lane.queue.getJob(slow))?.stalledCounter ?? 0) >= 1,
    'the stall check to free the stopped worker’s run',
    60_000,
  );
  const freedMs = Date.now() - t0;
  // Long enough for the waiting worker to give up on the flock and put runs back at least once.
  await sleep(8000);
  expect(await lane.queue.getJobCountByTypes('failed')).toBe(0);
  process.kill(stopped.pid, 'SIGCONT');

  for (const id of [slow, ...quick]) {
    expect(await waitForState(lane.queue, id, ['completed', 'failed'], 120_000), `run ${id}`).toBe(
      'completed',
    );
  }
  expect(await lane.queue.getJobCountByTypes('failed')).toBe(0);
  // The stopped worker's benchmark was killed when it gave the run up; the run ran again to the end.
  expect(alive(firstPid)).toBe(false);
  const slowJob = await lane.queue.getJob(slow);
  expect(slowJob?.returnvalue?.state).toBe('completed');
  expect((await manifestOf(slow)).state).toBe('completed');
  for (const id of quick) expect((await manifestOf(id)).state).toBe('completed');
  // Only one worker reported the slow run finished.
  const finished = [stopped, other]
    .flatMap((w) => w.output().split('\n'))
    .filter((l) => l.includes(`"runId":"${slow}"`) && l.includes('"msg":"run finished"'));
  expect(finished).toHaveLength(1);
  expect(stopped.output()).toContain('lock lost');
  expect(other.output()).toMatch(/minion busy/);
  process.stderr.write(`lock-lost: stalled run freed ${freedMs} ms after SIGSTOP (LOCK_DURATION_MS 5000)\n`);
}

describe('a Redis outage longer than the lock during a run', () => {
  it('ends with the run completed once, in the queue and in the manifest', async () => {
    const [a, b] = await Promise.all([start(), start()]);
    try {
      const id = await enqueue(lane.queue, ['first-slow']);
      const first = await waitForBench(fixture, id, 1);
      await redis.stop();
      await sleep(12_000);
      await redis.start();
      expect(await waitForState(lane.queue, id, ['completed', 'failed'], 120_000)).toBe('completed');
      expect((await lane.queue.getJob(id))?.returnvalue?.state).toBe('completed');
      expect((await manifestOf(id)).state).toBe('completed');
      expect(alive(first.pid)).toBe(false);
      const finished = [a, b]
        .flatMap((w) => w.output().split('\n'))
        .filter((l) => l.includes(`"runId":"${id}"`) && l.includes('"msg":"run finished"'));
      expect(finished).toHaveLength(1);
    } finally {
      await Promise.all([a.stop(10_000), b.stop(10_000)]);
    }
  }, 180_000);
});

describe('graceful requeues', () => {
  it('two SIGTERM requeues in a row do not use up the stall budget; the manifest says waiting meanwhile', async () => {
    const id = await enqueue(lane.queue, ['twice-slow']);
    for (const attempt of [1, 2]) {
      const worker = await start({ SHUTDOWN_GRACE_SECONDS: '1' });
      const bench = await waitForBench(fixture, id, attempt);
      expect(bench.ppid).toBe(worker.pid);
      worker.child.kill('SIGTERM');
      expect(await waitForExit(worker.child, 30_000)).toBe(0);
      expect(['delayed', 'waiting', 'prioritized']).toContain(await lane.queue.getJobState(id));
      const manifest = await manifestOf(id);
      expect(manifest.state).toBe('waiting');
      expect(manifest.finishedAt).toBeUndefined();
    }
    const last = await start();
    expect(await waitForState(lane.queue, id, ['completed', 'failed'])).toBe('completed');
    const job = await lane.queue.getJob(id);
    expect(job?.failedReason ?? '').toBe('');
    expect((await manifestOf(id)).state).toBe('completed');
    await last.stop(10_000);
  }, 180_000);
});
