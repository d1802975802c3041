import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, LOCAL_MINION, loadSuite, type Minion, type Suite } from '@benchrunner/core';
import {
  connectRedis,
  createRedis,
  laneName,
  PUBLISH_QUEUE,
  QUEUE_PREFIX,
  RunStore,
} from '@benchrunner/queue';
import { openResultsDb } from '@benchrunner/results-db';
import { type RedisFixture, startRedis } from '@benchrunner/testing';
import { serve } from '@hono/node-server';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { createApp } from '../src/app.ts';
import type { ApiDeps } from '../src/deps.ts';

/** The example suite every test checks benchmark names against. */
export const SUITE_FILE = fileURLToPath(new URL('../../../examples/suite.yaml', import.meta.url));

/** The repository root (where `tsx apps/api/src/main.ts` runs). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Two keys, so tests can tell "any configured key works" from "the first key works". */
export const KEYS = ['test-key-0123456789abcdef', 'second-key-0123456789abcdef'] as const;
export const AUTH = { authorization: `Bearer ${KEYS[0]}` };

/** A second local lane, so filters by minion have something to tell apart. */
const OTHER_MINION: Minion = { kind: 'local', name: 'other', labels: { role: 'test' } };

export interface Harness {
  redis: RedisFixture;
  /** The API's own connection (failFast, as main.ts builds it). */
  connection: Redis;
  lanes: ReadonlyMap<string, Queue>;
  /** The publish queue the run store hands the worker its jobs on. */
  publishQueue: Queue;
  runs: RunStore;
  suite: Suite;
  deps: ApiDeps;
  app: ReturnType<typeof createApp>;
  /** A request with the first key. */
  call(path: string, init?: RequestInit): Promise<Response>;
  /** A JSON POST with the first key. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** A plain connection for a worker or direct reads (offline queue on, like the worker's). */
  plainConnection(): Redis;
  /** Removes every key: a clean Redis for the next test. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  minions?: Minion[];
  publicReads?: boolean;
  webhookSecret?: string;
  bodyLimitBytes?: number;
  /** Reuse a running Redis instead of starting one. */
  redis?: RedisFixture;
}

/** Starts a redis-server and builds the app the way main.ts does (without the schedulers). */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const redis = options.redis ?? (await startRedis());
  try {
    return await buildHarness(redis, options);
  } catch (error) {
    // A failed start must not leave its redis-server behind: afterAll never gets a harness to close.
    if (!options.redis) await redis.close();
    throw error;
  }
}

async function buildHarness(redis: RedisFixture, options: HarnessOptions): Promise<Harness> {
  const minions = options.minions ?? [LOCAL_MINION, OTHER_MINION];
  const connection = createRedis(redis.url, { failFast: true, name: 'benchrunner-api-test' });
  // A stopped Redis makes ioredis emit 'error' on every reconnect attempt; an unheard one crashes.
  connection.on('error', () => undefined);
  await connectRedis(connection, redis.url, 10_000);
  const publishQueue = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const suite = await loadSuite(SUITE_FILE);
  const logger = createLogger({ name: 'api-test', level: 'silent' });
  const runs = new RunStore({ minions, connection, publishQueue, logger });
  const lanes = runs.lanes;
  // Queues re-emit connection errors (Redis stopped on purpose in some tests).
  for (const queue of [...lanes.values(), publishQueue]) queue.on('error', () => undefined);
  // SQLite opens lazily: nothing is created unless a test reads the history.
  const resultsDir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-api-results-'));
  const results = openResultsDb({ dataDir: resultsDir });
  const deps: ApiDeps = {
    results,
    logger,
    runs,
    suite: async () => suite,
    minions,
    apiKeys: [...KEYS],
    publicReads: options.publicReads ?? false,
    ...(options.webhookSecret ? { webhookSecret: options.webhookSecret } : {}),
    bodyLimitBytes: options.bodyLimitBytes ?? 64 * 1024,
    boardQueues: [...lanes.values(), publishQueue],
  };
  const app = createApp(deps);
  const extra: Redis[] = [];
  const call = async (path: string, init: RequestInit = {}) =>
    app.request(path, {
      ...init,
      headers: { ...AUTH, ...(init.headers as Record<string, string> | undefined) },
    });
  return {
    redis,
    connection,
    lanes,
    publishQueue,
    runs,
    suite,
    deps,
    app,
    call,
    post: (path, body, headers = {}) =>
      call(path, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        headers: { 'content-type': 'application/json', ...headers },
      }),
    plainConnection() {
      const client = createRedis(redis.url, { name: 'benchrunner-api-test-worker' });
      client.on('error', () => undefined);
      extra.push(client);
      return client;
    },
    async reset() {
      await connection.flushall();
    },
    async close() {
      await Promise.all([...lanes.values(), publishQueue].map((q) => q.close()));
      for (const client of [connection, ...extra]) client.disconnect();
      await results.close();
      await rm(resultsDir, { recursive: true, force: true });
      if (!options.redis) await redis.close();
    },
  };
}

/**
 * A real BullMQ worker on a lane whose processor behaves like apps/worker's: it removes the
 * deduplication key when it starts, then runs `body` (which may log, report progress and wait).
 */
export function startLaneWorker(
  connection: Redis,
  minion: string,
  body: (job: Job) => Promise<unknown>,
): { worker: Worker; started: Promise<Job> } {
  let started!: (job: Job) => void;
  const startedPromise = new Promise<Job>((resolve) => {
    started = resolve;
  });
  const worker = new Worker(
    laneName(minion),
    async (job: Job) => {
      await job.removeDeduplicationKey();
      started(job);
      return body(job);
    },
    { connection, prefix: QUEUE_PREFIX, concurrency: 1, lockDuration: 30_000 },
  );
  worker.on('error', () => undefined);
  return { worker, started: startedPromise };
}

/** A promise with its resolve function, for a processor that waits until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** The JSON body of a response, typed loosely for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary response JSON.
export async function json(response: Response): Promise<any> {
  return response.json();
}

/** Serves the app on a free loopback port, for a browser: its base URL and how to stop it. */
export async function listen(app: Harness['app']): Promise<{ base: string; close(): Promise<void> }> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
