import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { RUN_LOG_MAX_LINE_CHARS, RUN_LOG_MAX_LINES } from '@benchrunner/queue';
import { type RedisFixture, startRedis } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixture, enqueue, type Fixture, openLane, startWorker, waitForState } from './fixtures.ts';

const MB = 1024 * 1024;
const HUGE_LINE = 20 * MB;
const LINES = 30_000;

/** A benchmark that prints one 20 MB line without a newline, then 30,000 short lines. */
const LOUD = `
const write = (text) => new Promise((resolve) => (process.stdout.write(text) ? resolve() : process.stdout.once('drain', resolve)));
const piece = 'x'.repeat(64 * 1024);
for (let sent = 0; sent < ${HUGE_LINE}; sent += piece.length) await write(piece);
await write('\\n');
let batch = '';
for (let i = 1; i <= ${LINES}; i++) {
  batch += 'line ' + i + ' of the loud benchmark\\n';
  if (i % 1000 === 0) { await write(batch); batch = ''; }
}
`;

let redis: RedisFixture;
let fixture: Fixture;
let lane: ReturnType<typeof openLane>;
let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  [redis, fixture] = await Promise.all([startRedis(), createFixture()]);
  await writeFile(path.join(fixture.dir, 'loud.mjs'), LOUD);
  await writeFile(
    fixture.suiteFile,
    'project: worker-test\nbenchmarks:\n  - name: loud\n    command: [node, loud.mjs]\n',
  );
  lane = openLane(redis.url);
  worker = await startWorker(fixture, redis.url);
});
afterAll(async () => {
  await worker?.stop(2000);
  await lane?.close();
  await redis?.close();
  await fixture?.cleanup();
});

/** VmRSS and VmHWM (peak) of the worker process, in MB. */
async function memory(): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${worker.pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1]) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

describe('a benchmark with unbounded output', () => {
  it('keeps a bounded log in Redis and in the worker, and the whole output in the archive', async () => {
    const before = {
      worker: await memory(),
      redis: Number(/used_memory:(\d+)/.exec(await lane.redis.info('memory'))?.[1]),
    };
    const id = await enqueue(lane.queue, ['loud']);
    await waitForState(lane.queue, id, ['completed', 'failed'], 180_000);

    // The archive keeps every byte the benchmark printed.
    const archived = await readFile(path.join(fixture.dataDir, 'runs', id, 'stdout.log'), 'utf8');
    // (in pieces of at most 64 KiB characters, each a line of its own: see LineSplitter).
    const huge = [...archived.matchAll(/x{1000,}/g)].reduce((sum, m) => sum + m[0].length, 0);
    expect(huge).toBe(HUGE_LINE);
    expect(archived).toContain(`[loud] line ${LINES} of the loud benchmark\n`);

    // Redis keeps at most RUN_LOG_MAX_LINES lines of at most RUN_LOG_MAX_LINE_CHARS (plus a note)
    // each, and says where the rest is.
    const key = `${lane.queue.toKey(id)}:logs`;
    const entries = await lane.redis.lrange(key, 0, -1);
    expect(entries.length).toBe(RUN_LOG_MAX_LINES + 1);
    expect(entries.at(-1)).toMatch(/stdout\.log/);
    const longest = Math.max(...entries.map((e) => e.length));
    expect(longest).toBeLessThanOrEqual(RUN_LOG_MAX_LINE_CHARS);
    expect(entries.every((e) => !e.includes('\n'))).toBe(true);
    const redisGrowth =
      (Number(/used_memory:(\d+)/.exec(await lane.redis.info('memory'))?.[1]) - before.redis) / MB;
    expect(redisGrowth).toBeLessThan(10);

    // The worker never held the 20 MB line (or copies of it).
    const after = await memory();
    expect(after.peak - before.worker.rss, JSON.stringify({ before, after })).toBeLessThan(100);
  });
});
