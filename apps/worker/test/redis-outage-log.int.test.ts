import { type RedisFixture, startRedis, waitFor } from '@benchrunner/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFixture, type Fixture, startWorker } from './fixtures.ts';

let redis: RedisFixture;
let fixture: Fixture;
let worker: Awaited<ReturnType<typeof startWorker>> | undefined;

beforeAll(async () => {
  [redis, fixture] = await Promise.all([startRedis(), createFixture()]);
  worker = await startWorker(fixture, redis.url);
});

afterAll(async () => {
  await worker?.stop(5000);
  await redis?.close();
  await fixture?.cleanup();
});

interface Line {
  level: number;
  msg: string;
  err?: { stack?: string };
}
const linesAfter = (offset: number): Line[] =>
  worker!
    .output()
    .slice(offset)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

it('logs a Redis outage once when it starts and once when it ends, without stacks', async () => {
  const before = worker!.output().length;
  await redis.stop();
  const outageMs = 6000;
  await new Promise((r) => setTimeout(r, outageMs));
  const during = linesAfter(before).filter((l) => l.level >= 40);
  await redis.start();
  await waitFor(
    () => linesAfter(before).some((l) => l.msg === 'redis reachable again'),
    'the worker to log the end of the outage',
    30_000,
  );
  process.stderr.write(
    `redis-outage-log: ${during.length} warning/error lines in ${outageMs} ms of outage\n`,
  );
  expect(during.map((l) => l.msg)).toEqual([
    'redis unreachable: no run starts or finishes until it is back; retrying',
  ]);
  expect(during.some((l) => l.err?.stack)).toBe(false);
}, 90_000);
