// GET /history of a 1,000-point series with 10 concurrent readers: the built API (dist/main.js)
// against a reference server doing the same SELECTs with the bare driver (bench/history-bare-server.ts),
// on SQLite and on PostgreSQL (a fresh database on the machine's server). Writes the
// 'api-history' section of docs/BENCHMARKS.md.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunManifest } from '@benchrunner/core';
import { openResultsDb, type ResultsDb, SQLITE_FILE } from '@benchrunner/results-db';
import {
  createTestDatabase,
  freePort,
  markdownTable,
  recordBenchmark,
  startRedis,
  waitForPort,
} from '@benchrunner/testing';
import autocannon from 'autocannon';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildApp } from '../../../scripts/build-app.mjs';

const API_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = 10;
const POINTS = 1000;
const KEY = 'bench-key-0123456789abcdef';
/** Clock ticks per second of /proc/<pid>/stat's CPU times. */
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const QUERY = `/history?benchmark=add&measure=latency&params.fileSet=One4MBFile&branch=main&limit=${POINTS}`;

/** The i-th run of the series: one result, one latency measure with 10 samples, at a commit of depth i. */
function run(i: number): RunManifest {
  const sha = i.toString(16).padStart(40, 'a');
  const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  return RunManifest.parse({
    id: `run-${String(i).padStart(5, '0')}`,
    request: { commit: sha, minion: 'local', trigger: { kind: 'api', detail: {} } },
    minion: 'local',
    state: 'completed',
    attempt: 1,
    startedAt: at,
    finishedAt: at,
    suite: { file: 'suite.yaml', hash: 'h', project: 'bench' },
    target: {
      repository: 'bench',
      ref: 'main',
      branch: 'main',
      commit: { sha, parents: [], subject: `commit ${i}`, author: 'a', authorTime: at, firstParentDepth: i },
    },
    steps: [],
    environment: {},
    benchmarks: [],
    profiles: [],
    results: [
      {
        benchmark: 'add',
        format: 'bench',
        benchmarks: [
          {
            name: 'add file',
            params: { fileSet: 'One4MBFile' },
            measures: {
              latency: {
                value: 1e6 + i,
                unit: 'ns',
                samples: Array.from({ length: 10 }, (_, k) => 1e6 + i + k),
              },
            },
          },
        ],
      },
    ],
  });
}

async function fill(db: ResultsDb): Promise<void> {
  for (let i = 0; i < POINTS; i++) await db.ingestRun(run(i));
}

async function startServer(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: API_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...env, PORT: String(port) },
  });
  await waitForPort(port, '127.0.0.1', 60_000);
  return { child, port };
}

async function stopServer(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
}

async function load(port: number, duration: number) {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${QUERY}`,
    connections: CONNECTIONS,
    duration,
    headers: { authorization: `Bearer ${KEY}` },
  });
  if (result.non2xx + result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  return result;
}

/** User plus system CPU time the process has used, in ms (all its threads). */
async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which sits in parentheses and may hold spaces: utime and stime
  // are fields 14 and 15 of the line, 12 and 13 of this rest.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

/**
 * Latency under 10 connections, and the server's CPU time per request: on a shared, loaded
 * machine latency is noisy, CPU time is not, and with the requests queueing on one thread it
 * predicts p99 on a quiet machine (about 10 x CPU per request).
 */
async function measure(server: { child: ChildProcess; port: number }) {
  await load(server.port, 2);
  const pid = server.child.pid as number;
  const cpuBefore = await cpuMs(pid);
  const result = await load(server.port, DURATION_S);
  const cpu = (await cpuMs(pid)) - cpuBefore;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpu: cpu / result.requests.total,
  };
}

type Measured = Awaited<ReturnType<typeof measure>>;

const redis = await startRedis({ appendfsync: 'everysec' });
const tmp = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-bench-history-'));
const rows: (string | number)[][] = [];
try {
  await buildApp(API_DIR);
  const api = (env: Record<string, string>) =>
    startServer(['dist/main.js'], {
      REDIS_URL: redis.url,
      SUITE_FILE: path.join(API_DIR, '../../examples/suite.yaml'),
      API_KEYS: KEY,
      HOST: '127.0.0.1',
      NIGHTLY_ENABLED: 'false',
      LOG_LEVEL: 'warn',
      ...env,
    });
  const bare = (env: Record<string, string>) =>
    startServer(['--import', 'tsx', 'bench/history-bare-server.ts'], env);
  const row = async (name: string, apiEnv: Record<string, string>, bareEnv: Record<string, string>) => {
    const results: Record<string, Measured> = {};
    for (const [side, start] of [
      ['bare', () => bare(bareEnv)],
      ['api', () => api(apiEnv)],
    ] as const) {
      const server = await start();
      try {
        results[side] = await measure(server);
      } finally {
        await stopServer(server.child);
      }
    }
    const { bare: b, api: a } = results as Record<'bare' | 'api', Measured>;
    rows.push([
      name,
      b.rps.toFixed(0),
      b.cpu.toFixed(2),
      b.p99,
      a.rps.toFixed(0),
      a.cpu.toFixed(2),
      a.p50,
      a.p99,
    ]);
  };

  const dataDir = path.join(tmp, 'data');
  const sqlite = openResultsDb({ dataDir });
  await fill(sqlite);
  await sqlite.close();
  await row('SQLite', { DATA_DIR: dataDir }, { SQLITE_FILE: path.join(dataDir, SQLITE_FILE) });

  const database = await createTestDatabase();
  try {
    const postgres = openResultsDb({ databaseUrl: database.url, dataDir });
    await fill(postgres);
    await postgres.close();
    await row(
      'PostgreSQL 15',
      { DATABASE_URL: database.url, DATA_DIR: dataDir },
      { DATABASE_URL: database.url },
    );
  } finally {
    await database.drop();
  }
} finally {
  await redis.close();
  await rm(tmp, { recursive: true, force: true });
}

const body = [
  `\`GET ${QUERY}\`: a ${POINTS}-point series (~${POINTS} runs, 10 samples per point) read by ${CONNECTIONS} concurrent autocannon connections for ${DURATION_S} s (after 2 s of warm-up), against the built API (\`dist/main.js\`, bearer auth, validation, series lookup, points in first-parent order, JSON) and against a reference node:http server sending the same two SELECTs with the bare driver. The API reads the points once per ingest: later reads check the one-row \`history_version\` every ingest bumps and answer from the cached JSON. CPU/req is the server process's user + system CPU time (\`/proc/<pid>/stat\`) over the measured run divided by the requests answered: steady when the machine is shared, unlike latency, and with the 10 connections queueing on one thread, p99 on a quiet machine is about 10 x CPU/req. Target: API p99 < 20 ms.`,
  '',
  markdownTable(
    [
      'database',
      'bare req/s',
      'bare CPU/req (ms)',
      'bare p99 (ms)',
      'API req/s',
      'API CPU/req (ms)',
      'API p50 (ms)',
      'API p99 (ms)',
    ],
    rows,
  ),
].join('\n');
await recordBenchmark('api-history', 'GET /history: a 1,000-point series, 10 concurrent readers', body);
process.stdout.write(`${body}\n`);
