import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { readReceipts } from '@benchrunner/archive';
import { createRedis, enqueuePublish } from '@benchrunner/queue';
import { openResultsDb, type ResultsDb } from '@benchrunner/results-db';
import { CarArtifactStore } from '@benchrunner/sinks';
import {
  createTestDatabase,
  type PostgresFixture,
  type RedisFixture,
  startPostgres,
  startRedis,
  waitFor,
} from '@benchrunner/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RESULTS_DB_SINK } from '../src/publisher.ts';
import { nextRun, type Publishing, startPublishing, tempRoot } from './helpers-publish.ts';

// Real Redis, a real throwaway PostgreSQL of our own (stopped mid-test), real runs of the tiny suite.
let redis: RedisFixture;
let postgres: PostgresFixture;
let connection: Redis;
let root: string;
let archiveRoot: string;
let db: ResultsDb;
let publishing: Publishing;

beforeAll(async () => {
  [redis, postgres, root] = await Promise.all([
    startRedis(),
    startPostgres(),
    tempRoot('publish-results-db'),
  ]);
  connection = createRedis(redis.url);
  archiveRoot = path.join(root, 'runs');
  const database = await createTestDatabase(postgres.url);
  db = openResultsDb({ databaseUrl: database.url, dataDir: root });
  publishing = await startPublishing({
    connection,
    archiveRoot,
    artifactStore: new CarArtifactStore({ outDir: archiveRoot }),
    resultsDb: db,
  });
});

afterAll(async () => {
  await publishing?.close();
  await db?.close();
  connection?.disconnect();
  await Promise.all([redis?.close(), postgres?.close()]);
  if (root) await rm(root, { recursive: true, force: true });
});

const latency = (branch: string) => ({
  benchmark: 'add',
  measure: 'latency',
  minion: 'local',
  branch,
  params: { file_set: 'One4MBFile' },
  limit: 100,
});

it('writes a run when it is published, with the CID, and a forced republish never doubles a point', async () => {
  const run = await nextRun(root, archiveRoot, 'main');
  await enqueuePublish(publishing.queue, run.id);
  await waitFor(
    async () => Boolean((await readReceipts(archiveRoot, run.id)).results),
    'the results receipt',
  );
  const receipts = await readReceipts(archiveRoot, run.id);
  expect(receipts.results).toMatchObject({ db: 'postgres', cid: receipts.artifacts?.cid });
  const before = await db.history(latency('main'));
  expect(before.points.map((p) => [p.runId, p.cid, p.n])).toEqual([[run.id, receipts.artifacts?.cid, 2]]);

  const at = receipts.results?.at;
  await enqueuePublish(publishing.queue, run.id, { again: true, force: true });
  await waitFor(
    async () => (await readReceipts(archiveRoot, run.id)).results?.at !== at,
    'the forced rewrite',
  );
  expect(await db.history(latency('main'))).toEqual(before);
});

it('keeps a run through a database outage and writes it when the database is back', async () => {
  await postgres.stop();
  const run = await nextRun(root, archiveRoot, 'outage');
  await enqueuePublish(publishing.queue, run.id);
  await waitFor(
    async () => Boolean((await readReceipts(archiveRoot, run.id)).errors[RESULTS_DB_SINK]),
    'the failed write',
  );
  const failed = await readReceipts(archiveRoot, run.id);
  expect(failed.errors[RESULTS_DB_SINK]).toMatch(/results database postgres at postgres:\/\/.*127\.0\.0\.1/);
  expect(failed.results).toBeUndefined();
  expect(failed.artifacts?.cid).toBeTruthy();
  expect(existsSync(path.join(archiveRoot, run.id, 'manifest.json'))).toBe(true);

  await postgres.start();
  await waitFor(
    async () => Boolean((await readReceipts(archiveRoot, run.id)).results),
    'the retried write',
    60_000,
  );
  const done = await readReceipts(archiveRoot, run.id);
  expect(done.errors[RESULTS_DB_SINK]).toBeUndefined();
  expect((await db.history(latency('outage'))).points.map((p) => p.runId)).toEqual([run.id]);
});
