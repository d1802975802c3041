import path from 'node:path';
import { readReceipts } from '@benchrunner/archive';
import type { CommitInfo } from '@benchrunner/core';
import { enqueuePublish } from '@benchrunner/queue';
import { openResultsDb, type ResultsDb, suiteDetectSettings } from '@benchrunner/results-db';
import { archiveRun, manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';
import { waitFor } from '@benchrunner/testing';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RESULTS_DB_SINK } from '../src/publisher.ts';
import {
  type CommitsFixture,
  publishAndWait,
  startCommitsFixture,
  startPublishing,
} from './helpers-publish.ts';

// Real Redis, a real SQLite results database, the worker's publish processor on a BullMQ queue.
let fixture: CommitsFixture;
let connection: Redis;
let root: string;
let commits: CommitInfo[];

beforeAll(async () => {
  fixture = await startCommitsFixture('publish-regressions', 13);
  ({ connection, root, commits } = fixture);
});

afterAll(() => fixture?.close());

/**
 * Archives and publishes twelve runs at one level and a thirteenth 20 % slower, one after the
 * other (each run's baseline is the runs published before it), into a fresh database.
 */
async function publishSlowdown(name: string, detect?: { minChange: number }): Promise<ResultsDb> {
  const archiveRoot = path.join(root, name);
  const db = openResultsDb({ dataDir: path.join(root, `${name}-db`) });
  const publishing = await startPublishing({
    connection,
    archiveRoot,
    resultsDb: db,
    ...(detect ? { detectSettings: suiteDetectSettings({ benchmarks: [{ name: 'add', detect }] }) } : {}),
  });
  const samples = noisySamples(5);
  try {
    for (const [i, commit] of commits.entries()) {
      const level = i === 12 ? 1200 : 1000;
      const run = manifest({
        id: `${name}-${String(i).padStart(2, '0')}`,
        startedAt: new Date(Date.parse('2026-05-01T00:00:00Z') + i * 60_000).toISOString(),
        commit,
        samples: samples(level),
      });
      await publishAndWait(publishing, archiveRoot, run);
    }
  } finally {
    await publishing.close();
  }
  return db;
}

it('records a suspected regression when a published run is 20 % slower than its baseline', async () => {
  const db = await publishSlowdown('plain');
  try {
    const found = await db.regressions({ limit: 10 });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      detector: 'baseline',
      kind: 'regression',
      status: 'suspected',
      lastGood: { commit: commits[11]?.sha, runId: 'plain-11' },
      firstBad: { commit: commits[12]?.sha, runId: 'plain-12' },
    });
  } finally {
    await db.close();
  }
});

it("judges with the suite's detect settings: a minimum change of 50 % lets 20 % pass", async () => {
  const db = await publishSlowdown('lenient', { minChange: 0.5 });
  try {
    expect(await db.regressions({ limit: 10 })).toEqual([]);
  } finally {
    await db.close();
  }
});

it('keeps no results receipt when detection fails, so the retry writes and detects again', async () => {
  const archiveRoot = path.join(root, 'failing');
  const db = openResultsDb({ dataDir: path.join(root, 'failing-db') });
  // A window of 0 passes no suite file's schema; here it makes the detector refuse the settings.
  const publishing = await startPublishing({
    connection,
    archiveRoot,
    resultsDb: db,
    detectSettings: () => ({ window: 0 }),
  });
  try {
    const run = manifest({
      id: 'failing-0',
      startedAt: '2026-05-02T00:00:00Z',
      commit: commits[0] as CommitInfo,
      samples: [1, 2],
    });
    await archiveRun(archiveRoot, run);
    await enqueuePublish(publishing.queue, run.id);
    await waitFor(
      async () => Boolean((await readReceipts(archiveRoot, run.id)).errors[RESULTS_DB_SINK]),
      'the failure',
    );
    const receipts = await readReceipts(archiveRoot, run.id);
    expect(receipts.errors[RESULTS_DB_SINK]).toMatch(/window must be a positive integer/);
    expect(receipts.results).toBeUndefined();
  } finally {
    await publishing.close();
    await db.close();
  }
});
