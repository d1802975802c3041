import { rm } from 'node:fs/promises';
import path from 'node:path';
import { SIGNATURE_HEADER, verifySignature } from '@benchrunner/alerts';
import { startReceiver } from '@benchrunner/alerts/test/receiver.ts';
import { createRedis } from '@benchrunner/queue';
import { openResultsDb, type ResultsDb, type StatusChange } from '@benchrunner/results-db';
import { linearCommits } from '@benchrunner/results-db/test/git-history.ts';
import { manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';
import { ANNOTATION_MEASUREMENT, InfluxMetricsSink } from '@benchrunner/sinks';
import { type Influxd, type RedisFixture, startInfluxd, startRedis } from '@benchrunner/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createWorkerAlerts } from '../src/alerts.ts';
import { annotationListener } from '../src/annotations.ts';
import { WorkerEnv } from '../src/env.ts';
import { influxRows, publishAndWait, silentLogger, startPublishing, tempRoot } from './helpers-publish.ts';

// Real Redis, real influxd, a real SQLite results database, the publish processor on a BullMQ
// queue, and a real HTTP receiver for the webhook: the status listeners as main.ts wires them
// (alerts, then the Grafana annotation) hear detection's new suspicion and, later, its fix.
const SECRET = 'status-secret-0123456789abcdef';
const DB = 'benchmarks';
let redis: RedisFixture;
let influxd: Influxd;
let connection: Redis;
let root: string;
let results: ResultsDb;
let stopRepo: () => Promise<void>;
let hook: Awaited<ReturnType<typeof startReceiver>>;
const heard: StatusChange[] = [];

beforeAll(async () => {
  let history: Awaited<ReturnType<typeof linearCommits>>;
  [redis, influxd, root, history] = await Promise.all([
    startRedis(),
    startInfluxd({ databases: [DB] }),
    tempRoot('publish-status'),
    linearCommits(45),
  ]);
  stopRepo = history.stop;
  connection = createRedis(redis.url);
  hook = await startReceiver(() => ({ status: 202 }));
  results = openResultsDb({ dataDir: path.join(root, 'db') });
  const archiveRoot = path.join(root, 'runs');
  // ALERT_ON left to its default: confirmed and fixed.
  const env = WorkerEnv.parse({
    PUBLIC_URL: 'https://bench.example.org',
    ALERT_WEBHOOK_URL: `${hook.url}/benchrunner`,
    ALERT_WEBHOOK_SECRET: SECRET,
  });
  const alerts = createWorkerAlerts({
    env,
    redis: connection,
    resultsDb: results,
    archiveRoot,
    logger: silentLogger(),
  });
  const metricsSink = new InfluxMetricsSink({ api: 'v1', url: influxd.url, database: DB });
  const annotate = annotationListener({ metricsSink, resultsDb: results }, silentLogger());
  const publishing = await startPublishing({
    connection,
    archiveRoot,
    resultsDb: results,
    ...(alerts ? { alerts } : {}),
    onStatusChange: [
      (change) => {
        heard.push(change);
      },
      async ({ regression, from }) => {
        await alerts?.statusChanged(regression, from);
      },
      ...(annotate ? [annotate] : []),
    ],
  });
  // A benchmark 20 % slower from commit 19 (18 never measured) and back at commit 32.
  const samples = noisySamples(7);
  try {
    for (const [i, commit] of history.commits.entries()) {
      if (i === 18) continue;
      const run = manifest({
        id: `run-${String(i).padStart(2, '0')}`,
        startedAt: new Date(Date.parse('2026-04-01T00:00:00Z') + i * 3_600_000).toISOString(),
        commit,
        samples: samples(i >= 19 && i < 32 ? 1200 : 1000),
      });
      await publishAndWait(publishing, archiveRoot, run);
    }
  } finally {
    await publishing.close();
  }
}, 240_000);

afterAll(async () => {
  connection?.disconnect();
  await results?.close();
  await Promise.all([redis?.close(), influxd?.stop(), stopRepo?.(), hook?.close()]);
  if (root) await rm(root, { recursive: true, force: true });
});

it('tells the status listeners of the new suspicion and of its fix; the fix goes to the webhook once and rewrites the annotation', async () => {
  const slow = (await results.regressions({ limit: 100 })).find((r) => r.firstBad.runId === 'run-19');
  expect(slow?.status).toBe('fixed');
  const ofSlow = heard.filter((c) => c.regression.id === slow?.id);
  expect(ofSlow[0]).toMatchObject({ from: null, to: 'suspected', regression: { status: 'suspected' } });
  expect(ofSlow.filter((c) => c.to === 'suspected')).toHaveLength(1);
  // Fixed once from its open status; later runs that support the fix tell it again, from null.
  const fixes = ofSlow.filter((c) => c.to === 'fixed');
  expect(fixes.filter((c) => c.from !== null).map((c) => c.from)).toEqual(['suspected']);
  expect(fixes[0]?.from).toBe('suspected');

  const events = hook.received.map((r) => JSON.parse(r.body));
  const sent = hook.received.filter((r) => JSON.parse(r.body).regression.id === slow?.id);
  expect(sent.map((r) => JSON.parse(r.body)).map((e) => [e.event, e.status, e.previousStatus])).toEqual([
    ['regression.status', 'fixed', 'suspected'],
  ]);
  const signature = sent[0]?.headers[SIGNATURE_HEADER.toLowerCase()] as string;
  expect(verifySignature(SECRET, sent[0]?.body ?? '', signature)).toBe(true);
  // Suspicions are not in the default ALERT_ON: nothing else was sent.
  expect(events.every((e) => e.status === 'fixed')).toBe(true);

  const rows = await influxRows(influxd, DB, `SELECT * FROM "${ANNOTATION_MEASUREMENT}" GROUP BY *`);
  expect(rows.find((r) => r.regression === slow?.id)).toMatchObject({ status: 'fixed' });
});
