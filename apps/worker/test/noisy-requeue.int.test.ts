import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LOCAL_MINION, type RunJobData, RunManifest } from '@benchrunner/core';
import { cancelRequested, createRedis, enqueueRun } from '@benchrunner/queue';
import { LocalRunner } from '@benchrunner/ssh';
import { type RedisFixture, startRedis, waitFor } from '@benchrunner/testing';
import type { Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ActiveRuns } from '../src/active-runs.ts';
import { type Lane, startLane } from '../src/lane.ts';
import { silentLogger, writeTinySuite } from './helpers-publish.ts';

let redis: RedisFixture;
let connection: Redis;
let root: string;
let suiteFile: string;
let lane: Lane;
const finished: Job[] = [];

/** The tiny suite with a noise check no machine passes (any CV above 0.0001 %): every run is noisy. */
async function writeSuite(noise: string): Promise<void> {
  await writeFile(
    suiteFile,
    `project: requeue-test\nnoise: ${noise}\nbenchmarks:\n  - {name: add, command: [node, bench.mjs]}\n`,
  );
}

const nightly = (kind: 'schedule' | 'api' = 'schedule'): RunJobData => ({
  commit: 'main',
  benchmarks: [],
  profile: false,
  minion: 'local',
  priority: kind === 'schedule' ? 'nightly' : 'manual',
  trigger: { kind, detail: kind === 'schedule' ? { scheduler: 'nightly' } : {} },
});

async function manifestOf(id: string): Promise<RunManifest> {
  return RunManifest.parse(JSON.parse(await readFile(path.join(root, 'runs', id, 'manifest.json'), 'utf8')));
}

/** Waits until `count` runs finished, then checks nothing else is queued on the lane. */
async function finishedRuns(count: number): Promise<Job[]> {
  await waitFor(() => finished.length >= count, `${count} runs to finish`, 120_000);
  expect(await lane.queue.getJobCounts('wait', 'prioritized', 'delayed', 'active')).toEqual({
    wait: 0,
    prioritized: 0,
    delayed: 0,
    active: 0,
  });
  return finished.splice(0, count);
}

beforeAll(async () => {
  redis = await startRedis();
  connection = createRedis(redis.url);
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-noisy-requeue-'));
  suiteFile = await writeTinySuite(path.join(root, 'suite'));
  // The worker's own lane, as main.ts starts it: the requeue is part of it.
  lane = await startLane({
    minion: LOCAL_MINION,
    connection,
    logger: silentLogger(),
    lockDurationMs: 30_000,
    deps: {
      suiteFile,
      archiveRoot: path.join(root, 'runs'),
      logger: silentLogger(),
      active: new ActiveRuns(),
      connect: async () => new LocalRunner({ minion: 'local', workDir: path.join(root, 'minion') }),
      cancelRequested: (runId) => cancelRequested(connection, runId),
    },
  });
  lane.worker.on('completed', (job) => finished.push(job));
  lane.worker.on('failed', (job) => job && finished.push(job));
}, 60_000);

afterAll(async () => {
  await lane?.worker.close();
  await lane?.queue.close();
  connection?.disconnect();
  await redis?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

it('queues a noisy nightly run again, linked to it, at most noise.requeue times', async () => {
  await writeSuite('{seconds: 0.1, maxCv: 0.0001, maxShift: 1000, requeue: 2}');
  const { id } = await enqueueRun(lane.queue, nightly());
  const [first, second, third] = await finishedRuns(3);
  expect([first?.id, first?.failedReason]).toEqual([id, undefined]);
  for (const job of [first, second, third]) {
    const manifest = await manifestOf(job!.id!);
    expect([manifest.state, manifest.noisy, manifest.noise?.settings.requeue]).toEqual([
      'completed',
      true,
      2,
    ]);
  }
  expect(second?.data.trigger).toEqual({
    kind: 'schedule',
    detail: { scheduler: 'nightly', requeuedFrom: id, noisyRequeue: '1' },
  });
  expect(third?.data.trigger.detail).toMatchObject({ requeuedFrom: second?.id, noisyRequeue: '2' });
  expect(third?.data.priority).toBe('nightly');
  // And the manifest of the repeat says which run it repeats.
  expect((await manifestOf(third!.id!)).request.trigger.detail.requeuedFrom).toBe(second?.id);
}, 180_000);

it('queues nothing again with requeue: 0, nor for a noisy run that was not a nightly one', async () => {
  await writeSuite('{seconds: 0.1, maxCv: 0.0001, maxShift: 1000, requeue: 0}');
  await enqueueRun(lane.queue, nightly());
  const [off] = await finishedRuns(1);
  expect((await manifestOf(off!.id!)).noisy).toBe(true);

  await writeSuite('{seconds: 0.1, maxCv: 0.0001, maxShift: 1000}');
  await enqueueRun(lane.queue, nightly('api'));
  const [manual] = await finishedRuns(1);
  const manifest = await manifestOf(manual!.id!);
  expect([manifest.noisy, manifest.request.trigger.kind]).toEqual([true, 'api']);
}, 120_000);
