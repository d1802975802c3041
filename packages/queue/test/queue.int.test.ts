import type { RunJobData } from '@benchrunner/core';
import { type RedisFixture, startRedis, waitFor } from '@benchrunner/testing';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cancelRequested, onCancelRequests, requestCancel } from '../src/cancel.ts';
import { connectRedis, createRedis } from '../src/connection.ts';
import { enqueueRun, lanePosition } from '../src/enqueue.ts';
import { drainLane, laneProblem, pauseLaneForProblem, resumeLaneAfterProblem } from '../src/lanes.ts';
import { CANCEL_CHANNEL, NIGHTLY_SCHEDULER_ID, QUEUE_PREFIX } from '../src/names.ts';
import { ensureNightlySchedule, removeNightlySchedule } from '../src/schedules.ts';

let server: RedisFixture;
let redis: Redis;
let queue: Queue;
let lane = 0;

const run = (over: Partial<RunJobData> = {}): RunJobData => ({
  commit: 'abcdef1',
  benchmarks: [],
  profile: false,
  minion: 'local',
  priority: 'manual',
  trigger: { kind: 'api', detail: {} },
  ...over,
});

beforeAll(async () => {
  server = await startRedis();
  redis = createRedis(server.url);
  await connectRedis(redis, server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.close();
});

// A fresh lane per test, so counts never mix.
const freshQueue = () => {
  lane++;
  queue = new Queue(`runs-test${lane}`, { connection: redis, prefix: QUEUE_PREFIX });
  return queue;
};
afterEach(async () => {
  await queue?.close();
});

describe('enqueueRun', () => {
  it('names a probe job after its bisection (what Bull Board lists), and a plain run `run`', async () => {
    const q = freshQueue();
    const plain = await enqueueRun(q, run());
    const probe = await enqueueRun(
      q,
      run({ priority: 'bisect', probe: { kind: 'bisection', bisection: 'b42', regression: 'r1' } }),
    );
    expect((await q.getJob(plain.id))?.name).toBe('run');
    expect((await q.getJob(probe.id))?.name).toBe('run (bisection b42)');
  });

  it('answers a duplicate of a waiting run with its id', async () => {
    const q = freshQueue();
    const first = await enqueueRun(q, run());
    const again = await enqueueRun(q, run({ priority: 'ci', trigger: { kind: 'github', detail: {} } }));
    const other = await enqueueRun(q, run({ commit: 'abcdef2' }));
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ id: first.id, duplicate: true });
    expect(other.duplicate).toBe(false);
    expect(other.id).not.toBe(first.id);
    expect(await q.count()).toBe(2);
    // What Redis holds is the first request, not the duplicate's data.
    const job = await q.getJob(first.id);
    expect(job?.data.priority).toBe('manual');
  });

  it('moves a waiting run up when its duplicate is asked for more urgently', async () => {
    const q = freshQueue();
    const nightly = await enqueueRun(q, run({ priority: 'nightly' }));
    const ci = await enqueueRun(q, run({ commit: 'abcdef9', priority: 'ci' }));
    expect(await lanePosition(q, nightly.id)).toBe(1);
    const manual = await enqueueRun(q, run({ priority: 'manual' }));
    expect(manual).toMatchObject({ id: nightly.id, duplicate: true, position: 0 });
    expect(await lanePosition(q, ci.id)).toBe(1);
    const job = await q.getJob(nightly.id);
    expect(job?.priority).toBe(1);
    expect(job?.data.priority).toBe('manual');
    // A less urgent duplicate changes nothing.
    await enqueueRun(q, run({ priority: 'nightly' }));
    expect((await q.getJob(nightly.id))?.priority).toBe(1);
  });

  it('merges concurrent identical requests into one run', async () => {
    const q = freshQueue();
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => enqueueRun(q, run({ commit: 'main' }))),
    );
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    expect(await q.count()).toBe(1);
  });

  it('queues a new run once the identical one has started', async () => {
    const q = freshQueue();
    const first = await enqueueRun(q, run());
    let release!: () => void;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const connection = createRedis(server.url);
    const worker = new Worker(
      q.name,
      async (job) => {
        // What the lane's processor does first.
        await job.removeDeduplicationKey();
        started();
        await new Promise<void>((r) => {
          release = r;
        });
      },
      { connection, prefix: QUEUE_PREFIX },
    );
    try {
      await running;
      const second = await enqueueRun(q, run());
      expect(second.duplicate).toBe(false);
      expect(second.id).not.toBe(first.id);
      // The active run is ahead of it.
      expect(second.position).toBe(1);
    } finally {
      release();
      await worker.close();
      connection.disconnect();
    }
  });
});

describe('lanePosition', () => {
  it('orders waiting runs by priority class, then by arrival', async () => {
    const q = freshQueue();
    const nightly = await enqueueRun(q, run({ commit: 'aaaaaa1', priority: 'nightly' }));
    const ci1 = await enqueueRun(q, run({ commit: 'aaaaaa2', priority: 'ci' }));
    const bisect = await enqueueRun(q, run({ commit: 'aaaaaa3', priority: 'bisect' }));
    const manual = await enqueueRun(q, run({ commit: 'aaaaaa4', priority: 'manual' }));
    const ci2 = await enqueueRun(q, run({ commit: 'aaaaaa5', priority: 'ci' }));
    const positions = await Promise.all(
      [manual, ci1, ci2, bisect, nightly].map((e) => lanePosition(q, e.id)),
    );
    expect(positions).toEqual([0, 1, 2, 3, 4]);
    // The answer of enqueueRun is the position at that moment.
    expect(nightly.position).toBe(0);
    expect(manual.position).toBe(0);
    expect(ci2.position).toBe(2);
  });

  it('answers enqueueRun with the position lanePosition reads right after, counting unprioritised and active runs', async () => {
    const q = freshQueue();
    // An operator's job without priority waits in BullMQ's plain wait list and starts first.
    await q.add('run', run({ commit: 'plain01' }), { jobId: 'rplain000000000001' });
    const answers = [];
    for (const [commit, priority] of [
      ['bbbbbb1', 'nightly'],
      ['bbbbbb2', 'ci'],
      ['bbbbbb3', 'manual'],
      ['bbbbbb4', 'ci'],
      ['bbbbbb5', 'bisect'],
    ] as const) {
      const answer = await enqueueRun(q, run({ commit, priority }));
      expect(answer.position).toBe(await lanePosition(q, answer.id));
      answers.push(answer);
    }
    expect(answers.map((a) => a.position)).toEqual([1, 1, 1, 3, 4]);
    // A run in progress is ahead of every waiting one.
    const connection = createRedis(server.url);
    const worker = new Worker(q.name, null, { connection, prefix: QUEUE_PREFIX, autorun: false });
    try {
      const active = await worker.getNextJob('token-1');
      expect(active?.id).toBe('rplain000000000001');
      const next = await enqueueRun(q, run({ commit: 'bbbbbb6', priority: 'manual' }));
      expect(next.position).toBe(await lanePosition(q, next.id));
      expect(next.position).toBe(2); // behind the active run and manual bbbbbb3
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });

  it('sends the position script beside the add: two scripts per new run, no second read', async () => {
    const q = freshQueue();
    await enqueueRun(q, run({ commit: 'dddddd0' })); // scripts loaded, connection warm
    // Commands a script runs count too: count the scripts themselves (EVAL, EVALSHA).
    const scripts = async () => {
      const stats = (await redis.info('commandstats')).split('\r\n');
      return stats
        .filter((line) => line.startsWith('cmdstat_eval'))
        .reduce((sum, line) => sum + Number(/calls=(\d+)/.exec(line)?.[1] ?? 0), 0);
    };
    const before = await scripts();
    const answer = await enqueueRun(q, run({ commit: 'dddddd1', priority: 'ci' }));
    expect((await scripts()) - before).toBe(2); // the add and the position
    expect(answer.position).toBe(1);
  });

  it('gives concurrent enqueues distinct positions that match the lane', async () => {
    const q = freshQueue();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        enqueueRun(q, run({ commit: `cccc${String(i).padStart(3, '0')}` })),
      ),
    );
    expect(answers.map((a) => a.position).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    for (const answer of answers) expect(answer.position).toBe(await lanePosition(q, answer.id));
  });

  it('is 0 for a run that is not waiting', async () => {
    const q = freshQueue();
    expect(await lanePosition(q, 'rnotthere0000000000')).toBe(0);
  });
});

describe('coalesceWrites', () => {
  it('holds the commands of one turn of the event loop and sends them together, in order', async () => {
    const client = createRedis(server.url, { coalesceWrites: true });
    try {
      await connectRedis(client, server.url);
      const socket = client.stream;
      expect(socket.writableCorked).toBe(0);
      const replies = Promise.all([
        ...Array.from({ length: 50 }, (_, i): Promise<string | number> => client.echo(`m${i}`)),
        client.incr('coalesce-counter'),
      ]);
      // Nothing has left yet: the writes of this turn wait for its check phase.
      expect(socket.writableCorked).toBeGreaterThan(0);
      expect(socket.writableLength).toBeGreaterThan(0);
      const answers = await replies;
      expect(answers.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
      expect(answers[50]).toBe(1);
      expect(socket.writableCorked).toBe(0);
    } finally {
      client.disconnect();
    }
  });

  it('holds for the connection that replaces a lost one', async () => {
    const client = createRedis(server.url, { coalesceWrites: true });
    try {
      await connectRedis(client, server.url);
      const first = client.stream;
      const name = `coalesce-${process.pid}`;
      await client.client('SETNAME', name);
      const ready = new Promise((resolve) => client.once('ready', resolve));
      await redis.call(
        'CLIENT',
        'KILL',
        'SKIPME',
        'yes',
        'TYPE',
        'normal',
        'ADDR',
        `${first.localAddress}:${first.localPort}`,
      );
      await ready;
      expect(client.stream).not.toBe(first);
      const reply = client.echo('again');
      expect(client.stream.writableCorked).toBeGreaterThan(0);
      expect(await reply).toBe('again');
    } finally {
      client.disconnect();
    }
  });
});

describe('nightly schedule', () => {
  it('leaves one scheduler and one pending job whatever the number of concurrent callers', async () => {
    const q = freshQueue();
    const schedule = {
      cron: '0 3 * * *',
      tz: 'UTC',
      template: run({ commit: 'main', priority: 'nightly' as const }),
    };
    await Promise.all(Array.from({ length: 6 }, () => ensureNightlySchedule(q, schedule)));
    await ensureNightlySchedule(q, schedule);
    const schedulers = await q.getJobSchedulers();
    expect(schedulers.map((s) => s.key ?? s.id)).toEqual([NIGHTLY_SCHEDULER_ID]);
    expect(await q.getDelayedCount()).toBe(1);
    const [job] = await q.getDelayed();
    expect(job?.data.commit).toBe('main');
    expect(job?.opts.priority).toBe(4);

    await removeNightlySchedule(q);
    expect(await q.getJobSchedulers()).toHaveLength(0);
    expect(await q.getDelayedCount()).toBe(0);
  });
});

describe('lanes', () => {
  it('drainLane counts the runs it removed, not the nightly job it keeps', async () => {
    const q = freshQueue();
    await ensureNightlySchedule(q, {
      cron: '0 3 * * *',
      tz: 'UTC',
      template: run({ commit: 'main', priority: 'nightly' as const }),
    });
    await enqueueRun(q, run({ commit: 'abcdef3' }));
    await enqueueRun(q, run({ commit: 'abcdef4' }));
    await q.add('run', run({ commit: 'abcdef5' }), { delay: 60_000 });
    expect(await drainLane(q)).toEqual({ removed: 3, probes: [] });
    // The scheduler's pending job stays: the nightly run still comes.
    expect(await q.getDelayedCount()).toBe(1);
    expect((await q.getDelayed())[0]?.data.commit).toBe('main');
    expect(await drainLane(q)).toEqual({ removed: 0, probes: [] });
  });

  it('pauses a lane with the reason of a machine problem and resumes only such a pause', async () => {
    const q = freshQueue();
    const minion = q.name.slice('runs-'.length);
    expect(await laneProblem(redis, minion)).toBeNull();
    await pauseLaneForProblem(q, redis, minion, {
      code: 'ENOSPC',
      reason: 'no space left on /data',
      since: '2026-01-01T00:00:00.000Z',
    });
    expect(await q.isPaused()).toBe(true);
    expect(await laneProblem(redis, minion)).toMatchObject({
      code: 'ENOSPC',
      reason: 'no space left on /data',
    });
    expect(await resumeLaneAfterProblem(q, redis, minion)).toBe(true);
    expect(await q.isPaused()).toBe(false);
    expect(await laneProblem(redis, minion)).toBeNull();
    // An operator's pause has no problem stored: the worker does not lift it.
    await q.pause();
    expect(await resumeLaneAfterProblem(q, redis, minion)).toBe(false);
    expect(await q.isPaused()).toBe(true);
  });
});

describe('cancel requests', () => {
  it('reach a subscriber and stay readable for a worker that missed them', async () => {
    const subscriber = createRedis(server.url);
    const seen: [string, string][] = [];
    const unsubscribe = await onCancelRequests(subscriber, (runId, reason) => seen.push([runId, reason]));
    try {
      // Someone else's message on the channel is ignored, not fatal.
      await redis.publish(CANCEL_CHANNEL, 'not json');
      await redis.publish(CANCEL_CHANNEL, JSON.stringify({ nothing: 1 }));
      await requestCancel(redis, 'rabc', 'user asked');
      await waitFor(() => seen.length > 0, 'the cancel request to reach the subscriber', 5000);
      expect(seen).toEqual([['rabc', 'user asked']]);
      expect(await cancelRequested(redis, 'rabc')).toBe('user asked');
      expect(await cancelRequested(redis, 'rother')).toBeNull();
      expect(await redis.ttl('benchrunner:cancel:rabc')).toBeGreaterThan(0);
    } finally {
      await unsubscribe();
      subscriber.disconnect();
    }
  });
});
