import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { readReceipts } from '@benchrunner/archive';
import {
  type CommitInfo,
  type Logger,
  loadSuite,
  newRunId,
  type RunJobData,
  type RunManifest,
} from '@benchrunner/core';
import { runPipeline } from '@benchrunner/pipeline';
import { createRedis, enqueuePublish, PUBLISH_QUEUE, QUEUE_PREFIX } from '@benchrunner/queue';
import type { DetectSettingsOf, ResultsDb } from '@benchrunner/results-db';
import { linearCommits } from '@benchrunner/results-db/test/git-history.ts';
import { archiveRun } from '@benchrunner/results-db/test/manifests.ts';
import type { ArtifactStore, MetricsSink } from '@benchrunner/sinks';
import { LocalRunner } from '@benchrunner/ssh';
import { type Influxd, type Started, startProcess, startRedis, waitFor } from '@benchrunner/testing';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { createPublishProcessor, type PublishDeps } from '../src/publisher.ts';

import { WORKER_DIR } from './fixtures.ts';

export { WORKER_DIR };

/**
 * The tiny suite's one script: a seed-format result file (the shape of examples/lib/output.mjs)
 * with one entry per file set, whose duration depends on the file set and the repeat, so every
 * case has its own value and samples.
 */
const BENCH = `
import { mkdirSync, writeFileSync } from 'node:fs';
const name = process.env.BENCHRUNNER_BENCHMARK;
const repeat = Number(process.env.BENCHRUNNER_REPEAT ?? 0);
const entries = [['OneKBFile', 12], ['One4MBFile', 250]].map(([fileSet, ms]) => ({
  name, warmup: 'off', description: 'publish test', file_set: fileSet, date: new Date().toISOString(),
  file: '/tmp/' + fileSet,
  meta: { project: 'publish-test', commit: process.env.BENCHRUNNER_COMMIT, version: 'v1.2.3',
          branch: process.env.BENCHRUNNER_TAG ?? 'main', guid: process.env.BENCHRUNNER_RUN_ID },
  duration: { s: 0, ms: ms + repeat * 1.5 + (name === 'cat' ? 3 : 0) },
  cpu: 10 + repeat, loadAvg: [0.5, 0.4, 0.3], memory: 1048576 * (repeat + 1),
}));
mkdirSync(process.env.OUT_FOLDER, { recursive: true });
writeFileSync(process.env.OUT_FOLDER + '/' + name + '.json', JSON.stringify(entries, null, 2));
`;

const SUITE = `project: publish-test
benchmarks:
  - name: add
    command: [node, bench.mjs]
    repeats: 2
  - name: cat
    command: [node, bench.mjs]
    repeats: 2
`;

/** Writes the tiny suite (suite.yaml + bench.mjs) into `dir` and returns the suite file. */
export async function writeTinySuite(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'bench.mjs'), BENCH);
  const file = path.join(dir, 'suite.yaml');
  await writeFile(file, SUITE);
  return file;
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A pino logger whose records are kept in `records` (for asserting what the worker said). */
export function recordingLogger(): { logger: Logger; records: Record<string, unknown>[] } {
  const records: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), records };
}

export function runRequest(commit: string, tag?: string): RunJobData {
  return {
    commit,
    benchmarks: [],
    profile: false,
    minion: 'local',
    priority: 'manual',
    trigger: { kind: 'api', detail: {} },
    ...(tag ? { tag } : {}),
  };
}

/**
 * A real run: the tiny suite through runPipeline on a LocalRunner, archived to
 * `<archiveRoot>/<id>/`.
 */
export async function makeRun(options: {
  root: string;
  archiveRoot: string;
  id: string;
  commit: string;
  tag?: string;
}): Promise<{ manifest: RunManifest; dir: string }> {
  const suiteFile = await writeTinySuite(path.join(options.root, 'suite'));
  const suite = await loadSuite(suiteFile);
  const runner = new LocalRunner({ minion: 'local', workDir: path.join(options.root, 'minion') });
  try {
    const manifest = await runPipeline(
      { runner, suite, archiveRoot: options.archiveRoot, logger: silentLogger() },
      {
        id: options.id,
        attempt: 1,
        request: runRequest(options.commit, options.tag),
        signal: new AbortController().signal,
        log: () => {},
        progress: () => {},
      },
    );
    if (manifest.state !== 'completed')
      throw new Error(
        `the test run ${options.id} ended ${manifest.state}: ${JSON.stringify(manifest.benchmarks)}`,
      );
    return { manifest, dir: path.join(options.archiveRoot, options.id) };
  } finally {
    await runner.close();
  }
}

let made = 0;

/** The next real run of the tiny suite, in its own folder under `root`, with a fresh id and commit. */
export async function nextRun(root: string, archiveRoot: string, tag?: string): Promise<RunManifest> {
  made++;
  const { manifest } = await makeRun({
    root: path.join(root, `run-${made}`),
    archiveRoot,
    id: newRunId(),
    commit: `${made}`.padStart(40, 'c0ffee'),
    ...(tag ? { tag } : {}),
  });
  return manifest;
}

export async function tempRoot(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `benchrunner-${prefix}-`));
}

/** Real Redis, a temp folder and a linear history of `count` commits, for tests of the publish step. */
export interface CommitsFixture {
  connection: Redis;
  root: string;
  commits: CommitInfo[];
  close(): Promise<void>;
}

export async function startCommitsFixture(name: string, count: number): Promise<CommitsFixture> {
  const [redis, root, history] = await Promise.all([startRedis(), tempRoot(name), linearCommits(count)]);
  const connection = createRedis(redis.url);
  return {
    connection,
    root,
    commits: history.commits,
    close: async () => {
      connection.disconnect();
      await Promise.all([redis.close(), history.stop()]);
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface Publishing {
  queue: Queue;
  worker: Worker;
  close(): Promise<void>;
}

/**
 * The publish queue and worker as main.ts builds them (same queue name, prefix, processor and
 * custom backoff hook), with a short fixed backoff so retries happen within a test.
 */
export async function startPublishing(options: {
  connection: Redis;
  archiveRoot: string;
  logger?: Logger;
  artifactStore?: ArtifactStore;
  metricsSink?: MetricsSink;
  resultsDb?: ResultsDb;
  detectSettings?: DetectSettingsOf;
  publicApiUrl?: string;
  alerts?: PublishDeps['alerts'];
  onStatusChange?: PublishDeps['onStatusChange'];
  onRunLost?: PublishDeps['onRunLost'];
  onStatusNews?: PublishDeps['onStatusNews'];
  backoffMs?: number;
}): Promise<Publishing> {
  const { connection } = options;
  const queue = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const processor = createPublishProcessor({
    archiveRoot: options.archiveRoot,
    logger: options.logger ?? silentLogger(),
    ...(options.artifactStore ? { artifactStore: options.artifactStore } : {}),
    ...(options.metricsSink ? { metricsSink: options.metricsSink } : {}),
    ...(options.resultsDb ? { resultsDb: options.resultsDb } : {}),
    ...(options.detectSettings ? { detectSettings: options.detectSettings } : {}),
    ...(options.publicApiUrl ? { publicApiUrl: options.publicApiUrl } : {}),
    ...(options.alerts ? { alerts: options.alerts } : {}),
    ...(options.onStatusChange ? { onStatusChange: options.onStatusChange } : {}),
    ...(options.onRunLost ? { onRunLost: options.onRunLost } : {}),
    ...(options.onStatusNews ? { onStatusNews: options.onStatusNews } : {}),
  });
  const worker = new Worker(PUBLISH_QUEUE, processor, {
    connection,
    prefix: QUEUE_PREFIX,
    concurrency: 2,
    lockDuration: 30_000,
    settings: { backoffStrategy: () => options.backoffMs ?? 300 },
  });
  worker.on('error', () => {});
  await worker.waitUntilReady();
  return {
    queue,
    worker,
    close: async () => {
      await worker.close();
      await queue.close();
    },
  };
}

/** Archives a run, queues its publishing and waits until the results database has it. */
export async function publishAndWait(
  publishing: Publishing,
  archiveRoot: string,
  run: RunManifest,
): Promise<void> {
  await archiveRun(archiveRoot, run);
  await enqueuePublish(publishing.queue, run.id);
  await waitFor(async () => Boolean((await readReceipts(archiveRoot, run.id)).results), `${run.id} written`);
}

/**
 * Starts a worker process in apps/worker (`args` after node: the bundle or the tsx source) and
 * waits until it logs that it is ready; fails with its output if it exits first.
 */
export async function startReadyWorker(args: string[], env: NodeJS.ProcessEnv): Promise<Started> {
  const worker = startProcess(process.execPath, args, {
    cwd: WORKER_DIR,
    env: { ...process.env, LOG_LEVEL: 'info', LOCK_DURATION_MS: '10000', ...env },
  });
  try {
    await waitFor(
      () => worker.child.exitCode !== null || worker.output().includes('"worker ready"'),
      `the worker (${args.join(' ')}) to be ready`,
      60_000,
    );
    if (worker.child.exitCode !== null)
      throw new Error(`worker exited ${worker.child.exitCode}: ${worker.output()}`);
  } catch (error) {
    await worker.stop();
    throw error;
  }
  return worker;
}

/** Waits for the job to reach one of `states`; returns the state. */
export async function waitForJobState(
  queue: Queue,
  jobId: string,
  states: readonly string[],
  timeoutMs = 30_000,
): Promise<string> {
  let state = 'missing';
  await waitFor(
    async () => {
      state = (await (await queue.getJob(jobId))?.getState()) ?? 'missing';
      return states.includes(state);
    },
    `publish job ${jobId} to be ${states.join(' or ')} (last seen: ${state})`,
    timeoutMs,
  );
  return state;
}

/** Rows of one measurement read back with InfluxQL, as objects (time in ns). */
export async function influxRows(
  influxd: Influxd,
  database: string,
  influxql: string,
): Promise<Record<string, unknown>[]> {
  const [result] = await influxd.query(influxql, database);
  const rows: Record<string, unknown>[] = [];
  for (const series of result?.series ?? []) {
    for (const values of series.values) {
      const row: Record<string, unknown> = { ...series.tags };
      series.columns.forEach((column, i) => {
        row[column] = values[i];
      });
      rows.push(row);
    }
  }
  return rows;
}

/** Every point of a run in both measurements (benchmark and run). */
export async function runRows(
  influxd: Influxd,
  database: string,
  runId: string,
): Promise<{ benchmark: Record<string, unknown>[]; run: Record<string, unknown>[] }> {
  return {
    benchmark: await influxRows(influxd, database, `SELECT * FROM "benchmark" WHERE "run" = '${runId}'`),
    run: await influxRows(influxd, database, `SELECT * FROM "run" WHERE "run" = '${runId}'`),
  };
}

/**
 * A TCP gate in front of a real service: while closed nothing listens on its port (connection
 * refused, like a daemon that is down); opened, it forwards every connection to the service.
 * The service stays the real one; only its reachability changes.
 */
export async function tcpGate(target: { host: string; port: number }): Promise<{
  port: number;
  url: string;
  open(): Promise<void>;
  close(): Promise<void>;
  dispose(): Promise<void>;
}> {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  const open = async () => {
    if (server) return;
    const s = net.createServer((client) => {
      const upstream = net.connect(target.port, target.host);
      sockets.add(client);
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      const end = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', end);
      upstream.on('error', end);
      client.on('close', end);
      upstream.on('close', end);
    });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => resolve());
    });
    server = s;
  };
  const close = async () => {
    const s = server;
    server = undefined;
    if (!s) return;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  return { port, url: `http://127.0.0.1:${port}`, open, close, dispose: close };
}
