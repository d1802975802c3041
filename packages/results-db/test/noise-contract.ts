import { type Calibration, RunManifest } from '@benchrunner/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultsDb } from '../src/index.ts';
import { linearCommits } from './git-history.ts';
import { manifest, noisySamples } from './manifests.ts';

/** A fresh database, and a reader of one stored `runs` row by id, straight from its tables. */
export type OpenWithRuns = () => Promise<{
  db: ResultsDb;
  runRow(id: string): Promise<Record<string, unknown> | undefined>;
  dispose(): Promise<void>;
}>;

type Commits = Awaited<ReturnType<typeof linearCommits>>['commits'];

const calibration = (cpu: [number, number], memory: [number, number]): Calibration => ({
  cpu: { level: cpu[0], cv: cpu[1], rounds: 20 },
  memory: { level: memory[0], cv: memory[1], rounds: 20 },
  cpuShare: 0.99,
  busyProcesses: [],
});

const SETTINGS = { seconds: 0.5, maxCv: 10, maxShift: 10 };

/** A run at commit i; `noisy` gives it a noise check that found the minion busy, else a quiet one. */
function runAt(commits: Commits, i: number, samples: number[], noisy: boolean | 'unchecked'): RunManifest {
  const commit = commits[i];
  if (!commit) throw new Error(`no commit ${i}`);
  const run = manifest({
    id: `run-${String(i).padStart(2, '0')}`,
    startedAt: new Date(Date.parse('2026-05-01T00:00:00Z') + i * 3_600_000).toISOString(),
    commit,
    samples,
  });
  if (noisy === 'unchecked') return run;
  const before = calibration([2, 1.5], [4, 2]);
  const after = noisy ? calibration([3, 25], [4.4, 3]) : calibration([2.02, 1.2], [4.04, 2.5]);
  return RunManifest.parse({
    ...run,
    noise: {
      before,
      after,
      verdict: noisy ? 'noisy' : 'quiet',
      reasons: noisy ? ['cpu CV 25.0 % after the benchmarks, above 10 %'] : [],
      busyProcesses: [],
      settings: SETTINGS,
    },
    noisy,
  });
}

/** Noisy runs in the results database: stored and shown, never judged. The same cases on every database. */
export function noiseContract(name: string, open: OpenWithRuns): void {
  describe(`noisy runs: ${name}`, () => {
    let commits: Commits;
    const disposals: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      const history = await linearCommits(40);
      disposals.push(history.stop);
      commits = history.commits;
    });
    afterAll(async () => {
      for (const dispose of disposals.reverse()) await dispose();
    });

    it('leaves noisy runs out of detection: no candidate, no baseline, no change point', async () => {
      const { db, dispose } = await open();
      disposals.push(dispose);
      const samples = noisySamples(31);
      // 20 quiet runs at 1000, 8 noisy ones 30 % slower, then 12 quiet ones at 1000 again. Were the
      // noisy runs judged, the first would be a regression, the runs after them an improvement, and
      // change-point detection would find both steps.
      for (let i = 0; i < 40; i++) {
        const noisy = i >= 20 && i < 28;
        const run = runAt(commits, i, samples(noisy ? 1300 : 1000), noisy);
        await db.ingestRun(run);
        expect(await db.detectRun(run.id)).toEqual([]);
      }
      expect(await db.regressions({ limit: 100 })).toEqual([]);

      // Shown all the same, and marked.
      const history = await db.history({
        benchmark: 'add',
        measure: 'latency',
        minion: 'local',
        params: { fileSet: 'One4MBFile' },
        limit: 100,
      });
      const series = history.points;
      expect(series).toHaveLength(40);
      expect(series.filter((p) => p.noisy).map((p) => p.runId)).toEqual(
        [20, 21, 22, 23, 24, 25, 26, 27].map((i) => `run-${i}`),
      );

      // The same slowdown in quiet runs is found: the noisy runs were left out, not the series.
      const quiet = runAt(commits, 29, samples(1300), false);
      await db.ingestRun({ ...quiet, id: 'run-29-again', startedAt: '2026-06-01T00:00:00.000Z' });
      const [found] = await db.detectRun('run-29-again');
      expect(found).toMatchObject({ detector: 'baseline', kind: 'regression' });
      expect(found?.runs.some((id) => ['run-20', 'run-27'].includes(id))).toBe(false);
    });

    it("stores each run's noise check: verdict, largest CV and level shift, and every loop's level", async () => {
      const { db, runRow, dispose } = await open();
      disposals.push(dispose);
      await db.ingestRun(runAt(commits, 1, [1000, 1001], true));
      await db.ingestRun(runAt(commits, 2, [1000, 1001], false));
      await db.ingestRun(runAt(commits, 3, [1000, 1001], 'unchecked'));
      const noisy = await runRow('run-01');
      expect(noisy).toMatchObject({ noisy: 1, noise_verdict: 'noisy', noise_cv: 25 });
      expect(Number(noisy?.noise_shift)).toBeCloseTo(50, 6);
      expect(JSON.parse(String(noisy?.noise))).toEqual({
        before: { cpu: { level: 2, cv: 1.5 }, memory: { level: 4, cv: 2 } },
        after: { cpu: { level: 3, cv: 25 }, memory: { level: 4.4, cv: 3 } },
      });
      const quiet = await runRow('run-02');
      expect(quiet).toMatchObject({ noisy: 0, noise_verdict: 'quiet', noise_cv: 2.5 });
      expect(Number(quiet?.noise_shift)).toBeCloseTo(1, 6);
      expect(await runRow('run-03')).toMatchObject({
        noisy: 0,
        noise_verdict: null,
        noise_cv: null,
        noise_shift: null,
        noise: null,
      });
      // A re-ingest of the same run (say, after its manifest changed) replaces the columns.
      await db.ingestRun(runAt(commits, 1, [1000, 1001], false));
      expect(await runRow('run-01')).toMatchObject({ noisy: 0, noise_verdict: 'quiet' });
    });
  });
}
