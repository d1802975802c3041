import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CommitInfo, RunManifest } from '@benchrunner/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryQueryError, type ResultsDb, reindex } from '../src/index.ts';
import { makeHistory } from './git-history.ts';
import { archiveRun, manifest } from './manifests.ts';

/** Opens a fresh, empty database; `dispose` closes it and removes what it made. */
export type OpenFresh = () => Promise<{ db: ResultsDb; dispose(): Promise<void> }>;

const LATENCY = { benchmark: 'add', measure: 'latency', minion: 'local', limit: 100 } as const;

/** Opens fresh databases for one describe block; `disposeAll` (in afterAll) undoes everything registered. */
export function freshDatabases(openFresh: OpenFresh) {
  const disposals: (() => Promise<void>)[] = [];
  return {
    disposals,
    fresh: async () => {
      const opened = await openFresh();
      disposals.push(opened.dispose);
      return opened.db;
    },
    disposeAll: async () => {
      for (const dispose of disposals.reverse()) await dispose();
    },
  };
}

/** Every results database passes this suite: SQLite and PostgreSQL run the same cases. */
export function resultsDbContract(name: string, openFresh: OpenFresh): void {
  describe(`ResultsDb contract: ${name}`, () => {
    let commits: Record<string, CommitInfo>;
    let runs: RunManifest[];
    let db: ResultsDb;
    const { disposals, fresh, disposeAll } = freshDatabases(openFresh);

    beforeAll(async () => {
      const history = await makeHistory();
      disposals.push(() => rm(history.dir, { recursive: true, force: true }));
      commits = history.commits;
      const c = (key: string) => commits[key] as CommitInfo;
      // Run start times deliberately disagree with commit order (c2 measured last, c1 twice).
      runs = [
        manifest({
          id: 'run-c3',
          startedAt: '2026-03-02T01:00:00Z',
          commit: c('c3'),
          samples: [50, 52, 51, 49, 50, 53],
        }),
        manifest({ id: 'run-c0', startedAt: '2026-03-02T02:00:00Z', commit: c('c0'), samples: [10, 11, 12] }),
        manifest({ id: 'run-m', startedAt: '2026-03-02T03:00:00Z', commit: c('m'), samples: [40, 41] }),
        manifest({ id: 'run-c1a', startedAt: '2026-03-02T04:00:00Z', commit: c('c1'), samples: [20, 21] }),
        manifest({ id: 'run-c1b', startedAt: '2026-03-02T05:00:00Z', commit: c('c1'), samples: [22, 23] }),
        manifest({ id: 'run-c2', startedAt: '2026-03-02T06:00:00Z', commit: c('c2'), samples: [30, 31] }),
        manifest({
          id: 'run-f2',
          startedAt: '2026-03-02T07:00:00Z',
          commit: c('f2'),
          branch: 'feature',
          samples: [5, 6],
        }),
        manifest({
          id: 'run-f1',
          startedAt: '2026-03-02T08:00:00Z',
          commit: c('f1'),
          branch: 'feature',
          samples: [7, 8],
        }),
      ];
      db = await fresh();
      for (const run of runs) await db.ingestRun(run);
    });

    afterAll(disposeAll);

    it('gives a series in first-parent order, with commit subject and time, run, value, CI and n', async () => {
      const history = await db.history({ ...LATENCY, branch: 'main', params: { fileSet: 'One4MBFile' } });
      expect(history.series).toMatchObject({
        result: 'add file',
        unit: 'ns',
        direction: 'lower',
        branch: 'main',
      });
      expect(history.points.map((p) => p.runId)).toEqual([
        'run-c0',
        'run-c1a',
        'run-c1b',
        'run-c2',
        'run-m',
        'run-c3',
      ]);
      expect(history.points.map((p) => p.firstParentDepth)).toEqual([0, 1, 1, 2, 3, 4]);
      const last = history.points.at(-1);
      expect(last).toMatchObject({
        commit: commits.c3?.sha,
        subject: 'c3: fix',
        commitTime: commits.c3?.authorTime,
        n: 6,
        median: 50.5,
        value: 305 / 6,
      });
      // n = 6: the exact order-statistic interval of the median at >= 95% is [min, max].
      expect(last?.ci).toEqual({ lower: 49, upper: 53, level: expect.closeTo(0.96875, 5) });
      const merge = history.points.find((p) => p.runId === 'run-m');
      expect(merge?.commit).toBe(commits.m?.sha);
    });

    it('keeps a branch apart and orders it by its own first-parent chain', async () => {
      const history = await db.history({ ...LATENCY, branch: 'feature', params: { fileSet: 'One4MBFile' } });
      expect(history.points.map((p) => [p.runId, p.firstParentDepth])).toEqual([
        ['run-f1', 2],
        ['run-f2', 3],
      ]);
    });

    it('pages with limit and before (a run id)', async () => {
      const query = { ...LATENCY, branch: 'main', params: { fileSet: 'One4MBFile' } };
      const latest = await db.history({ ...query, limit: 2 });
      expect(latest.points.map((p) => p.runId)).toEqual(['run-m', 'run-c3']);
      const earlier = await db.history({ ...query, limit: 3, before: 'run-m' });
      expect(earlier.points.map((p) => p.runId)).toEqual(['run-c1a', 'run-c1b', 'run-c2']);
    });

    it('stores the tool bounds as the CI when there are no samples, with n and level null', async () => {
      const history = await db.history({ ...LATENCY, branch: 'main', params: { fileSet: 'OneKBFile' } });
      expect(history.points[0]).toMatchObject({
        n: null,
        value: 1000,
        ci: { lower: 900, upper: 1100, level: null },
      });
    });

    it('lists the series keys that exist, filtered', async () => {
      const all = await db.series();
      expect(all).toHaveLength(6);
      const feature = await db.series({ benchmark: 'add', minion: 'local', branch: 'feature' });
      expect(feature.map((s) => [s.measure, s.params.fileSet])).toEqual([
        ['latency', 'One4MBFile'],
        ['memory', 'One4MBFile'],
        ['latency', 'OneKBFile'],
      ]);
      expect(await db.series({ benchmark: 'nope' })).toEqual([]);
    });

    it('never doubles a point when a run is written again (a retry, a republish with a CID)', async () => {
      const query = { ...LATENCY, branch: 'main', params: { fileSet: 'One4MBFile' } };
      const before = await db.history(query);
      await db.ingestRun(runs[0] as RunManifest);
      await db.ingestRun(runs[0] as RunManifest, { cid: 'bafyexamplecid' });
      const after = await db.history(query);
      expect(after.points).toHaveLength(before.points.length);
      expect(after.points.find((p) => p.runId === 'run-c3')?.cid).toBe('bafyexamplecid');
      expect((await db.series()).length).toBe(6);
    });

    it('answers unknown names with the valid ones', async () => {
      const failure = async (query: Parameters<ResultsDb['history']>[0]) => {
        const error = await db.history(query).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(HistoryQueryError);
        return error as HistoryQueryError;
      };
      expect(await failure({ ...LATENCY, benchmark: 'ad' })).toMatchObject({
        field: 'benchmark',
        valid: ['add'],
      });
      expect(await failure({ ...LATENCY, measure: 'latncy', branch: 'main' })).toMatchObject({
        field: 'measure',
        valid: ['latency', 'memory'],
      });
      expect(await failure({ ...LATENCY, minion: 'm2' })).toMatchObject({
        field: 'minion',
        valid: ['local'],
      });
      expect(await failure({ ...LATENCY, branch: 'dev' })).toMatchObject({
        field: 'branch',
        valid: ['feature', 'main'],
      });
      // Two branches and no branch given: pick one.
      expect(await failure({ ...LATENCY })).toMatchObject({ field: 'branch', valid: ['feature', 'main'] });
      const param = await failure({ ...LATENCY, branch: 'main', params: { file_set: 'x' } });
      expect(param).toMatchObject({ field: 'params.file_set', valid: ['params.fileSet'] });
      expect(param.message).toContain('params.fileSet');
      expect(await failure({ ...LATENCY, branch: 'main', params: { fileSet: 'Huge' } })).toMatchObject({
        field: 'params.fileSet',
        valid: ['One4MBFile', 'OneKBFile'],
      });
      // Two file sets: the result alone leaves two series.
      expect(await failure({ ...LATENCY, branch: 'main', result: 'add file' })).toMatchObject({
        field: 'params',
      });
      expect(await failure({ ...LATENCY, branch: 'main', result: 'add dir' })).toMatchObject({
        field: 'result',
        valid: ['add file'],
      });
      // memory has one series on main: result and params may be left out.
      const memory = await db.history({ ...LATENCY, measure: 'memory', branch: 'main' });
      expect(memory.points).toHaveLength(6);
    });

    it('orders runs without a target by start time, after the ones with one', async () => {
      const local = await fresh();
      const c0 = commits.c0 as CommitInfo;
      await local.ingestRun(
        manifest({ id: 'run-b', startedAt: '2026-03-03T02:00:00.5Z', tag: 'main', samples: [2, 2] }),
      );
      await local.ingestRun(
        manifest({ id: 'run-a', startedAt: '2026-03-03T01:00:00Z', tag: 'main', samples: [1, 1] }),
      );
      await local.ingestRun(
        manifest({ id: 'run-t', startedAt: '2026-03-04T00:00:00Z', commit: c0, samples: [3, 3] }),
      );
      const history = await local.history({ ...LATENCY, params: { fileSet: 'One4MBFile' } });
      expect(history.points.map((p) => [p.runId, p.commit, p.subject])).toEqual([
        ['run-t', c0.sha, 'c0: start'],
        ['run-a', 'main', null],
        ['run-b', 'main', null],
      ]);
      const page = await local.history({ ...LATENCY, params: { fileSet: 'One4MBFile' }, before: 'run-b' });
      expect(page.points.map((p) => p.runId)).toEqual(['run-t', 'run-a']);
    });

    it('reindex from the archive gives the same rows as the worker wrote', async () => {
      const archive = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-archive-'));
      disposals.push(() => rm(archive, { recursive: true, force: true }));
      for (const run of runs)
        await archiveRun(archive, run, run.id === 'run-c3' ? 'bafyexamplecid' : undefined);
      const rebuilt = await fresh();
      const outcome = await reindex(rebuilt, archive);
      expect(outcome).toMatchObject({ runs: runs.length, points: runs.length * 3, failed: [] });
      expect(await reindex(rebuilt, archive)).toMatchObject({ runs: runs.length });
      const series = await db.series();
      expect(await rebuilt.series()).toEqual(series);
      for (const s of series) {
        const query = { ...s, limit: 1000 };
        expect(await rebuilt.history(query)).toEqual(await db.history(query));
      }
    });
  });
}
