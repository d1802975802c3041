import { readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type RedisFixture, startRedis, waitFor } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alive,
  benchStarts,
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
const workers = new Map<number, Worker>();

const start = async () => {
  const worker = await startWorker(fixture, redis.url);
  workers.set(worker.pid, worker);
  return worker;
};
/** SIGKILL of the worker whose benchmark process is `ppid`'s child. */
const killWorker = async (pid: number) => {
  const worker = workers.get(pid);
  expect(worker, `the benchmark's parent ${pid} is one of our workers`).toBeDefined();
  worker!.child.kill('SIGKILL');
  await waitFor(
    () => worker!.child.exitCode !== null || worker!.child.signalCode !== null,
    'the worker to die',
    10_000,
  );
  workers.delete(pid);
};

/** Local temp folders of the run left anywhere: the system's temp folder or a dead worker's under DATA_DIR/tmp. */
const leftTmp = async (runId: string) => [
  ...(await readdir(os.tmpdir())).filter((n) => n.startsWith(`benchrunner-${runId}-`)),
  ...(await readdir(path.join(fixture.dataDir, 'tmp')).catch(() => [])).filter(
    (n) => !workers.has(Number(n.slice('worker-'.length))),
  ),
];

const manifestOf = (id: string) => readManifest(fixture, id);

beforeAll(async () => {
  [redis, fixture] = await Promise.all([startRedis(), createFixture()]);
  lane = openLane(redis.url);
  await Promise.all([start(), start()]);
});

afterAll(async () => {
  await Promise.all([...workers.values()].map((w) => w.stop(2000)));
  await lane?.close();
  if (fixture) await killRecorded(fixture);
  await redis?.close();
  await fixture?.cleanup();
});

describe('SIGKILL of the worker in the middle of a run', () => {
  it('retries the run once on the surviving worker, which first kills what the dead one left', async () => {
    const id = await enqueue(lane.queue, ['first-slow']);
    const first = await waitForBench(fixture, id, 1);
    expect(alive(first.pid)).toBe(true);
    await killWorker(first.ppid);
    // The benchmark leads its own process group: it outlives its worker until someone kills it.
    expect(alive(first.pid)).toBe(true);

    expect(await waitForState(lane.queue, id, ['completed', 'failed'])).toBe('completed');
    const job = await lane.queue.getJob(id);
    expect(job?.attemptsStarted).toBe(2);
    expect(job?.returnvalue?.state).toBe('completed');
    const second = await waitForBench(fixture, id, 2);
    expect(second.ppid).not.toBe(first.ppid);
    expect(alive(first.pid)).toBe(false);

    // The retry's log (the job's and the archive's) starts with the cleanup of the killed attempt.
    const { logs } = await lane.queue.getJobLogs(id);
    const text = logs.join('\n');
    expect(text).toContain('--- step cleanup');
    expect(text).toMatch(/killed [1-9]\d* process group\(s\) left by an earlier run/);
    expect(text.indexOf('--- step cleanup')).toBeLessThan(text.indexOf('killed'));
    const stdoutLog = await readFile(path.join(fixture.dataDir, 'runs', id, 'stdout.log'), 'utf8');
    expect(stdoutLog).toContain('=== attempt 2');
    expect(stdoutLog).toMatch(/=== attempt 2[\s\S]*--- step cleanup\nkilled [1-9]\d* process group/);
    const manifest = await manifestOf(id);
    expect(manifest).toMatchObject({ state: 'completed', attempt: 2 });
    // The killed attempt's temp folder went with the retry's start.
    expect(await leftTmp(id)).toEqual([]);

    await waitFor(async () => (await lane.queue.getActiveCount()) === 0, 'no active run', 30_000);
  });

  it('fails the run with the stall reason when its worker is killed twice; the next run cleans up', async () => {
    const id = await enqueue(lane.queue, ['slow']);
    const first = await waitForBench(fixture, id, 1);
    await killWorker(first.ppid);
    await start();
    const second = await waitForBench(fixture, id, 2);
    await killWorker(second.ppid);
    await start();

    expect(await waitForState(lane.queue, id, ['completed', 'failed'])).toBe('failed');
    const job = await lane.queue.getJob(id);
    expect(job?.failedReason).toBe('job stalled more than allowable limit');
    expect(job?.stalledCounter).toBe(2);
    // BullMQ counts the failing stall check as a start; the benchmark itself ran exactly twice.
    expect((await benchStarts(fixture)).filter((s) => s.run === id)).toHaveLength(2);
    // The archive says what the queue says, and the run is published like any finished one.
    await waitFor(
      async () => (await manifestOf(id)).state === 'failed',
      'the manifest of the stalled run to be settled',
      30_000,
    );
    expect(await manifestOf(id)).toMatchObject({ error: 'job stalled more than allowable limit' });
    expect((await manifestOf(id)).finishedAt).toBeDefined();
    expect(await leftTmp(id)).toEqual([]);
    await waitFor(async () => (await lane.queue.getActiveCount()) === 0, 'no active run', 30_000);

    // Nothing cleaned the second attempt's benchmark yet; the next run's cleanup step does.
    const next = await enqueue(lane.queue, ['quick']);
    expect(await waitForState(lane.queue, next, ['completed', 'failed'])).toBe('completed');
    expect(alive(first.pid)).toBe(false);
    expect(alive(second.pid)).toBe(false);
    const { logs } = await lane.queue.getJobLogs(next);
    expect(logs.join('\n')).toMatch(
      /--- step cleanup\nkilled [1-9]\d* process group\(s\) left by an earlier run/,
    );
    await waitFor(async () => (await lane.queue.getActiveCount()) === 0, 'no active run', 30_000);
  });
});
