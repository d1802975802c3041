import { type RedisFixture, type Started, startRedis } from '@benchrunner/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFixture, type Fixture, openLane, startApi as startFixtureApi } from './fixtures.ts';

// The API's daily scheduler seen from the lane the workers consume: it lives here with the other
// multi-process tests of the lane.

let redis: RedisFixture;
let fixture: Fixture;
const apis: Started[] = [];

beforeAll(async () => {
  [redis, fixture] = await Promise.all([startRedis(), createFixture()]);
});

afterAll(async () => {
  await Promise.all(apis.map((a) => a.stop(2000)));
  await redis?.close();
  await fixture?.cleanup();
});

async function startApi(env: Record<string, string> = {}): Promise<Started> {
  const api = await startFixtureApi(fixture, redis.url, env);
  apis.push(api);
  return api;
}

it('three API processes starting at once leave one daily scheduler and one pending run; NIGHTLY_ENABLED=false removes them', async () => {
  await Promise.all([startApi(), startApi(), startApi()]);
  const lane = openLane(redis.url);
  try {
    const schedulers = await lane.queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]?.key).toBe('nightly');
    expect(schedulers[0]?.pattern).toBe('0 3 * * *');
    const counts = await lane.queue.getJobCounts('delayed', 'waiting', 'prioritized', 'active');
    expect(counts).toEqual({ delayed: 1, waiting: 0, prioritized: 0, active: 0 });
    const [job] = await lane.queue.getDelayed();
    expect(job?.data).toMatchObject({ commit: 'main', priority: 'nightly', minion: 'local' });

    await startApi({ NIGHTLY_ENABLED: 'false' });
    expect(await lane.queue.getJobSchedulers()).toHaveLength(0);
    expect(await lane.queue.getDelayedCount()).toBe(0);
  } finally {
    await lane.close();
  }
});
