import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createTestDatabase } from '@benchrunner/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { openResultsDb, type ResultsDb } from '../src/index.ts';
import { manifest } from './manifests.ts';

/** The i-th run on main, at a commit of first-parent depth i. */
function run(i: number) {
  const at = new Date(Date.UTC(2026, 2, 1) + i * 60_000).toISOString();
  return manifest({
    id: `run-${i}`,
    startedAt: at,
    commit: {
      sha: i.toString(16).padStart(40, 'c'),
      parents: [],
      subject: `commit ${i}`,
      author: 'a',
      authorTime: at,
      firstParentDepth: i,
    },
    samples: [10 + i, 11 + i],
  });
}

const QUERY = {
  benchmark: 'add',
  measure: 'latency',
  minion: 'local',
  branch: 'main',
  params: { fileSet: 'One4MBFile' },
  limit: 100,
};

/**
 * history() keeps its answers between calls; a write by another open database (another process:
 * the worker) must show on the very next read, never a cached answer older than the last commit.
 */
function historyCache(name: string, open: () => Promise<{ reader: ResultsDb; writer: ResultsDb }>) {
  describe(`history cache: ${name}`, () => {
    it('answers again from the cache until another connection commits an ingest', async () => {
      const { reader, writer } = await open();
      await writer.ingestRun(run(0));
      const first = await reader.history(QUERY);
      expect(first.points.map((p) => p.runId)).toEqual(['run-0']);
      expect(await reader.history(QUERY)).toBe(first);
      expect(Object.isFrozen(first.points[0])).toBe(true);

      await writer.ingestRun(run(1));
      const second = await reader.history(QUERY);
      expect(second.points.map((p) => p.runId)).toEqual(['run-0', 'run-1']);

      // A rewrite that changes no point count still counts: the CID is new.
      await writer.ingestRun(run(1), { cid: 'bafynewcid' });
      expect((await reader.history(QUERY)).points.at(-1)?.cid).toBe('bafynewcid');

      // The reader's own writes too.
      await reader.ingestRun(run(2));
      expect((await reader.history(QUERY)).points).toHaveLength(3);
      expect((await writer.history(QUERY)).points).toHaveLength(3);
    });
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

historyCache('sqlite', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-history-cache-'));
  const reader = openResultsDb({ dataDir });
  const writer = openResultsDb({ dataDir });
  cleanups.push(async () => {
    await reader.close();
    await writer.close();
    await rm(dataDir, { recursive: true, force: true });
  });
  // Migrate once before the two connections race to create the tables.
  await writer.check();
  return { reader, writer };
});

historyCache('postgres', async () => {
  const database = await createTestDatabase();
  const reader = openResultsDb({ databaseUrl: database.url, dataDir: '/nonexistent' });
  const writer = openResultsDb({ databaseUrl: database.url, dataDir: '/nonexistent' });
  cleanups.push(async () => {
    await reader.close();
    await writer.close();
    await database.drop();
  });
  await writer.check();
  return { reader, writer };
});
