import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, LOCAL_MINION, type RunManifest } from '@benchrunner/core';
import { TargetResolver } from '@benchrunner/git';
import {
  appendRunLog,
  createRedis,
  ensureNightlySchedule,
  laneName,
  QUEUE_PREFIX,
  removeNightlySchedule,
} from '@benchrunner/queue';
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
import { createRunProcessor } from '../src/processor.ts';

let redis: RedisFixture;
let connection: Redis;
let repo: GitRepoFixture;
let root: string;

beforeAll(async () => {
  [redis, repo] = await Promise.all([startRedis(), createGitRepository()]);
  connection = createRedis(redis.url);
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-nightly-target-'));
});
afterAll(async () => {
  connection?.disconnect();
  await redis?.close();
  await repo?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

it('a nightly run measures its branch as it stood when the scheduler queued it, not when the lane got to it', async () => {
  const suiteFile = path.join(root, 'suite.yaml');
  await writeFile(
    suiteFile,
    `target: {repository: ${repo.dir}, branch: main}\nbenchmarks:\n  - {name: a, command: [node, -e, "0"]}\n`,
  );
  const queue = new Queue(laneName('local'), { connection, prefix: QUEUE_PREFIX });
  // Fires every second; the first firing is all this test needs.
  await ensureNightlySchedule(queue, {
    cron: '* * * * * *',
    tz: 'UTC',
    template: {
      commit: 'main',
      benchmarks: [],
      profile: false,
      minion: 'local',
      priority: 'nightly',
      trigger: { kind: 'schedule', detail: { scheduler: 'nightly' } },
    },
  });
  // The run is due once its firing time has passed; the lane is busy (no worker takes it yet).
  let firesAt = 0;
  await waitFor(
    async () => {
      // Delayed until its second, or already due (a loaded machine may take longer than the second
      // between computing the firing time and adding the job): then it is waiting, prioritised.
      const [job] = await queue.getJobs(['delayed', 'prioritized', 'wait']);
      firesAt = job?.opts.prevMillis ?? 0;
      return firesAt > 0;
    },
    'the nightly run to be scheduled',
    30_000,
  );
  await waitFor(() => Date.now() > firesAt + 500, 'the nightly run to fire', 5000);
  // Pushed after the run was queued, while it waited for the lane.
  const late = await repo.commit(
    'main',
    'E: pushed while the nightly run waited',
    new Date(Date.now() + 3600_000),
  );

  const archiveRoot = path.join(root, 'runs');
  const finished: Job[] = [];
  const worker = new Worker(
    laneName('local'),
    createRunProcessor({
      minion: LOCAL_MINION,
      suiteFile,
      archiveRoot,
      logger: createLogger({ name: 'worker-test', level: 'silent' }),
      active: new ActiveRuns(),
      connect: async () => new LocalRunner({ minion: 'local', workDir: path.join(root, 'minion') }),
      cancelRequested: async () => null,
      lockDurationMs: 30_000,
      appendLog: (runId, lines) => appendRunLog(queue, runId, lines),
      targets: new TargetResolver({ gitRoot: path.join(root, 'git') }),
    }),
    { connection: createRedis(redis.url), prefix: QUEUE_PREFIX },
  );
  worker.on('completed', (job) => finished.push(job));
  worker.on('failed', (job) => job && finished.push(job));
  try {
    await waitFor(() => finished.length > 0, 'the nightly run to finish', 60_000);
    const job = finished[0]!;
    expect(job.failedReason).toBeUndefined();
    const manifest = JSON.parse(
      await readFile(path.join(archiveRoot, job.id!, 'manifest.json'), 'utf8'),
    ) as RunManifest;
    expect(manifest.target).toMatchObject({ ref: 'main', branch: 'main', commit: { sha: repo.sha.C } });
    expect(manifest.target?.commit.sha).not.toBe(late);
  } finally {
    await worker.close();
    await removeNightlySchedule(queue);
    await queue.close();
    repo.git('reset', '--quiet', '--hard', repo.sha.C);
  }
});
