import { NotFoundError, type RunManifest } from '@benchrunner/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDb, StatusChange } from '../src/index.ts';
import { freshDatabases, type OpenFresh } from './contract.ts';
import { linearCommits } from './git-history.ts';
import { manifest, noisySamples } from './manifests.ts';

type Commits = Awaited<ReturnType<typeof linearCommits>>['commits'];

/** Writes a run and detects on it, as the worker's publish step does. */
async function publish(db: ResultsDb, run: RunManifest) {
  await db.ingestRun(run);
  return db.detectRun(run.id);
}

/** {@link publish}, returning the status changes detection made or supports. */
async function publishChanges(db: ResultsDb, run: RunManifest): Promise<StatusChange[]> {
  await db.ingestRun(run);
  return (await db.detectRunChanges(run.id)).changes;
}

function runAt(commits: Commits, i: number, samples: number[], branch?: string): RunManifest {
  const commit = commits[i];
  if (!commit) throw new Error(`no commit ${i}`);
  return manifest({
    id: `${branch ? 'pr' : 'run'}-${String(i).padStart(2, '0')}`,
    startedAt: new Date(Date.parse('2026-04-01T00:00:00Z') + i * 3_600_000).toISOString(),
    commit,
    ...(branch ? { branch } : {}),
    samples,
  });
}

/** Detection over stored runs: the same cases on every results database. */
export function regressionsContract(name: string, openFresh: OpenFresh): void {
  describe(`regression detection: ${name}`, () => {
    let commits: Commits;
    const { disposals, fresh, disposeAll } = freshDatabases(openFresh);

    beforeAll(async () => {
      const history = await linearCommits(60);
      disposals.push(history.stop);
      commits = history.commits;
    });
    afterAll(disposeAll);

    it('raises nothing on an A/A history (60 points, 2 % noise)', async () => {
      const db = await fresh();
      const samples = noisySamples(13);
      for (let i = 0; i < 60; i++) await publish(db, runAt(commits, i, samples(1000)));
      expect(await db.regressions({ limit: 100 })).toEqual([]);
    });

    it('records one suspected regression where a benchmark slows by 20 %, and fixes it when it returns', async () => {
      const db = await fresh();
      const samples = noisySamples(7);
      // Commit 18 is never measured: the change lies in (17, 19].
      const level = (i: number) => (i >= 19 && i < 32 ? 1200 : 1000);
      const runs = [...Array(45).keys()]
        .filter((i) => i !== 18)
        .map((i) => runAt(commits, i, samples(level(i))));
      const changes: { id: string; from: string | null; to: string; status: string }[] = [];
      for (const run of runs) {
        for (const c of await publishChanges(db, run)) {
          changes.push({ id: c.regression.id, from: c.from, to: c.to, status: c.regression.status });
        }
        if (run.id === 'run-25') {
          const [only, ...others] = await db.regressions({ limit: 100 });
          expect(others).toEqual([]);
          expect(only).toMatchObject({
            detector: 'baseline',
            kind: 'regression',
            status: 'suspected',
            series: {
              benchmark: 'add',
              measure: 'latency',
              params: { fileSet: 'One4MBFile' },
              minion: 'local',
              branch: 'main',
            },
            lastGood: { commit: commits[17]?.sha, runId: 'run-17' },
            firstBad: { commit: commits[19]?.sha, runId: 'run-19' },
          });
          expect(only?.change).toBeGreaterThan(0.15);
          expect(only?.changeCi?.lower).toBeGreaterThan(0);
          expect(only?.pValue).toBeLessThan(0.01);
          expect(only?.before.median).toBeCloseTo(1000, -1);
          expect(only?.after.median).toBeCloseTo(1200, -1);
          expect(only?.runs).toContain('run-17');
          expect(only?.runs.at(-1)).toBe('run-19');
          // Re-publishing the run that showed the change records nothing twice.
          const again = await publish(db, runs.find((r) => r.id === 'run-19') as RunManifest);
          expect(again.map((r) => r.id)).toEqual([only?.id]);
          expect(await db.regressions({ limit: 100 })).toHaveLength(1);
        }
      }
      const all = await db.regressions({ limit: 100 });
      const slow = all.find((r) => r.firstBad.runId === 'run-19');
      expect(slow?.status).toBe('fixed');
      // Made once as `suspected`, fixed once from it; later runs supporting the fix say so again.
      const ofSlow = changes.filter((c) => c.id === slow?.id);
      expect(ofSlow[0]).toEqual({ id: slow?.id, from: null, to: 'suspected', status: 'suspected' });
      expect(ofSlow.filter((c) => c.to === 'suspected')).toHaveLength(1);
      expect(ofSlow.filter((c) => c.from !== null)).toEqual([
        { id: slow?.id, from: 'suspected', to: 'fixed', status: 'fixed' },
      ]);
      expect(ofSlow.every((c) => c.to === c.status)).toBe(true);
      expect(all.find((r) => r.firstBad.runId === 'run-32')).toMatchObject({ kind: 'improvement' });
      expect(all.filter((r) => r.kind === 'regression')).toHaveLength(1);
    });

    it('never detects on a pull request run or one without a target, and lists, reads and acknowledges records', async () => {
      const db = await fresh();
      const samples = noisySamples(21);
      for (let i = 0; i < 12; i++) await publish(db, runAt(commits, i, samples(1000)));
      expect(await publish(db, runAt(commits, 12, samples(2000), 'pull/7/head'))).toEqual([]);
      const untargeted = manifest({
        id: 'run-tag',
        startedAt: '2026-04-02T00:00:00Z',
        tag: 'main',
        samples: samples(2000),
      });
      expect(await publish(db, untargeted)).toEqual([]);
      const [found] = await publish(db, runAt(commits, 12, samples(2000)));
      expect(found?.status).toBe('suspected');
      const id = found?.id as string;
      expect(
        await db.regressions({ limit: 10, status: 'suspected', minion: 'local', benchmark: 'add' }),
      ).toHaveLength(1);
      expect(await db.regressions({ limit: 10, minion: 'elsewhere' })).toEqual([]);
      expect(await db.regressions({ limit: 10, benchmark: 'other' })).toEqual([]);
      expect(await db.acknowledgeRegression(id)).toMatchObject({ id, status: 'acknowledged' });
      expect((await db.regression(id)).status).toBe('acknowledged');
      expect(await db.regressions({ limit: 10, status: 'suspected' })).toEqual([]);
      await expect(db.regression('nope')).rejects.toBeInstanceOf(NotFoundError);
      await expect(db.acknowledgeRegression('nope')).rejects.toBeInstanceOf(NotFoundError);
      await expect(db.detectRun('nope')).rejects.toBeInstanceOf(NotFoundError);
    });
  });
}
