import { createTestDatabase, type PostgresFixture, startPostgres } from '@benchrunner/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openResultsDb, type ResultsDb, ResultsDbUnavailableError } from '../src/index.ts';
import { manifest } from './manifests.ts';

// A PostgreSQL of our own, so it can be stopped without touching the machine's server.
let server: PostgresFixture;
let db: ResultsDb;

beforeAll(async () => {
  server = await startPostgres();
  const database = await createTestDatabase(server.url);
  db = openResultsDb({
    databaseUrl: database.url.replace('postgres://postgres@', 'postgres://postgres:secret@'),
    dataDir: '/nonexistent',
  });
});

afterAll(async () => {
  await db?.close();
  await server?.close();
});

const query = {
  benchmark: 'add',
  measure: 'latency',
  minion: 'local',
  params: { fileSet: 'One4MBFile' },
  limit: 10,
};

it('reports a refused connection clearly, without the password, and writes once the server is back', async () => {
  await db.ingestRun(
    manifest({ id: 'run-1', startedAt: '2026-03-02T01:00:00Z', tag: 'main', samples: [1, 2] }),
  );
  await server.stop();
  const run2 = manifest({ id: 'run-2', startedAt: '2026-03-02T02:00:00Z', tag: 'main', samples: [3, 4] });
  const error = await db.ingestRun(run2).then(
    () => undefined,
    (e: unknown) => e as Error,
  );
  expect(error).toBeInstanceOf(ResultsDbUnavailableError);
  expect(error?.message).toContain(
    `results database postgres at postgres://postgres:***@127.0.0.1:${server.port}/`,
  );
  expect(error?.message).toMatch(/ECONNREFUSED|terminat|connect/i);
  expect(error?.message).not.toContain('secret');
  await expect(db.check()).rejects.toBeInstanceOf(ResultsDbUnavailableError);
  // Detection and the records answer the same way, so the API gives 503 and the publish step retries.
  await expect(db.detectRun('run-1')).rejects.toBeInstanceOf(ResultsDbUnavailableError);
  await expect(db.regressions({ limit: 10 })).rejects.toBeInstanceOf(ResultsDbUnavailableError);
  await expect(db.regression('r')).rejects.toBeInstanceOf(ResultsDbUnavailableError);
  await expect(db.acknowledgeRegression('r')).rejects.toBeInstanceOf(ResultsDbUnavailableError);
  // Reading the history of a migrated database too (it used to surface the driver's own error: a 500).
  await expect(db.history(query)).rejects.toBeInstanceOf(ResultsDbUnavailableError);
  await expect(db.series()).rejects.toBeInstanceOf(ResultsDbUnavailableError);

  await server.start();
  await db.ingestRun(run2);
  expect((await db.history(query)).points.map((p) => p.runId)).toEqual(['run-1', 'run-2']);
});

it('starts while the server is down and migrates on the first use after it is back', async () => {
  const database = await createTestDatabase(server.url);
  await server.stop();
  const late = openResultsDb({ databaseUrl: database.url, dataDir: '/nonexistent' });
  try {
    await expect(late.check()).rejects.toThrow(/results database postgres at .*ECONNREFUSED|connect/);
    await server.start();
    await late.ingestRun(
      manifest({ id: 'run-3', startedAt: '2026-03-02T03:00:00Z', tag: 'main', samples: [5, 6] }),
    );
    expect((await late.history(query)).points).toHaveLength(1);
  } finally {
    await late.close();
  }
});
