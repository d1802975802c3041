import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunJobData, RunManifest } from '@benchrunner/core';
import { createRedis, enqueueRun, laneName, QUEUE_PREFIX } from '@benchrunner/queue';
import { freePort, type Started, startProcess, waitFor, waitForPort } from '@benchrunner/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

export const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const API_DIR = path.resolve(WORKER_DIR, '..', 'api');

/**
 * The test suite's one script. It appends `{run, attempt, pid, ppid}` to $PIDS_FILE when it starts
 * and `start end pid run` (monotonic ns, comparable across processes) to $INTERVALS_FILE when it
 * ends, sleeps as its benchmark says, and writes a seed-format result.
 * SLEEP_MS: every time; FIRST_SLEEP_MS: only on the run's first SLOW_ATTEMPTS attempts (default 1).
 */
const BENCH = `
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
const start = process.hrtime.bigint();
const run = process.env.BENCHRUNNER_RUN_ID;
const pids = process.env.PIDS_FILE;
const before = existsSync(pids) ? readFileSync(pids, 'utf8').split('\\n').filter((l) => l.includes('"' + run + '"')).length : 0;
appendFileSync(pids, JSON.stringify({ run, attempt: before + 1, pid: process.pid, ppid: process.ppid, benchmark: process.env.BENCHRUNNER_BENCHMARK }) + '\\n');
const sleep = before < Number(process.env.SLOW_ATTEMPTS ?? 1) && process.env.FIRST_SLEEP_MS ? Number(process.env.FIRST_SLEEP_MS) : Number(process.env.SLEEP_MS ?? 0);
await new Promise((r) => setTimeout(r, sleep));
const end = process.hrtime.bigint();
const name = process.env.BENCHRUNNER_BENCHMARK;
mkdirSync(process.env.OUT_FOLDER, { recursive: true });
const ns = end - start;
writeFileSync(process.env.OUT_FOLDER + '/' + name + '.json', JSON.stringify([{
  name, warmup: 'off', description: 'worker test', file_set: 'none', date: new Date().toISOString(), file: 'none',
  meta: { project: 'worker-test', commit: process.env.BENCHRUNNER_COMMIT, version: process.version, branch: 'test', guid: run },
  duration: { s: Number(ns / 1000000000n), ms: Number(ns % 1000000000n) / 1e6 },
  cpu: 0, loadAvg: [0, 0, 0], memory: 0,
}]));
appendFileSync(process.env.INTERVALS_FILE, start + ' ' + end + ' ' + process.pid + ' ' + run + '\\n');
`;

export interface Fixture {
  dir: string;
  dataDir: string;
  suiteFile: string;
  pidsFile: string;
  intervalsFile: string;
  cleanup(): Promise<void>;
}

/**
 * A temp folder with a suite of four benchmarks: `quick` (sleeps quickMs), `medium` (3 s),
 * `first-slow` (60 s on the first attempt of a run, 200 ms after), `twice-slow` (60 s on the first two
 * attempts, 200 ms after), `slow` (60 s always).
 */
export async function createFixture(options: { quickMs?: number } = {}): Promise<Fixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-worker-test-'));
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir);
  const pidsFile = path.join(dir, 'pids.jsonl');
  const intervalsFile = path.join(dir, 'intervals.txt');
  await writeFile(path.join(dir, 'bench.mjs'), BENCH);
  const suiteFile = path.join(dir, 'suite.yaml');
  await writeFile(
    suiteFile,
    `project: worker-test
env:
  PIDS_FILE: ${JSON.stringify(pidsFile)}
  INTERVALS_FILE: ${JSON.stringify(intervalsFile)}
benchmarks:
  - name: quick
    command: [node, bench.mjs]
    env: { SLEEP_MS: "${options.quickMs ?? 150}" }
  - name: medium
    command: [node, bench.mjs]
    env: { SLEEP_MS: "3000" }
  - name: first-slow
    command: [node, bench.mjs]
    env: { FIRST_SLEEP_MS: "60000", SLEEP_MS: "200" }
  - name: twice-slow
    command: [node, bench.mjs]
    env: { FIRST_SLEEP_MS: "60000", SLOW_ATTEMPTS: "2", SLEEP_MS: "200" }
  - name: slow
    command: [node, bench.mjs]
    env: { SLEEP_MS: "60000" }
`,
  );
  return {
    dir,
    dataDir,
    suiteFile,
    pidsFile,
    intervalsFile,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface BenchStart {
  run: string;
  attempt: number;
  pid: number;
  ppid: number;
  benchmark: string;
}

export async function benchStarts(fixture: Fixture): Promise<BenchStart[]> {
  if (!existsSync(fixture.pidsFile)) return [];
  return (await readFile(fixture.pidsFile, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as BenchStart);
}

/** Waits until the benchmark of `run` has started for the given attempt; returns its record. */
export async function waitForBench(
  fixture: Fixture,
  run: string,
  attempt = 1,
  timeoutMs = 60_000,
): Promise<BenchStart> {
  let found: BenchStart | undefined;
  await waitFor(
    async () => {
      found = (await benchStarts(fixture)).find((s) => s.run === run && s.attempt === attempt);
      return found !== undefined;
    },
    `benchmark of ${run} (attempt ${attempt}) to start`,
    timeoutMs,
  );
  return found!;
}

/** A worker process started the way `pnpm start` does (node with the tsx loader), one PID: no wrapper. */
export async function startWorker(
  fixture: Fixture,
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<Started & { pid: number }> {
  const started = startProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: WORKER_DIR,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      DATA_DIR: fixture.dataDir,
      SUITE_FILE: fixture.suiteFile,
      LOCK_DURATION_MS: '5000',
      SHUTDOWN_GRACE_SECONDS: '30',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  await waitFor(
    () => started.child.exitCode !== null || started.output().includes('worker ready'),
    'the worker to be ready',
    60_000,
  );
  if (started.child.exitCode !== null)
    throw new Error(`worker exited ${started.child.exitCode}: ${started.output()}`);
  return Object.assign(started, { pid: started.child.pid! });
}

/** The API key of the API processes that tests start. */
export const API_KEY = 'test-key-0123456789abcdef';

/** An API process on a free loopback port, started the way `pnpm start` does; `url` is its base. */
export async function startApi(
  fixture: Fixture,
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<Started & { url: string }> {
  const port = await freePort();
  const api = startProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: API_DIR,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEYS: API_KEY,
      DATA_DIR: fixture.dataDir,
      SUITE_FILE: fixture.suiteFile,
      LOG_LEVEL: 'warn',
      ...env,
    },
  });
  try {
    await waitForPort(port, '127.0.0.1', 60_000);
  } catch (error) {
    await api.stop(2000);
    throw new Error(`the API did not listen: ${api.output()}`, { cause: error });
  }
  return Object.assign(api, { url: `http://127.0.0.1:${port}` });
}

/** The run's manifest in the fixture's archive. */
export async function readManifest(fixture: Fixture, id: string): Promise<RunManifest> {
  return JSON.parse(await readFile(path.join(fixture.dataDir, 'runs', id, 'manifest.json'), 'utf8'));
}

/** The local lane, seen from the test, with its own connection. */
export function openLane(redisUrl: string): { queue: Queue; redis: Redis; close(): Promise<void> } {
  const redis = createRedis(redisUrl);
  // Tests stop Redis on purpose: the connection retries, and its errors are expected.
  redis.on('error', () => undefined);
  const queue = new Queue(laneName('local'), { connection: redis, prefix: QUEUE_PREFIX });
  return {
    queue,
    redis,
    close: async () => {
      await queue.close();
      redis.disconnect();
    },
  };
}

let commits = 0;

/** Enqueues a run of the given benchmarks with a fresh commit (so dedup never merges two). */
export async function enqueue(
  queue: Queue,
  benchmarks: string[],
  over: Partial<RunJobData> = {},
): Promise<string> {
  commits++;
  const commit = (0xabc0000 + commits * 7919 + (process.pid % 1000) * 100_000).toString(16);
  const answer = await enqueueRun(queue, {
    commit,
    benchmarks,
    profile: false,
    minion: 'local',
    priority: 'manual',
    trigger: { kind: 'api', detail: {} },
    ...over,
  });
  return answer.id;
}

/** Waits until the job reaches one of `states`; returns the state. */
export async function waitForState(
  queue: Queue,
  id: string,
  states: string[],
  timeoutMs = 90_000,
): Promise<string> {
  let state = 'unknown';
  await waitFor(
    async () => {
      state = await queue.getJobState(id);
      return states.includes(state);
    },
    `run ${id} to be ${states.join(' or ')} (last seen ${state})`,
    timeoutMs,
  );
  return state;
}

/** True when pid is a live process; a zombie (dead, waiting to be reaped) counts as gone. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Kills leftover benchmark processes a failed test may leave (only the ones this test recorded). */
export async function killRecorded(fixture: Fixture): Promise<void> {
  for (const start of await benchStarts(fixture)) {
    if (alive(start.pid)) {
      try {
        process.kill(start.pid, 'SIGKILL');
      } catch {
        // Gone in between.
      }
    }
  }
}
