import { rm } from 'node:fs/promises';
import path from 'node:path';
import { createRedis } from '@benchrunner/queue';
import { openResultsDb, type Regression, type ResultsDb } from '@benchrunner/results-db';
import { linearCommits } from '@benchrunner/results-db/test/git-history.ts';
import { manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';
import { ANNOTATION_MEASUREMENT, InfluxMetricsSink } from '@benchrunner/sinks';
import { type Influxd, type RedisFixture, startInfluxd, startRedis } from '@benchrunner/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { annotateRegressions, annotationListener } from '../src/annotations.ts';
import { influxRows, publishAndWait, silentLogger, startPublishing, tempRoot } from './helpers-publish.ts';

// Real Redis, real influxd, a real SQLite results database and the worker's publish processor.
const DB = 'benchmarks';
const PUBLIC = 'https://bench.example.org/';
let redis: RedisFixture;
let influxd: Influxd;
let connection: Redis;
let root: string;
let results: ResultsDb;
let sink: InfluxMetricsSink;
let stopRepo: () => Promise<void>;
const startedAt = (i: number) => new Date(Date.parse('2026-05-01T00:00:00Z') + i * 60_000).toISOString();

beforeAll(async () => {
  let history: Awaited<ReturnType<typeof linearCommits>>;
  [redis, influxd, root, history] = await Promise.all([
    startRedis(),
    startInfluxd({ databases: [DB] }),
    tempRoot('publish-annotations'),
    linearCommits(13),
  ]);
  stopRepo = history.stop;
  connection = createRedis(redis.url);
  results = openResultsDb({ dataDir: path.join(root, 'db') });
  sink = new InfluxMetricsSink({ api: 'v1', url: influxd.url, database: DB });
  const archiveRoot = path.join(root, 'runs');
  const publishing = await startPublishing({
    connection,
    archiveRoot,
    resultsDb: results,
    metricsSink: sink,
    publicApiUrl: PUBLIC,
  });
  // Twelve runs at one level, the thirteenth 20 % slower: published as the worker publishes them.
  const samples = noisySamples(5);
  try {
    for (const [i, commit] of history.commits.entries()) {
      const run = manifest({
        id: `run-${String(i).padStart(2, '0')}`,
        startedAt: startedAt(i),
        commit,
        samples: samples(i === 12 ? 1200 : 1000),
      });
      await publishAndWait(publishing, archiveRoot, run);
    }
  } finally {
    await publishing.close();
  }
});

afterAll(async () => {
  connection?.disconnect();
  await results?.close();
  await Promise.all([redis?.close(), influxd?.stop(), stopRepo?.()]);
  if (root) await rm(root, { recursive: true, force: true });
});

const annotations = () => influxRows(influxd, DB, `SELECT * FROM "${ANNOTATION_MEASUREMENT}" GROUP BY *`);

it('writes the suspected regression to InfluxDB as an annotation at its first bad run, linking to its page', async () => {
  const [regression, ...others] = await results.regressions({ limit: 10 });
  expect(others).toEqual([]);
  const rows = await annotations();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    time: Date.parse(startedAt(12)) * 1_000_000,
    benchmark: 'add',
    minion: 'local',
    branch: 'main',
    measure: 'latency',
    regression: regression?.id,
    status: 'suspected',
    kind: 'regression',
    detector: 'baseline',
    commit: regression?.firstBad.commit,
    link: `https://bench.example.org/regressions/${regression?.id}`,
  });
  expect(rows[0]?.title).toMatch(/^suspected regression \+\d+\.\d %: add latency$/);
  expect(rows[0]?.text).toContain(`<a href="https://bench.example.org/regressions/${regression?.id}">`);
  expect(rows[0]?.text).toContain('add file (fileSet=One4MBFile) on local, main');
});

it('replaces the annotation when the status changes, and writes nothing without a metrics sink', async () => {
  const [regression] = await results.regressions({ limit: 10 });
  const acknowledged = await results.acknowledgeRegression(regression?.id as string);
  expect(await annotateRegressions({ resultsDb: results }, [acknowledged], silentLogger())).toBe(0);
  expect(
    await annotateRegressions(
      { resultsDb: results, metricsSink: sink, publicApiUrl: PUBLIC },
      [acknowledged],
      silentLogger(),
    ),
  ).toBe(1);
  const rows = await annotations();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({
    status: 'acknowledged',
    regression: regression?.id,
    link: `https://bench.example.org/regressions/${regression?.id}`,
  });
  expect(rows[0]?.title).toMatch(/^acknowledged regression/);
});

it('rewrites the annotation as a status listener, and is none without a metrics sink', async () => {
  const [regression] = await results.regressions({ limit: 10 });
  expect(annotationListener({ resultsDb: results }, silentLogger())).toBeUndefined();
  const listener = annotationListener(
    { resultsDb: results, metricsSink: sink, publicApiUrl: PUBLIC },
    silentLogger(),
  );
  const noise = { ...(regression as Regression), status: 'noise' as const };
  await listener?.({ regression: noise, from: 'confirming', to: 'noise' });
  const rows = await annotations();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ status: 'noise', regression: regression?.id });
  expect(rows[0]?.title).toMatch(/^noise regression/);
});
