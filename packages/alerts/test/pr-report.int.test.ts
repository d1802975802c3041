import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openResultsDb, type ResultsDb } from '@benchrunner/results-db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestRunOf, pullRequestOf, pullRequestReport } from '../src/index.ts';
import { latencyHistory, mainRun, pullRequestRun } from './runs.ts';

describe('pull request runs against their base branch (SQLite results database)', () => {
  let dir: string;
  let db: ResultsDb;
  const main = Array.from({ length: 8 }, (_, depth) => mainRun(depth, 1000));
  const slower = pullRequestRun(7, 'run-pr-slow', 1200);
  const same = pullRequestRun(8, 'run-pr-same', 1000);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-alerts-'));
    db = openResultsDb({ dataDir: dir });
    // Stored out of commit order: the base's latest run is the deepest commit, not the last stored.
    for (const run of [...main.slice(4), slower, same, ...main.slice(0, 4)]) await db.ingestRun(run);
  });
  afterAll(async () => {
    await db?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('never puts a pull request run in the base branch history, nor in detection', async () => {
    const history = await db.history(latencyHistory('main'));
    expect(history.points.map((p) => p.runId)).toEqual(main.map((r) => r.id));
    const own = await db.history(latencyHistory('pull/7/head'));
    expect(own.points.map((p) => p.runId)).toEqual(['run-pr-slow']);
    expect(await db.detectRun('run-pr-slow')).toEqual([]);
    expect(await db.regressions({ limit: 10 })).toEqual([]);
  });

  it("finds the base branch latest run and compares with compare's rules", async () => {
    const baseId = await latestRunOf(db, { branch: 'main', minion: 'local', benchmarks: ['add'] });
    expect(baseId).toBe('run-main-7');
    expect(await latestRunOf(db, { branch: 'main', minion: 'other', benchmarks: ['add'] })).toBeNull();
    const base = main.find((r) => r.id === baseId)!;
    const report = pullRequestReport(slower, pullRequestOf(slower, 'trunk')!, base);
    expect(report.pullRequest).toEqual({ number: 7, baseBranch: 'main', headBranch: 'feature' });
    expect(report.base).toEqual({ runId: 'run-main-7', commit: base.target!.commit.sha });
    const latency = report.rows.find((r) => r.measure === 'latency' && r.params.fileSet === 'One4MBFile')!;
    expect(latency.verdict).toBe('regressed');
    expect(latency.change).toBeGreaterThan(0.15);
    expect(latency.changeCi!.lower).toBeGreaterThan(0);
    expect(report.counts).toMatchObject({ regressed: 1, improved: 0 });
    // An A/A pull request (same level, other noise) flags nothing.
    const quiet = pullRequestReport(same, pullRequestOf(same, 'main')!, base);
    expect(quiet.counts).toMatchObject({ regressed: 0, improved: 0, changed: 0 });
  });

  it('reports a pull request whose base has no result yet, and knows pull/N/head branches without PR details', () => {
    const report = pullRequestReport(slower, pullRequestOf(slower, 'main')!, null);
    expect(report.base).toBeNull();
    expect(report.rows.map((r) => r.verdict)).toEqual(['only in B', 'only in B', 'only in B']);
    const bare = structuredClone(slower);
    delete bare.target!.pullRequest;
    expect(pullRequestOf(bare, 'trunk')).toEqual({ number: 7, baseBranch: 'trunk', headBranch: null });
    expect(pullRequestOf(main[0]!, 'main')).toBeNull();
  });
});
