import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gate, type Harness, json, startHarness, startLaneWorker } from './harness.ts';

let h: Harness;
let redisPid: number;

beforeAll(async () => {
  h = await startHarness();
  const info = await h.plainConnection().info('server');
  redisPid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  expect(redisPid).toBeGreaterThan(0);
});
afterAll(async () => {
  // Never leave the test's redis-server stopped, whatever failed.
  if (redisPid) process.kill(redisPid, 'SIGCONT');
  await h?.close();
});

const runOf = (commit: string) =>
  h.post('/runs', { commit }).then(async (r) => ({ status: r.status, body: await json(r) }));

describe('POST /runs while Redis stalls', () => {
  it('a 503 leaves no run behind: a retry with the same body gives exactly one run', async () => {
    // A worker takes each run at once and, like apps/worker, ends its deduplication when it starts:
    // a retry that reached Redis after the first request's add would start a second run.
    const hold = gate();
    const lane = startLaneWorker(h.plainConnection(), 'local', () => hold.promise);
    await lane.worker.waitUntilReady();
    const commit = 'abcdef1234567';

    // Redis stalls (SIGSTOP) with the add on the wire; the API gives up after its 5 s timeout.
    process.kill(redisPid, 'SIGSTOP');
    let first: Awaited<ReturnType<typeof runOf>>;
    try {
      first = await runOf(commit);
    } finally {
      process.kill(redisPid, 'SIGCONT');
    }
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe('unavailable');

    // The client waits before it retries, as Retry-After asks; a late add would be running by then.
    await new Promise((r) => setTimeout(r, 1500));
    const retry = await runOf(commit);
    expect(retry.status).toBe(202);
    const started = await lane.started;
    expect(started.id).toBe(retry.body.id);

    // Everything the lane holds for this commit: only the retry's run may still be going to run.
    const queue = h.lanes.get('local')!;
    const live = async () =>
      (await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active', 'completed'])).filter(
        (job) => job?.data.commit === commit,
      );
    expect((await live()).map((job) => job.id)).toEqual([retry.body.id]);
    hold.open();
    await lane.worker.close();
  });
});
