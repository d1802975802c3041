import { readFile } from 'node:fs/promises';
import { type RedisFixture, type Started, startRedis, waitFor } from '@benchrunner/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFixture, enqueue, type Fixture, openLane, startWorker } from './fixtures.ts';

let redis: RedisFixture;
let fixture: Fixture;
const workers: Started[] = [];

beforeAll(async () => {
  [redis, fixture] = await Promise.all([startRedis(), createFixture({ quickMs: 100 })]);
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.stop(2000)));
  await redis?.close();
  await fixture?.cleanup();
});

it('three worker processes on one lane never run two runs at once, and all ten complete', async () => {
  workers.push(...(await Promise.all([1, 2, 3].map(() => startWorker(fixture, redis.url)))));
  const lane = openLane(redis.url);
  try {
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await enqueue(lane.queue, ['quick']));
    expect(new Set(ids).size).toBe(10);
    await waitFor(async () => (await lane.queue.getCompletedCount()) === 10, 'ten completed runs', 120_000);
    expect(await lane.queue.getFailedCount()).toBe(0);
    expect(await lane.queue.getActiveCount()).toBe(0);

    const intervals = (await readFile(fixture.intervalsFile, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => {
        const [start, end, pid, run] = line.split(' ');
        return { start: BigInt(start!), end: BigInt(end!), pid: Number(pid), run: run! };
      })
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
    expect(intervals).toHaveLength(10);
    expect(new Set(intervals.map((i) => i.run))).toEqual(new Set(ids));
    for (let i = 1; i < intervals.length; i++) {
      const prev = intervals[i - 1]!;
      const cur = intervals[i]!;
      expect(cur.start > prev.end, `run ${cur.run} started before ${prev.run} ended`).toBe(true);
    }
    for (const id of ids) {
      const job = await lane.queue.getJob(id);
      expect(job?.returnvalue?.state).toBe('completed');
    }
  } finally {
    await lane.close();
  }
});
