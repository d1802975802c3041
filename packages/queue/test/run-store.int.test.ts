import { LOCAL_MINION, type RunJobData } from '@benchrunner/core';
import { type RedisFixture, startRedis, waitFor } from '@benchrunner/testing';
import { type Job, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, createRedis } from '../src/connection.ts';
import { laneName, QUEUE_PREFIX } from '../src/names.ts';
import { markCancelled } from '../src/run-state.ts';
import { RunStore } from '../src/run-store.ts';
import { RunView } from '../src/run-view.ts';

let server: RedisFixture;
let redis: Redis;
let store: RunStore;

const run = (tag: string): RunJobData => ({
  commit: 'abcdef1',
  benchmarks: [],
  profile: false,
  minion: 'local',
  tag,
  priority: 'manual',
  trigger: { kind: 'api', detail: {} },
});

beforeAll(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  await connectRedis(redis, server.url);
  store = new RunStore({ minions: [LOCAL_MINION], connection: redis });
});

afterAll(async () => {
  await store?.close();
  redis?.disconnect();
  await server?.close();
});

describe('RunStore', () => {
  it('builds one lane per minion, named as the workers name theirs', () => {
    expect([...store.lanes.keys()]).toEqual(['local']);
    expect(store.lanes.get('local')?.name).toBe(laneName('local'));
  });

  it('reads cancellation from the typed marker, not from the reason, and old jobs by their reason', async () => {
    const ids = {
      // Its reason does not say "cancelled": only the marker does.
      marked: (await store.enqueue(run('marked'))).id,
      failed: (await store.enqueue(run('failed'))).id,
      // As an older worker ended a cancelled run: no marker, "cancelled" as the reason's first word.
      legacy: (await store.enqueue(run('legacy'))).id,
    };
    const worker = new Worker(
      laneName('local'),
      async (job: Job) => {
        const tag = (job.data as RunJobData).tag;
        if (tag === 'marked') {
          await markCancelled(job, 'the operator asked');
          throw new UnrecoverableError('stopped: the operator asked');
        }
        if (tag === 'legacy') throw new UnrecoverableError('cancelled: asked before the marker existed');
        throw new UnrecoverableError('the disk is full');
      },
      { connection: createRedis(server.url), prefix: QUEUE_PREFIX },
    );
    try {
      await waitFor(
        async () => (await store.list({ state: 'failed', limit: 10, offset: 0 })).total === 1,
        'the failed run',
      );
      await waitFor(
        async () => (await store.list({ state: 'cancelled', limit: 10, offset: 0 })).total === 2,
        'both cancelled runs',
      );
    } finally {
      await worker.close();
      await worker.disconnect();
    }
    const marked = await store.get(ids.marked);
    expect(marked).toMatchObject({ state: 'cancelled', failedReason: 'stopped: the operator asked' });
    // The marker stays out of the run's view: the view is the run's request and state.
    expect(RunView.strict().parse(marked)).toEqual(marked);
    expect(marked).not.toHaveProperty('ending');
    expect((await store.get(ids.failed)).state).toBe('failed');
    expect((await store.get(ids.legacy)).state).toBe('cancelled');
    expect(await store.cancel(ids.marked, 'again')).toEqual({
      id: ids.marked,
      state: 'cancelled',
      finished: true,
    });
  });
});
