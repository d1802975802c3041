import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  createTestDatabase,
  type RedisFixture,
  type Started,
  startRedis,
  type TestDatabase,
  waitFor,
} from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  createFixture,
  enqueue,
  type Fixture,
  killRecorded,
  openLane,
  startApi,
  startWorker,
  waitForState,
} from './fixtures.ts';

// A real small file system as DATA_DIR: a 1 MiB tmpfs, filled up, then remounted read-only.

let redis: RedisFixture;
let fixture: Fixture;
let lane: ReturnType<typeof openLane>;
let disk: string;
let mounted = false;
let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
let api: (Started & { url: string }) | undefined;
let results: TestDatabase | undefined;

const mount = (...args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });

async function get(route: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${api!.url}${route}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
const localLane = async () =>
  ((await get('/minions')).body.minions as { minion: string; paused: boolean; problem: unknown }[])[0]!;

/** Fills the file system with 4 KiB writes until it refuses one. */
async function fill(file: string): Promise<void> {
  const chunk = Buffer.alloc(4096, 1);
  for (;;) {
    try {
      await appendFile(file, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
      throw error;
    }
  }
}

beforeAll(async () => {
  [redis, fixture] = await Promise.all([startRedis(), createFixture()]);
  lane = openLane(redis.url);
  disk = path.join(fixture.dir, 'disk');
  await mkdir(disk);
  mount('-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', disk);
  mounted = true;
  const dataDir = path.join(disk, 'data');
  // The results history lives off the small disk: a SQLite file held open for writing there would
  // make the read-only remount below refuse with "mount point is busy".
  results = await createTestDatabase();
  worker = await startWorker({ ...fixture, dataDir }, redis.url, { DATABASE_URL: results.url });
  api = await startApi(fixture, redis.url, { NIGHTLY_ENABLED: 'false' });
});

afterAll(async () => {
  await worker?.stop(5000);
  await api?.stop(5000);
  await lane?.close();
  if (fixture) await killRecorded(fixture);
  if (mounted) mount('-o', 'remount,rw', disk);
  if (mounted) execFileSync('umount', [disk]);
  await redis?.close();
  await results?.drop();
  await fixture?.cleanup();
});

/** Enqueues runs while the disk cannot take them: none fails, the lane pauses with `code`, the runs stay. */
async function refused(code: string): Promise<string[]> {
  const ids = [await enqueue(lane.queue, ['quick']), await enqueue(lane.queue, ['quick'])];
  await waitFor(async () => (await localLane()).paused, `the lane to pause for ${code}`, 60_000);
  expect((await localLane()).problem).toMatchObject({ code });
  expect((await get('/ready')).body).toMatchObject({
    status: 'degraded',
    lanes: [{ minion: 'local', code }],
  });
  // Give a worker that fails runs time to fail them all.
  await new Promise((r) => setTimeout(r, 3000));
  expect(await lane.queue.getJobCountByTypes('failed')).toBe(0);
  for (const id of ids) expect(await lane.queue.getJobState(id)).not.toMatch(/failed|completed/);
  return ids;
}

async function recovered(ids: string[]): Promise<void> {
  for (const id of ids)
    expect(await waitForState(lane.queue, id, ['completed', 'failed'], 90_000)).toBe('completed');
  expect(await localLane()).toMatchObject({ paused: false, problem: null });
  expect((await get('/ready')).body).toEqual({ status: 'ready' });
}

describe('the controller’s disk cannot take a run', () => {
  it('full (ENOSPC): the lane pauses with the reason, keeps the runs, and resumes once there is room', async () => {
    const filler = path.join(disk, 'filler');
    await fill(filler);
    const ids = await refused('ENOSPC');
    expect(worker?.output()).toMatch(/lane paused: the machine cannot take runs/);
    await rm(filler);
    await recovered(ids);
  }, 180_000);

  it('read-only (EROFS): the same, until it is writable again', async () => {
    mount('-o', 'remount,ro', disk);
    const ids = await refused('EROFS');
    mount('-o', 'remount,rw', disk);
    await recovered(ids);
  }, 180_000);
});
