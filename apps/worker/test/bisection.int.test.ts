import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SIGNATURE_HEADER, verifySignature } from '@benchrunner/alerts';
import { startReceiver } from '@benchrunner/alerts/test/receiver.ts';
import { advanceBisection, type BisectionDeps } from '@benchrunner/bisect';
import { LOCAL_MINION, loadSuite, PRIORITY, type RunJobData, type RunManifest } from '@benchrunner/core';
import { TargetResolver } from '@benchrunner/git';
import {
  appendRunLog,
  createRedis,
  enqueuePublish,
  enqueueRun,
  laneName,
  PUBLISH_QUEUE,
  publishJobId,
  QUEUE_PREFIX,
} from '@benchrunner/queue';
import { openResultsDb, type ResultsDb } from '@benchrunner/results-db';
import { LocalRunner } from '@benchrunner/ssh';
import {
  createGitRepository,
  type GitRepoFixture,
  type RedisFixture,
  startRedis,
  waitFor,
} from '@benchrunner/testing';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ActiveRuns } from '../src/active-runs.ts';
import { createWorkerAlerts } from '../src/alerts.ts';
import { workerBisections } from '../src/bisection.ts';
import { WorkerEnv } from '../src/env.ts';
import { createRunProcessor } from '../src/processor.ts';
import { createPublishProcessor } from '../src/publisher.ts';
import { silentLogger } from './helpers-publish.ts';

// The real queue, the worker's run and publish processors, a local minion, a git repository made
// here and a SQLite results database. The benchmark reads its level from `levels.json` at the
// commit under test (BENCHRUNNER_COMMIT), with 1 % noise: what a slow commit looks like to a runner.
const BENCH = `
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
const name = process.argv[2];
const levels = JSON.parse(execFileSync('git', ['-C', process.env.BENCHRUNNER_REPOSITORY, 'show',
  process.env.BENCHRUNNER_COMMIT + ':levels.json'], { encoding: 'utf8' }));
if (levels.broken) { console.error('build failed: does not compile'); process.exit(2); }
const seed = createHash('sha256').update(process.env.BENCHRUNNER_RUN_ID + process.env.BENCHRUNNER_REPEAT + name).digest();
const noise = (seed.readUInt32BE(0) / 2 ** 32 - 0.5) * 0.02;
process.stdout.write(JSON.stringify({ [name]: { latency: { value: levels[name] * (1 + noise) } } }));
`;

let redis: RedisFixture;
let connection: Redis;
let repo: GitRepoFixture;
let root: string;

beforeAll(async () => {
  [redis, repo] = await Promise.all([startRedis(), createGitRepository()]);
  connection = createRedis(redis.url);
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-bisection-'));
});
afterAll(async () => {
  connection?.disconnect();
  await redis?.close();
  await repo?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Commits `levels` on main (a merge of a side branch with two commits when `merge`); returns the sha. */
async function commitLevels(i: number, levels: Record<string, unknown>, merge: boolean): Promise<string> {
  const write = async (value: Record<string, unknown>) => {
    await writeFile(path.join(repo.dir, 'levels.json'), JSON.stringify(value));
    await writeFile(path.join(repo.dir, 'step.txt'), String(i));
  };
  if (merge) {
    repo.git('checkout', '--quiet', '-b', `side-${i}`);
    for (const part of ['a', 'b']) {
      await writeFile(path.join(repo.dir, `side-${i}-${part}.txt`), part);
      repo.git('add', '.');
      repo.git('commit', '--quiet', '-m', `side ${i}${part}`);
    }
    repo.git('checkout', '--quiet', 'main');
    repo.git('merge', '--quiet', '--no-ff', '--no-commit', `side-${i}`);
    await write(levels);
    repo.git('add', '.');
    repo.git('commit', '--quiet', '-m', `merge side ${i}`);
  } else {
    await write(levels);
    repo.git('add', '.');
    repo.git('commit', '--quiet', '-m', `step ${i}`);
  }
  return repo.git('rev-parse', 'HEAD').trim();
}

it('bisects a 20 % slowdown and a 20 % speed-up in one range of 8 commits to their culprits, behind a manual run, raising no record from the probes', async () => {
  repo.git('checkout', '--quiet', 'main');
  // 32 commits on main after the fixture's C, merges among them; alpha slows at 19, beta speeds up at 21.
  const shas: string[] = [];
  for (let i = 0; i < 32; i++) {
    const levels = { alpha: i >= 19 ? 1200 : 1000, beta: i >= 21 ? 400 : 500, broken: i === 17 };
    shas.push(await commitLevels(i, levels, [5, 13, 18, 26].includes(i)));
  }
  const suiteDir = path.join(root, 'suite');
  await rm(suiteDir, { recursive: true, force: true });
  await mkdir(suiteDir, { recursive: true });
  await writeFile(path.join(suiteDir, 'bench.mjs'), BENCH);
  const suiteFile = path.join(suiteDir, 'suite.yaml');
  await writeFile(
    suiteFile,
    [
      `project: bisect-demo`,
      // The noise check judges the machine, not the commit: on a loaded test machine it marks every
      // run noisy, and noisy runs are never judged, so no record would be found to bisect.
      'noise: false',
      `target: {repository: ${repo.dir}, branch: main}`,
      'benchmarks:',
      '  - {name: alpha, command: [node, bench.mjs, alpha], format: bmf, results: stdout, repeats: 8}',
      '  - {name: beta, command: [node, bench.mjs, beta], format: bmf, results: stdout, repeats: 8}',
      '',
    ].join('\n'),
  );

  const logger = silentLogger();
  const archiveRoot = path.join(root, 'runs');
  const results: ResultsDb = openResultsDb({ dataDir: path.join(root, 'db') });
  const targets = new TargetResolver({ gitRoot: path.join(root, 'git') });
  const lane = new Queue(laneName('local'), { connection, prefix: QUEUE_PREFIX });
  const publishQueue = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const suite = await loadSuite(suiteFile);
  // The alert webhook, a real HTTP receiver: told of each culprit once, as main.ts wires it.
  const secret = 'culprit-secret-0123456789';
  const hook = await startReceiver(() => ({ status: 202 }));
  const alerts = createWorkerAlerts({
    env: WorkerEnv.parse({ ALERT_WEBHOOK_URL: `${hook.url}/hook`, ALERT_WEBHOOK_SECRET: secret }),
    redis: connection,
    resultsDb: results,
    archiveRoot,
    logger,
  });
  const deps: BisectionDeps = {
    results,
    mirror: async () => targets.mirror(suite),
    enqueue: (data) => enqueueRun(lane, data),
    logger,
    ...(alerts ? { onEnded: alerts.bisectionEnded } : {}),
  };
  const bisections = workerBisections(deps);
  const publishConnection = createRedis(redis.url);
  const laneConnection = createRedis(redis.url);
  const publishWorker = new Worker(
    PUBLISH_QUEUE,
    createPublishProcessor({
      archiveRoot,
      logger,
      resultsDb: results,
      onResultsStored: bisections.onResultsStored,
    }),
    { connection: publishConnection, prefix: QUEUE_PREFIX, concurrency: 2, lockDuration: 30_000 },
  );
  const started: { id: string; priority: string; probe: boolean; at: number }[] = [];
  const laneWorker = new Worker(
    laneName('local'),
    createRunProcessor({
      minion: LOCAL_MINION,
      suiteFile,
      archiveRoot,
      logger,
      active: new ActiveRuns(),
      connect: async () => new LocalRunner({ minion: 'local', workDir: path.join(root, 'minion') }),
      cancelRequested: async () => null,
      lockDurationMs: 30_000,
      appendLog: (runId, lines) => appendRunLog(lane, runId, lines),
      targets,
      onArchived: async (manifest: RunManifest) => {
        await enqueuePublish(publishQueue, manifest.id);
      },
    }),
    { connection: laneConnection, prefix: QUEUE_PREFIX, autorun: false },
  );
  laneWorker.on('active', (job: Job<RunJobData>) =>
    started.push({
      id: job.id ?? '',
      priority: job.data.priority,
      probe: Boolean(job.data.probe),
      at: Date.now(),
    }),
  );
  const run = (commit: string, priority: 'nightly' | 'manual'): RunJobData => ({
    commit,
    branch: 'main',
    benchmarks: [],
    profile: false,
    minion: 'local',
    priority,
    trigger: { kind: 'api', detail: {} },
  });
  const published = (id: string) =>
    waitFor(
      async () => (await publishQueue.getJob(publishJobId(id)))?.isCompleted() ?? false,
      `run ${id} published`,
      120_000,
    );
  try {
    void laneWorker.run();
    // Nightly-like runs every 8 commits: 7, 15, 23, 31. The change lies in (15, 23].
    for (const i of [7, 15, 23, 31]) {
      const { id } = await enqueueRun(lane, run(shas[i] as string, 'nightly'));
      await published(id);
    }
    const [regression, ...others] = await results.regressions({ limit: 10, benchmark: 'alpha' });
    expect(others).toEqual([]);
    expect(regression).toMatchObject({
      kind: 'regression',
      lastGood: { commit: shas[15] },
      firstBad: { commit: shas[23] },
    });
    // The other change in the same range: beta 20 % faster, an improvement.
    const [improvement] = await results.regressions({ limit: 10, benchmark: 'beta' });
    expect(improvement).toMatchObject({
      kind: 'improvement',
      lastGood: { commit: shas[15] },
      firstBad: { commit: shas[23] },
    });
    // The worker starts them on the status change to `confirmed` (the lane is held so the manual
    // run queued next waits beside the first probes).
    await laneWorker.pause();
    const bisection = await bisections.onConfirmed(regression?.id ?? '');
    expect(bisection).toMatchObject({ status: 'running', commits: 8, probes: [{ outcome: 'pending' }] });
    const other = await bisections.onConfirmed(improvement?.id ?? '');
    expect(other).toMatchObject({ status: 'running', commits: 8 });
    const manual = await enqueueRun(lane, run(shas[31] as string, 'manual'));
    laneWorker.resume();

    const id = bisection?.id ?? '';
    for (const each of [id, other?.id ?? '']) {
      await waitFor(
        async () => (await results.bisections.get(each)).status !== 'running',
        `bisection ${each} to end`,
        300_000,
      );
    }
    expect(await results.bisections.get(other?.id ?? '')).toMatchObject({
      status: 'done',
      culprit: { sha: shas[21], subject: 'step 21' },
    });
    const done = await results.bisections.get(id);
    expect(done).toMatchObject({
      status: 'done',
      culprit: { sha: shas[19], subject: 'step 19', merge: false },
    });
    // Commit 17 does not build: if it was probed, it was skipped, not judged.
    for (const p of done.probes.filter((p) => p.commit === shas[17])) expect(p.outcome).toBe('skipped');
    // Every probe run counts, the skipped one included.
    expect(done.probes.length).toBeLessThanOrEqual(Math.ceil(Math.log2(8)) + 2);
    // The manual run, queued after the first probes, ran before every probe.
    const manualAt = started.find((s) => s.id === manual.id)?.at ?? Number.POSITIVE_INFINITY;
    for (const s of started.filter((s) => s.probe)) expect(s.at).toBeGreaterThan(manualAt);
    expect(PRIORITY.manual).toBeLessThan(PRIORITY.bisect);
    // The record shows the culprit and the probes with their figures; probes raised no records.
    const record = await results.regression(regression?.id ?? '');
    expect(record.bisection?.culprit?.sha).toBe(shas[19]);
    expect(record.bisection?.probes.find((p) => p.figures)?.figures?.vsGood).toBeDefined();
    expect(await results.regressions({ limit: 10, benchmark: 'alpha' })).toHaveLength(1);
    // A bisection started again with no new probe to run ends at once the same way.
    expect((await advanceBisection(deps, id)).status).toBe('done');
    // Each culprit went to the alert webhook once, signed (the end is stored before the channels
    // are told: the last one may still be on its way); an ended bisection advanced again tells no one.
    await waitFor(() => hook.received.length >= 2, 'both culprits at the webhook', 30_000);
    expect((await advanceBisection(deps, other?.id ?? '')).status).toBe('done');
    const culprits = hook.received.map((r) => JSON.parse(r.body));
    expect(culprits.map((e) => [e.event, e.regression.id, e.culprit.sha]).sort()).toEqual(
      [
        ['regression.culprit', regression?.id, shas[19]],
        ['regression.culprit', improvement?.id, shas[21]],
      ].sort(),
    );
    for (const r of hook.received) {
      const signature = r.headers[SIGNATURE_HEADER.toLowerCase()] as string;
      expect(verifySignature(secret, r.body, signature)).toBe(true);
    }
  } finally {
    await hook.close();
    await laneWorker.close();
    await publishWorker.close();
    await lane.close();
    await publishQueue.close();
    await results.close();
    publishConnection.disconnect();
    laneConnection.disconnect();
  }
}, 600_000);
