import { Writable } from 'node:stream';
import { createLogger } from '@benchrunner/core';
import { waitFor } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { AUTH, type Harness, json, startHarness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** A request that must answer within `ms`: a hanging API fails the test instead of the timeout. */
async function timed(
  path: string,
  init: RequestInit = {},
  ms = 3000,
): Promise<{ response: Response; elapsed: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${init.method ?? 'GET'} ${path} did not answer within ${ms} ms`)),
      ms,
    );
  });
  try {
    const response = await Promise.race([h.call(path, init), timeout]);
    return { response, elapsed: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

const postRun = (commit: string) =>
  timed(
    '/runs',
    { method: 'POST', body: JSON.stringify({ commit }), headers: { 'content-type': 'application/json' } },
    7000,
  );

describe('Redis stopped while the API runs', () => {
  it('answers 503 with a reason, never hangs, recovers, and keeps accepted runs', async () => {
    const accepted: string[] = [];
    for (const commit of ['1111111', '2222222', '3333333']) {
      const { response } = await postRun(commit);
      expect(response.status).toBe(202);
      accepted.push((await json(response)).id);
    }
    expect((await timed('/ready')).response.status).toBe(200);

    await h.redis.stop();

    const ready = await timed('/ready');
    expect(ready.response.status).toBe(503);
    expect(ready.response.headers.get('retry-after')).toBe('5');
    const readyBody = await json(ready.response);
    expect(readyBody.error.code).toBe('unavailable');
    expect(readyBody.error.message).toMatch(/Redis/);

    const post = await postRun('4444444');
    expect(post.response.status).toBe(503);
    const postBody = await json(post.response);
    expect(postBody.error.code).toBe('unavailable');
    expect(postBody.error.message.length).toBeGreaterThan(10);

    // Every route that touches Redis answers 503 too, each in time.
    for (const [method, path] of [
      ['GET', '/runs'],
      ['GET', `/runs/${accepted[0]}`],
      ['GET', `/runs/${accepted[0]}/logs`],
      ['DELETE', `/runs/${accepted[0]}`],
      ['POST', '/queue/pause'],
      ['POST', '/queue/drain'],
      ['GET', '/minions'],
    ] as const) {
      const { response, elapsed } = await timed(path, { method });
      expect(response.status, `${method} ${path}`).toBe(503);
      expect((await json(response)).error.code, `${method} ${path}`).toBe('unavailable');
      expect(elapsed, `${method} ${path}`).toBeLessThan(3000);
    }
    // What needs no Redis still works.
    expect((await timed('/health')).response.status).toBe(200);
    expect((await timed('/benchmarks')).response.status).toBe(200);

    await h.redis.start();

    // ioredis reconnects on its own (backing off up to 2 s).
    await waitFor(async () => (await timed('/ready')).response.status === 200, '/ready to recover', 15_000);
    const again = await postRun('4444444');
    expect(again.response.status).toBe(202);
    const newId = (await json(again.response)).id;

    // AOF kept every run accepted before the stop, in order, and nothing was cancelled or paused.
    const list = await json((await timed('/runs?state=waiting')).response);
    expect(list.total).toBe(4);
    expect(list.runs.map((r: { id: string }) => r.id).sort()).toEqual([...accepted, newId].sort());
    const positions = await Promise.all(
      accepted.map(async (id) => (await json((await timed(`/runs/${id}`)).response)).position),
    );
    expect(positions).toEqual([0, 1, 2]);
    expect(await h.lanes.get('local')!.isPaused()).toBe(false);
  });

  it('answers 503 within seconds when Redis hangs instead of refusing', async () => {
    const info = await h.connection.info('server');
    const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
    expect(pid).toBeGreaterThan(0);
    // A frozen server: connections stay open, nothing answers (like a stuck host or a lost network).
    process.kill(pid, 'SIGSTOP');
    try {
      const ready = await timed('/ready', {}, 4000);
      expect(ready.response.status).toBe(503);
      expect((await json(ready.response)).error.message).toMatch(/Redis/);
      const post = await postRun('5555555');
      expect(post.response.status).toBe(503);
      expect(post.elapsed).toBeLessThan(6000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(async () => (await timed('/ready')).response.status === 200, '/ready to recover', 15_000);
    // The timed-out enqueue may still land once Redis wakes up; a client's retry of the 503 then
    // meets it as a duplicate, so the run is never queued twice.
    const retry = await postRun('5555555');
    expect(retry.response.status).toBe(202);
    const list = await json((await timed('/runs?limit=100')).response);
    expect(list.runs.filter((r: { commit: string }) => r.commit === '5555555')).toHaveLength(1);
  });

  it('logs refused requests as warnings with the reason, not as errors with a stack', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    const app = createApp({
      ...h.deps,
      logger: createLogger({ name: 'api-test', level: 'info', destination }),
    });
    await h.redis.stop();
    try {
      expect((await app.request('/ready')).status).toBe(503);
      const post = await app.request('/runs', {
        method: 'POST',
        headers: { ...AUTH, 'content-type': 'application/json' },
        body: JSON.stringify({ commit: 'abc1234' }),
      });
      expect(post.status).toBe(503);
    } finally {
      await h.redis.start();
    }
    const refused = lines.filter((l) => typeof l.path === 'string');
    expect(refused.map((l) => l.path)).toEqual(['/ready', '/runs']);
    for (const line of refused) {
      expect(line.level, JSON.stringify(line)).toBe(40);
      expect(line.reason).toMatch(/Redis|unavailable|writeable/);
      expect(JSON.stringify(line)).not.toContain('    at ');
    }
    await waitFor(async () => (await h.app.request('/ready')).status === 200, '/ready to recover', 15_000);
  });
});
