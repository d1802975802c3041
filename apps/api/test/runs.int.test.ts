import { PRIORITY, type RunSummary } from '@benchrunner/core';
import {
  cancelKey,
  cancelRequested,
  ensureNightlySchedule,
  onCancelRequests,
  RunView as RunViewSchema,
} from '@benchrunner/queue';
import { waitFor } from '@benchrunner/testing';
import type { Job } from 'bullmq';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gate, type Harness, json, startHarness, startLaneWorker } from './harness.ts';

let h: Harness;
/** Cleanups of the current test (workers to close), run even when it fails. */
let cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  h = await startHarness();
});
beforeEach(async () => {
  await h.reset();
});
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});
afterAll(async () => {
  await h?.close();
});

async function enqueue(body: Record<string, unknown>) {
  const response = await h.post('/runs', body);
  expect(response.status, JSON.stringify(body)).toBe(202);
  return json(response);
}

/**
 * Takes the next run of a lane with a real worker that logs, reports progress and then holds the
 * run until `release()`; `finish()` lets it complete and stops the worker without taking another.
 */
async function takeRun(minion = 'local', options: { lines?: string[]; summary?: Partial<RunSummary> } = {}) {
  const hold = gate();
  const ready = gate();
  const { worker, started } = startLaneWorker(h.plainConnection(), minion, async (job: Job) => {
    for (const line of options.lines ?? []) await job.log(line);
    await job.updateProgress({ step: 'benchmarks', percent: 40, benchmark: 'add', message: 'repeat 1 of 3' });
    ready.open();
    await hold.promise;
    const summary: RunSummary = {
      state: 'completed',
      archive: `/data/runs/${job.id}`,
      durationMs: 12,
      benchmarks: [{ name: 'add', status: 'passed', measures: { latency: { value: 1000, unit: 'ns' } } }],
      profiles: 0,
      failed: 0,
      ...options.summary,
    };
    return summary;
  });
  let stopped = false;
  const finish = async () => {
    if (stopped) return;
    stopped = true;
    // Close first, so the worker takes no further run once this one is let go.
    const closing = worker.close();
    hold.open();
    await closing;
  };
  cleanups.push(finish);
  const job = await started;
  await ready.promise;
  await waitFor(
    async () => (await job.getState()) === 'active' && (await h.call(`/runs/${job.id}`)).ok,
    'the run to be active',
  );
  return { job, finish };
}

describe('POST /runs', () => {
  it('answers 202 with the id, state, minion, position and links', async () => {
    const run = await enqueue({ commit: 'abc1234', benchmarks: ['add'] });
    expect(run).toMatchObject({ state: 'waiting', minion: 'local', position: 0, duplicate: false });
    expect(run.id).toMatch(/^r[0-9a-z]+$/);
    expect(run.links).toEqual({ self: `/runs/${run.id}`, logs: `/runs/${run.id}/logs` });
    const job = await h.lanes.get('local')!.getJob(run.id);
    expect(job!.data).toMatchObject({
      commit: 'abc1234',
      benchmarks: ['add'],
      profile: false,
      minion: 'local',
      priority: 'manual',
    });
    expect(job!.data.trigger.kind).toBe('api');
    expect(job!.priority).toBe(PRIORITY.manual);
  });

  it('merges an identical request while the first waits, and not once it is active', async () => {
    const request = { commit: 'abc1234', benchmarks: ['extract', 'add'], tag: 'exp-1' };
    const first = await enqueue(request);
    const second = await enqueue(request);
    expect(second.id).toBe(first.id);
    expect(second.duplicate).toBe(true);
    // Benchmark order does not make a different run.
    const reordered = await enqueue({ ...request, benchmarks: ['add', 'extract'] });
    expect(reordered.id).toBe(first.id);
    // Anything else that differs does.
    for (const other of [
      { ...request, commit: 'abc1235' },
      { ...request, tag: 'exp-2' },
      { ...request, profile: true },
      { ...request, minion: 'other' },
    ]) {
      expect((await enqueue(other)).duplicate, JSON.stringify(other)).toBe(false);
    }
    expect(await h.lanes.get('local')!.count()).toBe(4);

    const { job } = await takeRun('local');
    expect(job.id).toBe(first.id);
    const third = await enqueue(request);
    expect(third.id).not.toBe(first.id);
    expect(third.duplicate).toBe(false);
    const fourth = await enqueue(request);
    expect(fourth).toMatchObject({ id: third.id, duplicate: true });
  });

  it('shows the pending nightly run with the time it joins the lane, not a place in it', async () => {
    const lane = h.lanes.get('local')!;
    await ensureNightlySchedule(lane, {
      cron: '0 3 * * *',
      tz: 'UTC',
      template: {
        commit: 'main',
        benchmarks: [],
        profile: false,
        minion: 'local',
        priority: 'nightly',
        trigger: { kind: 'schedule', detail: {} },
      },
    });
    const [pending] = await lane.getDelayed();
    const view = await json(await h.call(`/runs/${pending!.id}`));
    expect(RunViewSchema.parse(view)).toBeTruthy();
    expect(view).toMatchObject({ state: 'waiting', commit: 'main', priority: 'nightly' });
    expect(view.position).toBeUndefined();
    const due = new Date(view.dueAt);
    expect(due.getTime()).toBeGreaterThan(Date.now());
    expect(due.getTime() - Date.now()).toBeLessThanOrEqual(24 * 3600 * 1000);
    expect([due.getUTCHours(), due.getUTCMinutes(), due.getUTCSeconds()]).toEqual([3, 0, 0]);
    // A run asked for now still gets its place: the scheduled one is not in the lane yet.
    expect((await enqueue({ commit: 'abc1234', priority: 'nightly' })).position).toBe(0);
  });

  it('reports each waiting run its place: manual before ci before nightly', async () => {
    const nightly = await enqueue({ commit: 'aaa1111', priority: 'nightly' });
    expect(nightly.position).toBe(0);
    const manual = await enqueue({ commit: 'bbb2222', priority: 'manual' });
    expect(manual.position).toBe(0);
    const ci = await enqueue({ commit: 'ccc3333', priority: 'ci' });
    expect(ci.position).toBe(1);
    const positions = await Promise.all(
      [manual, ci, nightly].map(async (r) => (await json(await h.call(`/runs/${r.id}`))).position),
    );
    expect(positions).toEqual([0, 1, 2]);
  });

  it('keeps arrival order within a class and counts the active run', async () => {
    const ids: string[] = [];
    for (const commit of ['1111111', '2222222', '3333333']) ids.push((await enqueue({ commit })).id);
    const positions = async () =>
      Promise.all(ids.map(async (id) => (await json(await h.call(`/runs/${id}`))).position));
    expect(await positions()).toEqual([0, 1, 2]);
    await takeRun('local');
    const [active, ...waiting] = await Promise.all(ids.map(async (id) => json(await h.call(`/runs/${id}`))));
    expect(active.state).toBe('active');
    expect(active.position).toBeUndefined();
    // One run is ahead of each: the active one.
    expect(waiting.map((w) => w.position)).toEqual([1, 2]);
    expect((await enqueue({ commit: '4444444' })).position).toBe(3);
  });
});

describe('GET /runs', () => {
  it('filters by state and minion and pages newest first', async () => {
    const first = await enqueue({ commit: '1111111' });
    const { finish } = await takeRun('local');
    await finish();
    await waitFor(
      async () => (await h.lanes.get('local')!.getJobState(first.id)) === 'completed',
      'the first run to complete',
    );
    const locals: string[] = [];
    for (const commit of ['2222222', '3333333', '4444444']) {
      locals.push((await enqueue({ commit })).id);
      await new Promise((r) => setTimeout(r, 2));
    }
    const other = await enqueue({ commit: '5555555', minion: 'other' });

    const all = await json(await h.call('/runs'));
    expect(all.total).toBe(5);
    expect(all.runs).toHaveLength(5);
    expect(all).toMatchObject({ limit: 20, offset: 0 });
    const times = all.runs.map((r: { createdAt: string }) => Date.parse(r.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const run of all.runs) expect(RunViewSchema.safeParse(run).success, JSON.stringify(run)).toBe(true);

    const waiting = await json(await h.call('/runs?state=waiting'));
    expect(waiting.total).toBe(4);
    expect(waiting.runs.map((r: { state: string }) => r.state)).toEqual([
      'waiting',
      'waiting',
      'waiting',
      'waiting',
    ]);

    const completed = await json(await h.call('/runs?state=completed'));
    expect(completed.total).toBe(1);
    expect(completed.runs.map((r: { id: string }) => r.id)).toEqual([first.id]);

    expect((await json(await h.call('/runs?state=failed'))).total).toBe(0);
    expect((await json(await h.call('/runs?state=active'))).total).toBe(0);

    const others = await json(await h.call('/runs?minion=other'));
    expect(others.total).toBe(1);
    expect(others.runs.map((r: { id: string }) => r.id)).toEqual([other.id]);

    const localWaiting = await json(await h.call('/runs?minion=local&state=waiting'));
    expect(localWaiting.runs.map((r: { id: string }) => r.id).sort()).toEqual([...locals].sort());

    const page1 = await json(await h.call('/runs?limit=2'));
    const page2 = await json(await h.call('/runs?limit=2&offset=2'));
    const page3 = await json(await h.call('/runs?limit=2&offset=4'));
    expect(page1.total).toBe(5);
    expect([page1, page2, page3].map((p) => p.runs.length)).toEqual([2, 2, 1]);
    const paged = [...page1.runs, ...page2.runs, ...page3.runs].map((r: { id: string }) => r.id);
    expect(paged).toEqual(all.runs.map((r: { id: string }) => r.id));
    expect((await json(await h.call('/runs?offset=50'))).runs).toEqual([]);
  });
});

describe('GET /runs across priority classes', () => {
  it('pages newest first even when older runs have a lower priority', async () => {
    const nightly: string[] = [];
    for (let i = 0; i < 6; i++)
      nightly.push((await enqueue({ commit: `${i}`.repeat(7), priority: 'nightly' })).id);
    const manual: string[] = [];
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 2));
      manual.push((await enqueue({ commit: `abc${i}`.padEnd(7, '0'), priority: 'manual' })).id);
    }
    const first = await json(await h.call('/runs?limit=3'));
    expect(first.total).toBe(9);
    expect(first.runs.map((r: { id: string }) => r.id).sort()).toEqual([...manual].sort());
    const waiting = await json(await h.call('/runs?state=waiting&limit=3'));
    expect(waiting.runs.map((r: { id: string }) => r.id).sort()).toEqual([...manual].sort());
    const rest = await json(await h.call('/runs?limit=6&offset=3'));
    expect(rest.runs.map((r: { id: string }) => r.id).sort()).toEqual([...nightly].sort());
  });
});

describe('cancelled runs', () => {
  it('shows a run its worker ended on a cancel as cancelled, not failed', async () => {
    const run = await enqueue({ commit: 'abc1234' });
    const { UnrecoverableError } = await import('bullmq');
    const { worker, started } = startLaneWorker(h.plainConnection(), 'local', async (job) => {
      // Like apps/worker: a cancel request ends the run with a "cancelled: <reason>" failure.
      const reason = await waitFor(
        () => cancelRequested(h.connection, job.id!),
        'the cancel request',
        30_000,
      );
      throw new UnrecoverableError(`cancelled: ${reason}`);
    });
    cleanups.push(() => worker.close());
    await started;
    expect((await h.call(`/runs/${run.id}`, { method: 'DELETE' })).status).toBe(202);
    const view = await waitFor(async () => {
      const v = await json(await h.call(`/runs/${run.id}`));
      return v.state !== 'active' ? v : undefined;
    }, 'the run to end');
    expect(view.state).toBe('cancelled');
    expect(view.failedReason).toMatch(/^cancelled: cancelled through the API/);
    expect((await json(await h.call('/runs?state=cancelled'))).runs.map((r: { id: string }) => r.id)).toEqual(
      [run.id],
    );
    expect((await json(await h.call('/runs?state=failed'))).total).toBe(0);
    // Cancelling it again is a conflict, not a second "cancelled".
    const again = await h.call(`/runs/${run.id}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
    expect((await json(again)).error.message).toMatch(/already finished \(cancelled\)/);
  });
});

describe('GET /runs/:id and /logs', () => {
  it('shows a waiting run', async () => {
    const run = await enqueue({
      commit: 'abc1234',
      benchmarks: ['add'],
      profile: { profilers: ['cpu-prof'] },
      tag: 'main',
    });
    const view = await json(await h.call(`/runs/${run.id}`));
    expect(view).toMatchObject({
      id: run.id,
      state: 'waiting',
      minion: 'local',
      commit: 'abc1234',
      benchmarks: ['add'],
      profile: { profilers: ['cpu-prof'] },
      tag: 'main',
      priority: 'manual',
      trigger: { kind: 'api', detail: {} },
      position: 0,
      attempts: 0,
    });
    expect(Date.parse(view.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(view.startedAt).toBeUndefined();
    expect(RunViewSchema.parse(view)).toBeTruthy();
  });

  it('shows an active run with its step and progress, and its log lines', async () => {
    const run = await enqueue({ commit: 'abc1234' });
    const lines = Array.from({ length: 12 }, (_, i) => `line ${i}: running add`);
    const { finish } = await takeRun('local', { lines });
    const view = await json(await h.call(`/runs/${run.id}`));
    expect(view).toMatchObject({
      state: 'active',
      step: 'benchmarks',
      progress: { step: 'benchmarks', percent: 40, benchmark: 'add' },
      attempts: 1,
    });
    expect(Date.parse(view.startedAt)).toBeGreaterThan(0);
    expect(RunViewSchema.parse(view)).toBeTruthy();

    const logs = await json(await h.call(`/runs/${run.id}/logs`));
    expect(logs).toMatchObject({ id: run.id, logs: lines, count: 12, offset: 0 });
    const page = await json(await h.call(`/runs/${run.id}/logs?offset=10&limit=5`));
    expect(page.logs).toEqual(lines.slice(10));
    expect(page.count).toBe(12);
    const middle = await json(await h.call(`/runs/${run.id}/logs?offset=3&limit=2`));
    expect(middle.logs).toEqual(lines.slice(3, 5));

    await finish();
    const done = await waitFor(async () => {
      const v = await json(await h.call(`/runs/${run.id}`));
      return v.state === 'completed' ? v : undefined;
    }, 'the run to complete');
    expect(done.summary).toMatchObject({ state: 'completed', archive: `/data/runs/${run.id}`, failed: 0 });
    expect(done.archive).toBe(`/data/runs/${run.id}`);
    expect(done.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
    expect(RunViewSchema.parse(done)).toBeTruthy();
  });

  it('counts logs?limit in lines, at most 5000, also in entries that hold a batch of lines', async () => {
    const run = await enqueue({ commit: 'abc1234' });
    // Workers before one-line entries wrote a batch of up to 200 lines per entry.
    const batches = [0, 1, 2].map((b) =>
      Array.from({ length: 200 }, (_, i) => `batch ${b} line ${i}`).join('\n'),
    );
    const { finish } = await takeRun('local', { lines: batches });
    const page = await json(await h.call(`/runs/${run.id}/logs?limit=10`));
    expect(page.logs).toEqual(Array.from({ length: 10 }, (_, i) => `batch 0 line ${i}`));
    expect((await json(await h.call(`/runs/${run.id}/logs?limit=5000`))).logs).toHaveLength(600);
    const tooMany = await h.call(`/runs/${run.id}/logs?limit=5001`);
    expect(tooMany.status).toBe(400);
    expect((await json(tooMany)).error.details[0].path).toBe('query.limit');
    await finish();
  });

  it('shows completed_with_failures from the summary', async () => {
    const run = await enqueue({ commit: 'abc1234' });
    const { finish } = await takeRun('local', { summary: { state: 'completed_with_failures', failed: 1 } });
    await finish();
    const view = await waitFor(async () => {
      const v = await json(await h.call(`/runs/${run.id}`));
      return v.state !== 'active' ? v : undefined;
    }, 'the run to finish');
    expect(view.state).toBe('completed_with_failures');
    expect((await json(await h.call('/runs?state=completed_with_failures'))).total).toBe(1);
    expect((await json(await h.call('/runs?state=completed'))).total).toBe(0);
  });
});

describe('DELETE /runs/:id', () => {
  it('removes a waiting run: 200 cancelled, then gone', async () => {
    const run = await enqueue({ commit: 'abc1234' });
    const response = await h.call(`/runs/${run.id}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ id: run.id, state: 'cancelled' });
    expect((await h.call(`/runs/${run.id}`)).status).toBe(404);
    expect(await h.lanes.get('local')!.count()).toBe(0);
    // A new identical request is a new run, not a duplicate of the removed one.
    const again = await enqueue({ commit: 'abc1234' });
    expect(again.duplicate).toBe(false);
    expect(again.id).not.toBe(run.id);
  });

  it('asks the worker of an active run to abort it: 202 cancelling, key and message', async () => {
    const run = await enqueue({ commit: 'abc1234' });
    await takeRun('local');
    const subscriber = h.plainConnection();
    const heard: { runId: string; reason: string }[] = [];
    const unsubscribe = await onCancelRequests(subscriber, (runId, reason) => heard.push({ runId, reason }));
    cleanups.push(unsubscribe);

    const response = await h.call(`/runs/${run.id}`, { method: 'DELETE' });
    expect(response.status).toBe(202);
    expect(await json(response)).toEqual({ id: run.id, state: 'cancelling' });
    await waitFor(() => heard.length > 0, 'the cancel message');
    expect(heard).toEqual([{ runId: run.id, reason: expect.stringMatching(/API/) }]);
    expect(await cancelRequested(h.connection, run.id)).toMatch(/API/);
    expect(await h.connection.ttl(cancelKey(run.id))).toBeGreaterThan(0);
    // The run itself is still the worker's to end.
    expect((await json(await h.call(`/runs/${run.id}`))).state).toBe('active');
  });

  it('answers 409 for a finished run and 404 for an unknown one', async () => {
    const run = await enqueue({ commit: 'abc1234' });
    const { finish } = await takeRun('local');
    await finish();
    await waitFor(
      async () => (await h.lanes.get('local')!.getJobState(run.id)) === 'completed',
      'the run to complete',
    );
    const response = await h.call(`/runs/${run.id}`, { method: 'DELETE' });
    expect(response.status).toBe(409);
    const payload = await json(response);
    expect(payload.error.code).toBe('already_finished');
    expect(payload.error.message).toContain(run.id);
    expect(await cancelRequested(h.connection, run.id)).toBeNull();

    const unknown = await h.call('/runs/r0000000000000000000', { method: 'DELETE' });
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).error.code).toBe('not_found');
  });
});

describe('queue control', () => {
  it('drain removes the waiting runs and keeps the active one', async () => {
    const active = await enqueue({ commit: '1111111' });
    await takeRun('local');
    for (const commit of ['2222222', '3333333']) await enqueue({ commit });
    await enqueue({ commit: '4444444', priority: 'nightly' });
    const otherRun = await enqueue({ commit: '5555555', minion: 'other' });

    const response = await h.call('/queue/drain?minion=local', { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ drained: true, removed: 3 });
    const list = await json(await h.call('/runs?minion=local'));
    expect(list.runs.map((r: { id: string; state: string }) => [r.id, r.state])).toEqual([
      [active.id, 'active'],
    ]);
    // Another lane is left alone when one is named.
    expect((await json(await h.call(`/runs/${otherRun.id}`))).state).toBe('waiting');

    const everything = await json(await h.call('/queue/drain', { method: 'POST' }));
    expect(everything).toEqual({ drained: true, removed: 1 });
    expect((await json(await h.call('/runs?state=waiting'))).total).toBe(0);
    expect((await json(await h.call(`/runs/${active.id}`))).state).toBe('active');
  });

  it('forgets drained runs: an identical request afterwards is a new run', async () => {
    const first = await enqueue({ commit: 'abc1234' });
    expect((await json(await h.call('/queue/drain', { method: 'POST' }))).removed).toBe(1);
    expect((await h.call(`/runs/${first.id}`)).status).toBe(404);
    const again = await enqueue({ commit: 'abc1234' });
    expect(again.duplicate).toBe(false);
    expect(again.id).not.toBe(first.id);
    expect((await json(await h.call(`/runs/${again.id}`))).state).toBe('waiting');
  });

  it('pause and resume toggle the lanes, one or all', async () => {
    const paused = async () => Promise.all(['local', 'other'].map((m) => h.lanes.get(m)!.isPaused()));
    const pause = await h.call('/queue/pause?minion=other', { method: 'POST' });
    expect(pause.status).toBe(200);
    expect(await json(pause)).toEqual({ paused: true });
    expect(await paused()).toEqual([false, true]);
    const minions = await json(await h.call('/minions'));
    expect(minions.minions.map((m: { minion: string; paused: boolean }) => [m.minion, m.paused])).toEqual([
      ['local', false],
      ['other', true],
    ]);

    await h.call('/queue/pause', { method: 'POST' });
    expect(await paused()).toEqual([true, true]);
    const resume = await h.call('/queue/resume?minion=local', { method: 'POST' });
    expect(await json(resume)).toEqual({ paused: false });
    expect(await paused()).toEqual([false, true]);
    await h.call('/queue/resume', { method: 'POST' });
    expect(await paused()).toEqual([false, false]);
  });

  it('pause lets the active run finish and starts no other', async () => {
    const first = await enqueue({ commit: '1111111' });
    const second = await enqueue({ commit: '2222222' });
    const hold = gate();
    const { worker, started } = startLaneWorker(h.plainConnection(), 'local', async () => {
      await hold.promise;
      return { state: 'completed', archive: '/x', durationMs: 1, benchmarks: [], profiles: 0, failed: 0 };
    });
    cleanups.push(async () => {
      hold.open();
      await worker.close();
    });
    expect((await started).id).toBe(first.id);
    expect((await h.call('/queue/pause?minion=local', { method: 'POST' })).status).toBe(200);
    hold.open();
    await waitFor(
      async () => (await h.lanes.get('local')!.getJobState(first.id)) === 'completed',
      'the active run to finish',
    );
    await new Promise((r) => setTimeout(r, 200));
    expect((await json(await h.call(`/runs/${second.id}`))).state).toBe('waiting');
    await h.call('/queue/resume?minion=local', { method: 'POST' });
    await waitFor(
      async () => (await h.lanes.get('local')!.getJobState(second.id)) === 'completed',
      'the second run to run',
    );
  });
});

describe('GET /minions and /benchmarks', () => {
  it('lists every lane with its counts and active run', async () => {
    const run = await enqueue({ commit: '1111111' });
    await takeRun('local');
    await enqueue({ commit: '2222222' });
    const { minions } = await json(await h.call('/minions'));
    expect(minions).toEqual([
      {
        minion: 'local',
        kind: 'local',
        labels: {},
        paused: false,
        problem: null,
        activeRun: run.id,
        waiting: 1,
        active: 1,
        completed: 0,
        failed: 0,
      },
      {
        minion: 'other',
        kind: 'local',
        labels: { role: 'test' },
        paused: false,
        problem: null,
        activeRun: null,
        waiting: 0,
        active: 0,
        completed: 0,
        failed: 0,
      },
    ]);
  });

  it('describes the suite', async () => {
    const body = await json(await h.call('/benchmarks'));
    expect(body.project).toBe('example');
    expect(body.suiteHash).toEqual(expect.any(String));
    expect(body.benchmarks.map((b: { name: string }) => b.name)).toEqual(['add', 'extract']);
    expect(body.benchmarks[0]).toMatchObject({
      format: 'seed',
      fileSets: ['One64KBFile', 'One4MBFile', 'Ten1MBFiles'],
      profilers: ['doctor', 'flame', 'bubbleprof', 'cpu-prof', 'heap-prof'],
      repeats: 3,
      timeoutSeconds: 120,
    });
  });
});
