import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startReceiver } from '@benchrunner/alerts/test/receiver.ts';
import type { CommitInfo, RunManifest } from '@benchrunner/core';
import {
  createRedis,
  enqueuePublish,
  enqueueRun,
  laneName,
  PUBLISH_QUEUE,
  QUEUE_PREFIX,
} from '@benchrunner/queue';
import type { Regression } from '@benchrunner/results-db';
import { linearCommits } from '@benchrunner/results-db/test/git-history.ts';
import { archiveRun, manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';
import {
  createGitRepository,
  type GitRepoFixture,
  type RedisFixture,
  type Started,
  startRedis,
  waitFor,
} from '@benchrunner/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { API_KEY, type Fixture, startApi, startWorker } from './fixtures.ts';

/**
 * The benchmark of the target project: ten timings (hyperfine's JSON) around the level that the
 * commit's file.txt names ("level 1200"; 1000 without one), in microseconds, with 2 % noise seeded
 * by the run id, so every run differs and every test run is the same.
 */
const BENCH = `
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
const text = execFileSync('git', ['-C', process.env.BENCHRUNNER_REPOSITORY, 'show', process.env.BENCHRUNNER_COMMIT + ':file.txt'], { encoding: 'utf8' });
const level = Number(/level (\\d+)/.exec(text)?.[1] ?? 1000) / 1e6;
let seed = createHash('sha256').update(process.env.BENCHRUNNER_RUN_ID).digest().readUInt32LE(0);
const uniform = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return (seed + 0.5) / 2 ** 32; };
const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
const times = Array.from({ length: 10 }, () => level * (1 + 0.02 * normal()));
const mean = times.reduce((a, b) => a + b, 0) / times.length;
mkdirSync(process.env.OUT_FOLDER, { recursive: true });
writeFileSync(process.env.OUT_FOLDER + '/work.json', JSON.stringify({ results: [{
  command: 'work', mean, stddev: 0, median: mean, min: Math.min(...times), max: Math.max(...times), times,
}] }));
`;

let redis: RedisFixture;
let connection: Redis;
let repo: GitRepoFixture;
let fixture: Fixture;
let worker: (Started & { pid: number }) | undefined;
let api: (Started & { url: string }) | undefined;
/** The generic alert webhook's receiver (alerts on `confirmed` and `fixed`, the default). */
let receiver: Awaited<ReturnType<typeof startReceiver>>;
/** Commits measured nightly, oldest first: seven at 1000, then the 20 % slower one. */
const nightly: string[] = [];

beforeAll(async () => {
  [redis, repo, receiver] = await Promise.all([
    startRedis(),
    createGitRepository(),
    startReceiver(() => ({ status: 200 })),
  ]);
  connection = createRedis(redis.url);
  for (let i = 0; i < 7; i++) nightly.push(await repo.commit('main', `level 1000: step ${i}`));
  nightly.push(await repo.commit('main', 'level 1200: the slow change'));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-confirm-e2e-'));
  const dataDir = path.join(dir, 'data');
  await mkdir(dataDir);
  await writeFile(path.join(dir, 'bench.mjs'), BENCH);
  const suiteFile = path.join(dir, 'suite.yaml');
  await writeFile(
    suiteFile,
    `project: confirm-e2e
target: {repository: ${JSON.stringify(repo.dir)}, branch: main}
noise: false
detect: {confirm: {rounds: 3}}
benchmarks:
  - {name: work, command: [node, bench.mjs], format: hyperfine}
`,
  );
  fixture = {
    dir,
    dataDir,
    suiteFile,
    pidsFile: path.join(dir, 'pids'),
    intervalsFile: path.join(dir, 'intervals'),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
  [worker, api] = await Promise.all([
    startWorker(fixture, redis.url, {
      PUBLISH_CONCURRENCY: '1',
      ALERT_WEBHOOK_URL: receiver.url,
      ALERT_WEBHOOK_SECRET: 'confirm-e2e-secret-0123456789',
    }),
    startApi(fixture, redis.url),
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([worker?.stop(30_000), api?.stop(5000)]);
  connection?.disconnect();
  await Promise.all([redis?.close(), repo?.stop(), fixture?.cleanup(), receiver?.close()]);
});

/** What the routes called here answer: a record, a list of them, or a history. */
type Answer = Regression & { regressions: Regression[]; points: { commit: string }[] };

const call = async (route: string) => {
  const response = await fetch(`${api!.url}${route}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  return { status: response.status, body: (await response.json()) as Answer };
};

/** The `regression.status` events the webhook received. */
function statusEvents(): { status: string; previousStatus: string; regression: Regression }[] {
  return receiver.received
    .map((r) => JSON.parse(r.body))
    .filter((event: { event: string }) => event.event === 'regression.status');
}

async function readManifest(id: string): Promise<RunManifest> {
  return JSON.parse(await readFile(path.join(fixture.dataDir, 'runs', id, 'manifest.json'), 'utf8'));
}

async function resultsWritten(id: string): Promise<boolean> {
  try {
    const receipts = JSON.parse(
      await readFile(path.join(fixture.dataDir, 'runs', `${id}.publish.json`), 'utf8'),
    );
    return Boolean(receipts.results);
  } catch {
    return false;
  }
}

it('a 20 % slowdown found by the nightly runs is confirmed by interleaved re-runs, stored and shown', async () => {
  const lane = new Queue(laneName('local'), { connection, prefix: QUEUE_PREFIX });
  try {
    // Nightly-like: one run per commit along the branch, each written (and judged) before the next.
    for (const [i, sha] of nightly.entries()) {
      const { id } = await enqueueRun(lane, {
        commit: sha,
        branch: 'main',
        benchmarks: [],
        profile: false,
        minion: 'local',
        priority: 'nightly',
        trigger: { kind: 'schedule', detail: { scheduler: 'nightly' } },
      });
      await waitFor(() => resultsWritten(id), `nightly run ${i} to be written`, 30_000);
    }
    // The slow commit is suspected, and its confirmation starts by itself.
    let record: Regression | undefined;
    await waitFor(
      async () => {
        [record] = (await call('/regressions')).body.regressions;
        return record !== undefined && record.status !== 'suspected';
      },
      'a suspected regression to be under confirmation',
      30_000,
    );
    expect(record).toMatchObject({
      kind: 'regression',
      detector: 'baseline',
      series: { benchmark: 'work', measure: 'latency', minion: 'local', branch: 'main' },
      lastGood: { commit: nightly[6] },
      firstBad: { commit: nightly[7] },
    });
    const id = record!.id;
    await waitFor(
      async () =>
        ['confirmed', 'noise', 'suspected'].includes((await call(`/regressions/${id}`)).body.status),
      'the confirmation to be decided',
      60_000,
    );
    const { status, body: confirmed } = await call(`/regressions/${id}`);
    expect(status).toBe(200);
    expect(confirmed.status).toBe('confirmed');
    const runs = confirmed.confirmation?.runs ?? [];
    const result = confirmed.confirmation?.result;
    expect(result).toMatchObject({
      outcome: 'confirmed',
      verdict: 'regressed',
      baseline: { runs: 3, n: 30 },
      suspect: { runs: 3, n: 30 },
    });
    expect(result?.change).toBeGreaterThan(0.15);
    expect(result?.change).toBeLessThan(0.25);
    expect(result?.changeCi?.lower).toBeGreaterThan(0.1);
    expect(result?.pValue).toBeLessThan(1e-6);

    // The re-runs ran on the lane, interleaved A B A B A B, each only the affected benchmark.
    const manifests = await Promise.all(runs.map((r) => readManifest(r.runId)));
    const byStart = [...manifests].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    expect(byStart.map((m) => m.request.probe)).toEqual(
      runs.map((r) => ({
        kind: 'confirmation',
        regression: id,
        side: r.side,
        round: r.round,
      })),
    );
    expect(byStart.map((m) => m.target?.commit.sha)).toEqual([6, 7, 6, 7, 6, 7].map((i) => nightly[i]));
    for (const m of manifests) {
      expect(m.state).toBe('completed');
      expect(m.minion).toBe('local');
      expect(m.request).toMatchObject({ priority: 'bisect', benchmarks: ['work'] });
    }

    // Stored as evidence, never in the branch's history.
    const history = await call('/history?benchmark=work&measure=latency&minion=local');
    expect(history.status).toBe(200);
    expect(history.body.points).toHaveLength(nightly.length);
    expect(history.body.points.map((p) => p.commit)).toEqual(nightly);
    // One record, nothing else raised by the re-runs.
    expect((await call('/regressions')).body.regressions.map((r) => r.id)).toEqual([id]);
    // Told once, when confirmed: the suspicion alone was not sent.
    await waitFor(() => statusEvents().length > 0, 'the confirmed regression to be delivered', 30_000);
    expect(statusEvents()).toMatchObject([
      { status: 'confirmed', previousStatus: 'confirming', regression: { id, status: 'confirmed' } },
    ]);
  } finally {
    await lane.close();
  }
}, 150_000);

it('an A/A history (60 points, 2 % noise) published through the worker raises nothing and queues no confirmation', async () => {
  // Synthetic manifests (the full run path would take minutes): archived as runs of another
  // minion and published by the real worker's publish step, which detects and would confirm.
  const history = await linearCommits(60);
  const publishQueue = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const otherLane = new Queue(laneName('aa-minion'), { connection, prefix: QUEUE_PREFIX });
  try {
    const samples = noisySamples(21);
    const archiveRoot = path.join(fixture.dataDir, 'runs');
    // Queued all at once: the worker's one publish job at a time takes them in order.
    const ids: string[] = [];
    for (const [i, commit] of history.commits.entries()) {
      const run = manifest({
        id: `aa-${String(i).padStart(2, '0')}`,
        startedAt: new Date(Date.parse('2026-07-01T00:00:00Z') + i * 60_000).toISOString(),
        commit: commit as CommitInfo,
        minion: 'aa-minion',
        branch: 'aa',
        samples: samples(1000),
      });
      await archiveRun(archiveRoot, run);
      await enqueuePublish(publishQueue, run.id);
      ids.push(run.id);
    }
    await waitFor(
      async () => (await Promise.all(ids.map(resultsWritten))).every(Boolean),
      'the 60 runs to be written',
      60_000,
    );
    const points = await call(
      '/history?benchmark=add&measure=latency&minion=aa-minion&result=add%20file&params.fileSet=One4MBFile',
    );
    expect(points.status, JSON.stringify(points.body)).toBe(200);
    expect(points.body.points).toHaveLength(60);
    expect((await call('/regressions?minion=aa-minion')).body.regressions).toEqual([]);
    expect(await otherLane.getJobCounts()).toMatchObject({ waiting: 0, prioritized: 0, delayed: 0 });
    // Nothing more delivered than the one confirmed regression of the first test.
    expect(statusEvents().map((e) => e.status)).toEqual(['confirmed']);
  } finally {
    await Promise.all([publishQueue.close(), otherLane.close(), history.stop()]);
  }
}, 120_000);
