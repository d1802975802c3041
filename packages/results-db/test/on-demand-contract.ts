import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabases, type OpenFresh } from './contract.ts';
import { linearCommits } from './git-history.ts';
import { manifest, noisySamples } from './manifests.ts';

type Commits = Awaited<ReturnType<typeof linearCommits>>['commits'];

/** Detection on demand over a stored history, and the run facts the regression page shows. */
export function onDemandContract(name: string, openFresh: OpenFresh): void {
  describe(`detection on demand: ${name}`, () => {
    let commits: Commits;
    const { disposals, fresh, disposeAll } = freshDatabases(openFresh);

    beforeAll(async () => {
      const history = await linearCommits(40);
      disposals.push(history.stop);
      commits = history.commits;
    });
    afterAll(disposeAll);

    it('finds a change in a history stored without detection, once, and returns it again later', async () => {
      const db = await fresh();
      const samples = noisySamples(5);
      for (const [i, commit] of commits.entries()) {
        const run = manifest({
          id: `run-${String(i).padStart(2, '0')}`,
          startedAt: new Date(Date.parse('2026-05-01T00:00:00Z') + i * 3_600_000).toISOString(),
          commit,
          samples: samples(i >= 20 ? 1250 : 1000),
        });
        // A different machine set-up from the change on: the page names it as a possible cause.
        if (i >= 20) run.environment = { ...run.environment, cpus: '4' };
        await db.ingestRun(run);
      }
      expect(await db.regressions({ limit: 10 })).toEqual([]);
      expect(await db.detectSeries({ minion: 'elsewhere' })).toEqual([]);

      const { regressions: found, changes } = await db.detectSeriesChanges({
        benchmark: 'add',
        branch: 'main',
      });
      expect(found).toHaveLength(1);
      // The new record's status change, for the listeners.
      expect(changes).toEqual([{ regression: found[0], from: null, to: 'suspected' }]);
      expect(found[0]).toMatchObject({
        detector: 'change-point',
        kind: 'regression',
        status: 'suspected',
        series: { benchmark: 'add', measure: 'latency', params: { fileSet: 'One4MBFile' } },
        lastGood: { runId: 'run-19', commit: commits[19]?.sha },
        firstBad: { runId: 'run-20', commit: commits[20]?.sha },
      });
      expect(found[0]?.change).toBeGreaterThan(0.2);
      // Again: the same record, nothing new stored, no status changed.
      expect((await db.detectSeries({})).map((r) => r.id)).toEqual([found[0]?.id]);
      expect(await db.detectSeriesChanges({})).toMatchObject({
        regressions: [{ id: found[0]?.id }],
        changes: [],
      });
      expect(await db.regressions({ limit: 10 })).toHaveLength(1);

      const facts = await db.runFacts(['run-20', 'missing', 'run-19']);
      expect(facts.map((f) => f.runId)).toEqual(['run-20', 'run-19']);
      expect(facts[0]?.commit).toBe(commits[20]?.sha);
      expect(facts[0]?.repository).toBe('https://example.org/demo.git');
      expect(facts[0]?.environmentFingerprint).not.toBe(facts[1]?.environmentFingerprint);
      expect(await db.runFacts([])).toEqual([]);
    });
  });
}
