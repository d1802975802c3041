import { type CommitInfo, type RunManifest, RunProbe } from '@benchrunner/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConfirmationRun,
  planConfirmation,
  type Regression,
  type ResultsDb,
  startConfirmation,
} from '../src/index.ts';
import { freshDatabases, type OpenFresh } from './contract.ts';
import { linearCommits } from './git-history.ts';
import { manifest, noisySamples } from './manifests.ts';

type Commits = Awaited<ReturnType<typeof linearCommits>>['commits'];

const LATENCY = {
  benchmark: 'add',
  result: 'add file',
  params: { fileSet: 'One4MBFile' },
  measure: 'latency',
  minion: 'local',
  limit: 100,
} as const;

function runAt(commits: Commits, i: number, samples: number[]): RunManifest {
  return manifest({
    id: `run-${String(i).padStart(2, '0')}`,
    startedAt: new Date(Date.parse('2026-04-01T00:00:00Z') + i * 3_600_000).toISOString(),
    commit: commits[i] as CommitInfo,
    samples,
  });
}

/** A confirmation run's manifest: the planned id and probe, on the planned commit. */
function probeRun(
  commits: Commits,
  regression: Regression,
  run: ConfirmationRun,
  samples: number[],
  state: 'completed' | 'failed' = 'completed',
): RunManifest {
  const commit = commits.find((c) => c.sha === run.commit) as CommitInfo;
  const base = manifest({
    id: run.runId,
    startedAt: new Date(Date.parse('2026-05-01T00:00:00Z') + run.round * 60_000).toISOString(),
    commit,
    samples,
  });
  const probe = RunProbe.parse({
    kind: 'confirmation',
    regression: regression.id,
    side: run.side,
    round: run.round,
  });
  return {
    ...base,
    state,
    request: { ...base.request, priority: 'bisect', probe },
    ...(state === 'failed' ? { results: [], error: 'benchmark add failed' } : {}),
  };
}

/** Confirmation of suspected changes: the same cases on every results database. */
export function confirmationsContract(name: string, openFresh: OpenFresh): void {
  describe(`confirmations: ${name}`, () => {
    let commits: Commits;
    const { disposals, fresh, disposeAll } = freshDatabases(openFresh);

    beforeAll(async () => {
      const history = await linearCommits(14);
      disposals.push(history.stop);
      commits = history.commits;
    });
    afterAll(disposeAll);

    /** Twelve runs at 1000 and a thirteenth at 1200: one suspected regression, returned. */
    async function suspected(db: ResultsDb): Promise<Regression> {
      const samples = noisySamples(3);
      for (let i = 0; i < 13; i++) {
        const run = runAt(commits, i, samples(i === 12 ? 1200 : 1000));
        await db.ingestRun(run);
        await db.detectRun(run.id);
      }
      const [regression, ...others] = await db.regressions({ limit: 10 });
      expect(others).toEqual([]);
      expect(regression).toMatchObject({ status: 'suspected', confirmation: null });
      return regression as Regression;
    }

    /** Starts a confirmation with three rounds, recording what would have been queued. */
    async function start(db: ResultsDb, regression: Regression) {
      const queued: { id: string; data: unknown }[] = [];
      const change = await startConfirmation({
        db,
        regression,
        rounds: 3,
        from: ['suspected'],
        enqueue: async (data, id) => {
          queued.push({ id, data });
        },
      });
      expect(change).toMatchObject({ from: 'suspected', to: 'confirming' });
      return { runs: change?.regression.confirmation?.runs ?? [], queued };
    }

    it('confirms a regression the interleaved re-runs reproduce, keeping them out of history and detection', async () => {
      const db = await fresh();
      const regression = await suspected(db);
      const { runs, queued } = await start(db, regression);
      expect(runs.map((r) => [r.side, r.round])).toEqual([
        ['baseline', 0],
        ['suspect', 1],
        ['baseline', 2],
        ['suspect', 3],
        ['baseline', 4],
        ['suspect', 5],
      ]);
      expect(runs.map((r) => r.commit)).toEqual(
        [11, 12, 11, 12, 11, 12].map((i) => (commits[i] as CommitInfo).sha),
      );
      expect(queued.map((q) => q.id)).toEqual(runs.map((r) => r.runId));
      expect(queued[1]?.data).toMatchObject({
        commit: commits[12]?.sha,
        branch: 'main',
        benchmarks: ['add'],
        minion: 'local',
        priority: 'bisect',
        probe: { kind: 'confirmation', regression: regression.id, side: 'suspect', round: 1 },
      });
      const history = await db.history(LATENCY);
      expect(history.points).toHaveLength(13);
      const samples = noisySamples(4);
      for (const [k, run] of runs.entries()) {
        const stored = probeRun(commits, regression, run, samples(run.side === 'suspect' ? 1200 : 1000));
        await db.ingestRun(stored);
        expect(await db.detectRun(stored.id)).toEqual([]);
        const settled = await db.settleConfirmation(regression.id);
        if (k < runs.length - 1) expect(settled).toBeNull();
        else expect(settled).toMatchObject({ from: 'confirming', to: 'confirmed' });
      }
      // The probe runs are stored, but the branch's history is what it was.
      expect((await db.history(LATENCY)).points.map((p) => p.runId)).toEqual(
        history.points.map((p) => p.runId),
      );
      const confirmed = await db.regression(regression.id);
      expect(confirmed.status).toBe('confirmed');
      const result = confirmed.confirmation?.result;
      expect(result).toMatchObject({
        outcome: 'confirmed',
        verdict: 'regressed',
        baseline: { runs: 3, n: 30 },
        suspect: { runs: 3, n: 30 },
      });
      expect(result?.change).toBeGreaterThan(0.15);
      expect(result?.change).toBeLessThan(0.25);
      expect(result?.changeCi?.lower).toBeGreaterThan(0.1);
      expect(result?.pValue).toBeLessThan(0.001);
      // Decided once: a second call changes nothing.
      expect(await db.settleConfirmation(regression.id)).toBeNull();
    });

    it('records noise with the evidence when the re-runs show no change', async () => {
      const db = await fresh();
      const regression = await suspected(db);
      const { runs } = await start(db, regression);
      const samples = noisySamples(5);
      for (const run of runs) await db.ingestRun(probeRun(commits, regression, run, samples(1000)));
      expect(await db.settleConfirmation(regression.id)).toMatchObject({ to: 'noise' });
      const noise = await db.regression(regression.id);
      expect(noise.status).toBe('noise');
      expect(noise.confirmation?.result).toMatchObject({
        outcome: 'noise',
        verdict: 'no significant change',
      });
      expect(Math.abs(noise.confirmation?.result?.change ?? 1)).toBeLessThan(0.02);
    });

    it('counts a run that left its lane before it ran as one without results, and decides without waiting for it', async () => {
      const db = await fresh();
      const regression = await suspected(db);
      const { runs } = await start(db, regression);
      const lost = runs[4] as ConfirmationRun;
      const others = runs.filter((_, i) => i !== 4);
      const samples = noisySamples(7);
      // Lost while others are still missing: recorded, nothing decided.
      expect(await db.loseConfirmationRun(regression.id, lost.runId, 'cancelled while waiting')).toBeNull();
      const waiting = await db.regression(regression.id);
      expect(waiting.status).toBe('confirming');
      expect(waiting.confirmation?.runs[4]).toMatchObject({
        runId: lost.runId,
        lost: 'cancelled while waiting',
      });
      // Twice, or a run the record does not plan: nothing changes.
      expect(await db.loseConfirmationRun(regression.id, lost.runId, 'again')).toBeNull();
      expect(await db.loseConfirmationRun(regression.id, 'not-its-run', 'x')).toBeNull();
      expect((await db.regression(regression.id)).confirmation?.runs[4]?.lost).toBe(
        'cancelled while waiting',
      );
      for (const [k, run] of others.entries()) {
        await db.ingestRun(probeRun(commits, regression, run, samples(run.side === 'suspect' ? 1200 : 1000)));
        const settled = await db.settleConfirmation(regression.id);
        // The last stored run decides: the lost one is not waited for.
        if (k < others.length - 1) expect(settled).toBeNull();
        else expect(settled).toMatchObject({ from: 'confirming', to: 'confirmed' });
      }
      expect((await db.regression(regression.id)).confirmation?.result).toMatchObject({
        outcome: 'confirmed',
        baseline: { runs: 2 },
        suspect: { runs: 3 },
      });
    });

    it('decides when the last run it waited for leaves its lane', async () => {
      const db = await fresh();
      const regression = await suspected(db);
      const { runs } = await start(db, regression);
      const samples = noisySamples(8);
      for (const run of runs.slice(0, -1)) {
        await db.ingestRun(probeRun(commits, regression, run, samples(run.side === 'suspect' ? 1200 : 1000)));
      }
      expect(await db.settleConfirmation(regression.id)).toBeNull();
      const last = runs.at(-1) as ConfirmationRun;
      expect(await db.loseConfirmationRun(regression.id, last.runId, 'lane drained')).toMatchObject({
        from: 'confirming',
        to: 'confirmed',
      });
      // Decided: a late report of the same loss changes nothing.
      expect(await db.loseConfirmationRun(regression.id, last.runId, 'lane drained')).toBeNull();
      await expect(db.loseConfirmationRun('no-such-record', last.runId, 'x')).rejects.toThrow(
        'no such record',
      );
    });

    it('goes back to suspected, saying why, when too few re-runs gave results', async () => {
      const db = await fresh();
      const regression = await suspected(db);
      const { runs } = await start(db, regression);
      const samples = noisySamples(6);
      for (const run of runs) {
        const failed = run.side === 'suspect' && run.round > 1;
        await db.ingestRun(
          probeRun(commits, regression, run, samples(1200), failed ? 'failed' : 'completed'),
        );
      }
      expect(await db.settleConfirmation(regression.id)).toMatchObject({
        from: 'confirming',
        to: 'suspected',
      });
      const back = await db.regression(regression.id);
      expect(back.confirmation?.result).toMatchObject({
        outcome: 'undecided',
        reason: expect.stringMatching(/1 of 3 suspect/),
      });
      // By hand it may start again: a new plan replaces the old one.
      const again = await start(db, back);
      expect(again.runs.map((r) => r.runId)).not.toContain(runs[0]?.runId);
    });

    it('starts once when two callers race, and never from a settled status', async () => {
      const db = await fresh();
      const regression = await suspected(db);
      const plan = () => planConfirmation('a', 'b', 2, () => `r-${Math.random().toString(36).slice(2)}`);
      const both = await Promise.all([
        db.beginConfirmation(regression.id, plan(), ['suspected']),
        db.beginConfirmation(regression.id, plan(), ['suspected']),
      ]);
      expect(both.filter((c) => c !== null)).toHaveLength(1);
      await db.acknowledgeRegression(regression.id);
      expect(await db.beginConfirmation(regression.id, plan(), ['suspected', 'confirming'])).toBeNull();
      await expect(db.beginConfirmation('nope', plan(), ['suspected'])).rejects.toThrow(/no such record/);
    });
  });
}
