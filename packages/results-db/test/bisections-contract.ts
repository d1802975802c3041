import { NotFoundError } from '@benchrunner/core';
import type { BisectInput } from '@benchrunner/results';
import { afterAll, describe, expect, it } from 'vitest';
import { seriesKey } from '../src/index.ts';
import { freshDatabases, type OpenFresh } from './contract.ts';
import { manifest } from './manifests.ts';

const COMMITS = ['a', 'b', 'c', 'd'].map((c, i) => ({
  sha: c.repeat(40),
  parents: i === 2 ? ['b'.repeat(40), 'e'.repeat(40)] : ['0'.repeat(40)],
  subject: `commit ${c}`,
  author: 'A. Author <a@example.org>',
  authorTime: `2026-04-0${i + 1}T00:00:00.000Z`,
  ...(i === 2 ? { merged: ['e'.repeat(40)] } : {}),
}));

const INPUT: BisectInput = { commits: COMMITS, good: [100, 101, 99], bad: [120, 121, 119] };
const SERIES = { key: 'k1', benchmark: 'add', minion: 'local', branch: 'main' };

/** The bisection store: the same cases on every results database. */
export function bisectionsContract(name: string, openFresh: OpenFresh): void {
  describe(`bisections: ${name}`, () => {
    const { fresh, disposeAll } = freshDatabases(openFresh);
    afterAll(disposeAll);

    it('stores a bisection, its probes and their verdicts, and ends it once', async () => {
      const db = await fresh();
      const store = db.bisections;
      const created = await store.create({
        id: 'bis-1',
        regressionId: 'reg-1',
        series: SERIES,
        good: 'g'.repeat(40),
        bad: COMMITS[3]?.sha ?? '',
        input: INPUT,
      });
      expect(created).toMatchObject({
        id: 'bis-1',
        status: 'running',
        commits: 4,
        probes: [],
        culprit: null,
      });
      expect(await store.input('bis-1')).toEqual(INPUT);
      expect(
        await store.addProbe('bis-1', {
          commit: 'b'.repeat(40),
          position: 1,
          attempt: 1,
          repeats: 5,
          runId: 'run-1',
        }),
      ).toBe(0);
      expect(
        await store.addProbe('bis-1', {
          commit: 'c'.repeat(40),
          position: 2,
          attempt: 1,
          repeats: 5,
          runId: 'run-2',
        }),
      ).toBe(1);
      await store.setProbeRun('bis-1', 1, 'run-3');
      const record = {
        index: 1,
        sha: 'b'.repeat(40),
        attempt: 1,
        repeats: 5,
        outcome: 'good' as const,
        samples: [100, 100.5],
        figures: null,
      };
      expect(await store.finishProbe('bis-1', 0, record)).toBe(true);
      // A retried publish judges nothing twice.
      expect(await store.finishProbe('bis-1', 0, { ...record, outcome: 'bad' })).toBe(false);
      const culprit = {
        sha: 'c'.repeat(40),
        subject: 'commit c',
        author: 'A',
        time: '2026-04-03T00:00:00.000Z',
        merge: true,
        merged: ['e'.repeat(40)],
      };
      expect(await store.end('bis-1', { status: 'done', culprit })).toBe(true);
      expect(await store.end('bis-1', { status: 'cancelled', reason: 'too late' })).toBe(false);
      const read = await store.get('bis-1');
      expect(read).toMatchObject({ status: 'done', culprit, reason: null });
      expect(read.probes.map((p) => [p.seq, p.runId, p.outcome])).toEqual([
        [0, 'run-1', 'good'],
        [1, 'run-3', 'cancelled'],
      ]);
      expect(read.probes[0]?.samples).toEqual([100, 100.5]);
      expect((await store.forRegression('reg-1'))?.id).toBe('bis-1');
      expect(await store.forRegression('reg-2')).toBeUndefined();
      await expect(store.get('nope')).rejects.toBeInstanceOf(NotFoundError);
    });

    it("stores an ended bisection with its reason, and reads a run's samples of a series", async () => {
      const db = await fresh();
      const failed = await db.bisections.create(
        { id: 'bis-2', regressionId: null, series: SERIES, good: 'g', bad: 'b', input: INPUT },
        { status: 'failed', reason: 'commit gone' },
      );
      expect(failed).toMatchObject({ status: 'failed', reason: 'commit gone', regressionId: null });
      await db.ingestRun(
        manifest({
          id: 'run-9',
          startedAt: '2026-04-01T00:00:00.000Z',
          requestCommit: 'main',
          samples: [5, 6, 7],
        }),
      );
      const key = seriesKey({
        benchmark: 'add',
        result: 'add file',
        params: JSON.stringify({ fileSet: 'One4MBFile' }),
        measure: 'latency',
        minion: 'local',
        branch: '',
      });
      expect(await db.bisections.samples('run-9', key)).toEqual([5, 6, 7]);
      expect(await db.bisections.samples('run-8', key)).toBeNull();
    });
  });
}
