// POST /runs through HTTP (the real API process, autocannon) against queue.add called directly,
// both against a fresh redis-server of our own. Writes the 'api-enqueue' section of docs/BENCHMARKS.md.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newRunId, type RunJobData } from '@benchrunner/core';
import { createRedis, dedupId, laneName, QUEUE_PREFIX, runJobOptions } from '@benchrunner/queue';
import { freePort, markdownTable, recordBenchmark, startRedis, waitForPort } from '@benchrunner/testing';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildApp } from '../../../scripts/build-app.mjs';

const API_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(API_DIR, '../..');
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = 50;
const KEY = 'bench-key-0123456789abcdef';

let counter = 0;
/** A fresh commit per request, so deduplication never merges two. */
const commit = () => (0x10000000 + counter++).toString(16);

/** Redis's usual AOF policy (appendfsync everysec) by default; BENCH_FSYNC=always fsyncs every write, like the test fixture. */
const FSYNC = process.env.BENCH_FSYNC ?? 'everysec';
const redis = await startRedis({ appendfsync: FSYNC === 'always' ? 'always' : 'everysec' });
const tmp = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-bench-api-'));
const connection = createRedis(redis.url);
const queue = new Queue(laneName('local'), { connection, prefix: QUEUE_PREFIX });

try {
  // 1. queue.add directly: 50 concurrent callers for DURATION_S, with the options POST /runs uses.
  const latencies: number[] = [];
  let added = 0;
  const direct = async () => {
    const until = Date.now() + DURATION_S * 1000;
    const caller = async () => {
      while (Date.now() < until) {
        const data: RunJobData = {
          commit: commit(),
          benchmarks: [],
          profile: false,
          minion: 'local',
          priority: 'manual',
          trigger: { kind: 'api', detail: {} },
          requestedAt: new Date().toISOString(),
        };
        const t0 = performance.now();
        await queue.add('run', data, {
          ...runJobOptions(data),
          jobId: newRunId(),
          deduplication: { id: dedupId(data) },
        });
        latencies.push(performance.now() - t0);
        added++;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: CONNECTIONS }, caller));
    return (added / (performance.now() - started)) * 1000;
  };
  const directRps = await direct();
  latencies.sort((a, b) => a - b);
  const directP99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
  await connection.flushall();

  // 2. The real API process as `pnpm start` and the Docker image run it (the esbuild bundle), logs to a file.
  await buildApp(API_DIR);
  const port = await freePort();
  const logFd = openSync(path.join(tmp, 'api.log'), 'w');
  // BENCH_CPU_PROF=<dir>: write a CPU profile of the API process there (to find where its time goes).
  const profile = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const api = spawn(process.execPath, [...profile, 'dist/main.js'], {
    cwd: API_DIR,
    stdio: ['ignore', logFd, logFd],
    env: {
      ...process.env,
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEYS: KEY,
      DATA_DIR: path.join(tmp, 'data'),
      SUITE_FILE: path.join(REPO, 'examples', 'suite.yaml'),
      NIGHTLY_ENABLED: 'false',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    },
  });
  try {
    await waitForPort(port, '127.0.0.1', 60_000);
    const run = (duration: number, overallRate?: number) =>
      autocannon({
        ...(overallRate ? { overallRate } : {}),
        url: `http://127.0.0.1:${port}/runs`,
        connections: CONNECTIONS,
        duration,
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ commit: commit() }) }) }],
      });
    await run(2); // warm up the JIT and the connections
    await connection.flushall();
    const result = await run(DURATION_S);
    const non2xx = result.non2xx + result.errors + result.timeouts;
    const jobs = await queue.count();
    const httpRps = result.requests.average;
    // Latency below saturation: 50 closed-loop connections at full speed queue up by construction
    // (mean latency = connections / throughput), so also measure at half the HTTP throughput.
    await connection.flushall();
    const halfRate = Math.max(1, Math.round(httpRps / 2));
    const paced = await run(DURATION_S, halfRate);
    const ratio = httpRps / directRps;
    const p99 = result.latency.p99;
    const rows = [
      [
        '`queue.add` directly (50 concurrent callers)',
        directRps.toFixed(0),
        directP99.toFixed(1),
        String(added),
      ],
      [
        '`POST /runs` over HTTP (autocannon, 50 connections)',
        httpRps.toFixed(0),
        p99.toFixed(1),
        `${result.requests.total} (${non2xx} not 202; ${jobs} jobs in Redis)`,
      ],
      [
        `\`POST /runs\` paced at ${halfRate} req/s (half the above)`,
        paced.requests.average.toFixed(0),
        paced.latency.p99.toFixed(1),
        `${paced.requests.total} (${paced.non2xx + paced.errors + paced.timeouts} not 202)`,
      ],
    ];
    const body = [
      `Both against a fresh redis-server (AOF, appendfsync ${FSYNC}) on loopback, ${DURATION_S} s each, on the same 2 cores as the load generator. The API is the real process (the esbuild bundle, node dist/main.js, LOG_LEVEL ${process.env.LOG_LEVEL ?? 'info'}, log to a file); every request has a new commit, so each one is a new job (validation, suite check, dedup, priority, lane position).`,
      '',
      markdownTable(['path', 'requests/s', 'p99 latency (ms)', 'requests'], rows),
      '',
      `Load average while measuring (other work on the machine skews these figures): ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(', ')}.`,
      '',
      `HTTP / direct throughput: **${ratio.toFixed(2)}** (target >= 0.40: ${ratio >= 0.4 ? 'met' : 'missed'}). HTTP p99: **${p99.toFixed(1)} ms** (target < 20 ms: ${p99 < 20 ? 'met' : 'missed'}); at half that load: **${paced.latency.p99.toFixed(1)} ms**.`,
      '',
      'Earlier `--cpu-prof` runs of the API under this load (`BENCH_CPU_PROF=<dir>`) found a per-request `fs.stat` of the suite file and synchronous log writes; both are gone (the suite is checked at most once a second, logs go through an asynchronous stream). What remains is spread over ioredis, BullMQ, hono and zod. At saturation the 50 closed-loop connections queue by construction: mean latency = connections / throughput, so p99 < 20 ms at 50 connections needs well over 2,500 requests/s from one API process on a core it shares with Redis and the load generator.',
    ].join('\n');
    process.stdout.write(`${body}\n`);
    await recordBenchmark('api-enqueue', 'POST /runs against queue.add', body);
  } finally {
    api.kill('SIGTERM');
    await once(api, 'exit');
  }
} finally {
  await queue.close();
  connection.disconnect();
  await redis.close();
  await rm(tmp, { recursive: true, force: true });
}
