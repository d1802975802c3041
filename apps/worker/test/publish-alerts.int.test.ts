import { rm } from 'node:fs/promises';
import path from 'node:path';
import { reportMarker, SIGNATURE_HEADER, verifySignature } from '@benchrunner/alerts';
import { type Answer, type Received, startReceiver } from '@benchrunner/alerts/test/receiver.ts';
import { latencyHistory } from '@benchrunner/alerts/test/runs.ts';
import { readReceipts } from '@benchrunner/archive';
import { type CommitInfo, parseSuite, type RunManifest } from '@benchrunner/core';
import { createRedis, enqueuePublish } from '@benchrunner/queue';
import { openResultsDb, type ResultsDb } from '@benchrunner/results-db';
import { linearCommits } from '@benchrunner/results-db/test/git-history.ts';
import { archiveRun, manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';
import { type RedisFixture, startRedis, waitFor } from '@benchrunner/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWorkerAlerts } from '../src/alerts.ts';
import { WorkerEnv } from '../src/env.ts';
import { type Publishing, silentLogger, startPublishing, tempRoot } from './helpers-publish.ts';

// Real Redis, a real SQLite results database, the publish processor on a BullMQ queue, and real
// HTTP receivers standing for the webhook's endpoint and GitHub.
const SECRET = 'alerts-secret-0123456789abcdef';
let redis: RedisFixture;
let connection: Redis;
let root: string;
let commits: CommitInfo[];
let stopRepo: () => Promise<void>;
let hook: Awaited<ReturnType<typeof startReceiver>>;
let github: Awaited<ReturnType<typeof startReceiver>>;
let db: ResultsDb;
let publishing: Publishing;
let archiveRoot: string;

beforeAll(async () => {
  let history: Awaited<ReturnType<typeof linearCommits>>;
  [redis, root, history] = await Promise.all([startRedis(), tempRoot('publish-alerts'), linearCommits(13)]);
  commits = history.commits;
  stopRepo = history.stop;
  connection = createRedis(redis.url);
  hook = await startReceiver(() => ({ status: 202 }));
  github = await startReceiver((request: Received): Answer => {
    if (request.method === 'GET') return { status: 200, body: [] };
    return { status: 201, body: { id: 42, body: '' } };
  });
  archiveRoot = path.join(root, 'runs');
  db = openResultsDb({ dataDir: path.join(root, 'db') });
  const env = WorkerEnv.parse({
    PUBLIC_URL: 'https://bench.example.org',
    ALERT_ON: 'suspected,confirmed,fixed',
    ALERT_WEBHOOK_URL: `${hook.url}/benchrunner`,
    ALERT_WEBHOOK_SECRET: SECRET,
    GITHUB_TOKEN: 'test-token-0123456789',
    GITHUB_API_URL: `${github.url}/api/v3`,
    GITHUB_REPOSITORY: 'acme/widgets',
  });
  const suite = parseSuite(
    'project: demo\ntarget: {repository: https://github.com/acme/widgets.git}\nbenchmarks:\n  - name: add\n    command: [node, add.mjs]\n',
    'suite.yaml',
  );
  const alerts = createWorkerAlerts({
    env,
    redis: connection,
    resultsDb: db,
    archiveRoot,
    suite,
    logger: silentLogger(),
  });
  publishing = await startPublishing({
    connection,
    archiveRoot,
    resultsDb: db,
    ...(alerts ? { alerts } : {}),
  });
});

afterAll(async () => {
  await publishing?.close();
  await db?.close();
  connection?.disconnect();
  await Promise.all([redis?.close(), stopRepo?.(), hook?.close(), github?.close()]);
  if (root) await rm(root, { recursive: true, force: true });
});

async function publish(run: RunManifest): Promise<void> {
  await archiveRun(archiveRoot, run);
  await enqueuePublish(publishing.queue, run.id);
  await waitFor(async () => Boolean((await readReceipts(archiveRoot, run.id)).results), `${run.id} written`);
}

const samples = noisySamples(11);

it('sends a detected regression to the webhook and GitHub once, then reports a pull request run', async () => {
  for (const [i, commit] of commits.entries()) {
    await publish(
      manifest({
        id: `main-${String(i).padStart(2, '0')}`,
        startedAt: new Date(Date.parse('2026-05-01T00:00:00Z') + i * 60_000).toISOString(),
        commit,
        samples: samples(i === 12 ? 1200 : 1000),
      }),
    );
  }
  const [record] = await db.regressions({ limit: 10 });
  expect(record?.status).toBe('suspected');
  const events = hook.received.map((r) => JSON.parse(r.body));
  expect(events.map((e) => [e.event, e.status, e.regression.id])).toEqual([
    ['regression.status', 'suspected', record?.id],
  ]);
  expect(
    verifySignature(
      SECRET,
      hook.received[0]!.body,
      hook.received[0]!.headers[SIGNATURE_HEADER.toLowerCase()] as string,
    ),
  ).toBe(true);
  expect(events[0].url).toBe(`https://bench.example.org/regressions/${record?.id}`);
  const statuses = github.received.filter((r) => r.path.includes('/statuses/'));
  expect(statuses.map((r) => r.path)).toEqual([`/api/v3/repos/acme/widgets/statuses/${commits[12]?.sha}`]);
  expect(JSON.parse(statuses[0]!.body)).toMatchObject({ state: 'pending' });

  // Published again (forced): detection returns the same record, nothing is sent twice.
  const before = (await readReceipts(archiveRoot, 'main-12')).results?.at;
  await enqueuePublish(publishing.queue, 'main-12', { again: true, force: true });
  await waitFor(
    async () => (await readReceipts(archiveRoot, 'main-12')).results?.at !== before,
    'the forced publish',
  );
  expect(hook.received).toHaveLength(1);
  expect(github.received).toHaveLength(1);

  // A pull request run, 20 % slower than the base's latest run: reported, kept out of main.
  const pr = manifest({
    id: 'pr-1',
    startedAt: '2026-05-02T00:00:00Z',
    commit: commits[12]!,
    branch: 'pull/9/head',
    samples: samples(1440),
  });
  pr.target!.pullRequest = { number: 9, baseBranch: 'main', headBranch: 'faster' };
  pr.request.trigger = { kind: 'github', detail: { event: 'pull_request', repository: 'acme/gadgets' } };
  await publish(pr);
  const report = JSON.parse(hook.received[1]!.body);
  expect(report).toMatchObject({
    event: 'pull_request.report',
    runId: 'pr-1',
    pullRequest: { number: 9, baseBranch: 'main' },
    base: { runId: 'main-12' },
    counts: { regressed: 1 },
  });
  // GITHUB_REPOSITORY wins over the webhook's repository.
  const comment = github.received.find((r) => r.method === 'POST' && r.path.endsWith('/issues/9/comments'));
  expect(comment?.path).toBe('/api/v3/repos/acme/widgets/issues/9/comments');
  expect(JSON.parse(comment!.body).body).toContain(reportMarker('demo', 'local'));
  const history = await db.history(latencyHistory('main'));
  expect(history.points.map((p) => p.runId)).not.toContain('pr-1');
  expect(await db.regressions({ limit: 10 })).toHaveLength(1);
});
