import path from 'node:path';
import {
  type CommitInfo,
  createLogger,
  type DetectSpec,
  LOCAL_MINION,
  type RunManifest,
} from '@benchrunner/core';
import { laneName, PUBLISH_QUEUE, QUEUE_PREFIX, RunStore } from '@benchrunner/queue';
import {
  type ConfirmationRun,
  openResultsDb,
  type ResultsDb,
  type StatusChange,
  suiteDetectSettings,
} from '@benchrunner/results-db';
import { manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';
import { waitFor } from '@benchrunner/testing';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type ConfirmationDeps, createConfirmations, laneEnqueuer } from '../src/confirmation.ts';
import { statusNewsHandler } from '../src/status-news.ts';
import { type CommitsFixture, startCommitsFixture, startPublishing } from './helpers-publish.ts';

// Real Redis (the lanes the runs are queued on) and a real SQLite results database.
let fixture: CommitsFixture;
let connection: Redis;
let root: string;
let commits: CommitInfo[];

beforeAll(async () => {
  fixture = await startCommitsFixture('confirmation-hooks', 13);
  ({ connection, root, commits } = fixture);
});

afterAll(() => fixture?.close());

const logger = createLogger({ name: 'confirmation-test', level: 'silent' });

/** Twelve runs at 1000, the thirteenth at 1200 on `minion`; returns its manifest and what detection (unless `detect` is false) found. */
async function slowdown(db: ResultsDb, minion: string, detect = true) {
  const samples = noisySamples(9);
  let last: { run: RunManifest; found: Awaited<ReturnType<ResultsDb['detectRun']>> } | undefined;
  for (const [i, commit] of commits.entries()) {
    const run = manifest({
      id: `${minion}-${i}`,
      startedAt: new Date(Date.parse('2026-08-01T00:00:00Z') + i * 60_000).toISOString(),
      commit,
      minion,
      samples: samples(i === 12 ? 1200 : 1000),
    });
    await db.ingestRun(run);
    last = { run, found: detect ? await db.detectRun(run.id) : [] };
  }
  return last!;
}

/** The manifest of a planned confirmation run of record `id` on `day`: 1000 on the baseline, 1200 on the suspect. */
function confirmationRun(
  id: string,
  planRun: ConfirmationRun,
  minion: string,
  day: string,
  samples: (level: number) => number[],
): RunManifest {
  const base = manifest({
    id: planRun.runId,
    startedAt: new Date(Date.parse(`${day}T00:00:00Z`) + planRun.round * 60_000).toISOString(),
    commit: commits.find((c) => c.sha === planRun.commit)!,
    minion,
    samples: samples(planRun.side === 'suspect' ? 1200 : 1000),
  });
  return {
    ...base,
    request: {
      ...base.request,
      priority: 'bisect',
      probe: { kind: 'confirmation', regression: id, side: planRun.side, round: planRun.round },
    },
  };
}

/**
 * Confirmations of a suite with `confirm` on minion `name`'s lane, in a fresh database; `told`
 * lists each status change heard (after a first listener that fails its first call when `flaky`).
 */
function confirming(
  name: string,
  confirm: DetectSpec['confirm'],
  options: {
    enqueue?: (lanes: ReturnType<typeof laneEnqueuer>) => ConfirmationDeps['enqueue'];
    flaky?: boolean;
  } = {},
) {
  const db = openResultsDb({ dataDir: path.join(root, name) });
  const lanes = laneEnqueuer(connection);
  const lane = new Queue(laneName(name), { connection, prefix: QUEUE_PREFIX });
  const told: string[] = [];
  let calls = 0;
  const flaky = () => {
    if (options.flaky && calls++ === 0) throw new Error('this listener fails its first call');
  };
  const confirmations = createConfirmations({
    resultsDb: db,
    settings: suiteDetectSettings({ detect: { confirm }, benchmarks: [{ name: 'add' }] }),
    enqueue: options.enqueue ? options.enqueue(lanes) : lanes.enqueue,
    logger,
    onStatusChange: [flaky, (c: StatusChange) => void told.push(`${c.regression.id} ${c.from}->${c.to}`)],
  });
  const close = async () => {
    await lane.obliterate({ force: true });
    await Promise.all([lane.close(), lanes.close()]);
    await db.close();
  };
  return { db, lane, told, confirmations, close };
}

it('tells every listener of each status change at least once, again after a listener failed, and queues the runs in order', async () => {
  const { db, lane, told, confirmations, close } = confirming('hooks', { rounds: 2 }, { flaky: true });
  try {
    const { run, found } = await slowdown(db, 'hooks');
    expect(found).toHaveLength(1);
    const id = found[0]!.id;
    // A listener failed: the publish fails (every listener was called), and its retry tells them
    // again but starts nothing more.
    await expect(confirmations.afterResults(run, found)).rejects.toThrow(
      /listeners failed: this listener fails/,
    );
    await confirmations.afterResults(run, await db.detectRun(run.id));
    expect(told).toEqual([`${id} suspected->confirming`, `${id} suspected->confirming`]);
    const record = await db.regression(id);
    const planned = record.confirmation?.runs ?? [];
    expect(planned).toHaveLength(4);
    // Same priority (bisect), so the lane holds them in the order it will take them: A B A B.
    const waiting = await lane.getJobs(['prioritized'], 0, -1, true);
    expect(waiting.map((j) => j.id)).toEqual(planned.map((r) => r.runId));
    expect(planned.map((r) => r.side)).toEqual(['baseline', 'suspect', 'baseline', 'suspect']);
    expect(waiting.every((j) => j.opts.priority === 3)).toBe(true);

    // The runs arrive one by one; the last decides.
    const samples = noisySamples(10);
    for (const planRun of planned) {
      const probeRun = confirmationRun(id, planRun, 'hooks', '2026-08-02', samples);
      await db.ingestRun(probeRun);
      await confirmations.afterResults(probeRun, await db.detectRun(probeRun.id));
      told.push(`stored ${planRun.round}`);
    }
    expect(told.slice(2)).toEqual([
      'stored 0',
      'stored 1',
      'stored 2',
      `${id} confirming->confirmed`,
      'stored 3',
    ]);
    expect((await db.regression(id)).status).toBe('confirmed');
    // A retry of the last run's publish tells the decision again; one that decides nothing is silent.
    const last = planned.at(-1)!;
    await confirmations.afterResults(
      {
        ...run,
        id: last.runId,
        request: {
          ...run.request,
          probe: { kind: 'confirmation', regression: id, side: last.side, round: last.round },
        },
      },
      [],
    );
    expect(told.at(-1)).toBe(`${id} confirming->confirmed`);
  } finally {
    await close();
  }
});

it('starts nothing for a suite with confirm: false', async () => {
  const { db, lane, told, confirmations, close } = confirming('off', false);
  try {
    const { run, found } = await slowdown(db, 'off');
    await confirmations.afterResults(run, found);
    expect(told).toEqual([]);
    expect((await db.regression(found[0]!.id)).status).toBe('suspected');
    expect(await lane.getJobCounts()).toMatchObject({ prioritized: 0, waiting: 0 });
  } finally {
    await close();
  }
});

it('a confirmation whose runs could not be queued is undecided, and starts when the publish is retried', async () => {
  let down = true;
  const { db, lane, told, confirmations, close } = confirming(
    'retry',
    { rounds: 2 },
    {
      enqueue: (lanes) => (data, id) => {
        if (down) return Promise.reject(new Error('Connection is closed.'));
        return lanes.enqueue(data, id);
      },
    },
  );
  try {
    const { run, found } = await slowdown(db, 'retry');
    await expect(confirmations.afterResults(run, found)).rejects.toThrow(/Connection is closed/);
    const id = found[0]!.id;
    const undecided = await db.regression(id);
    expect(undecided.status).toBe('suspected');
    expect(undecided.confirmation?.result).toMatchObject({
      outcome: 'undecided',
      reason: expect.stringMatching(/could not queue the confirmation runs: Connection is closed/),
    });
    down = false;
    await confirmations.afterResults(run, await db.detectRun(run.id));
    expect((await db.regression(id)).status).toBe('confirming');
    expect(await lane.getJobCounts()).toMatchObject({ prioritized: 4 });
    // The failed start came back to where it was: listeners hear only the start that took.
    expect(told).toEqual([`${id} suspected->confirming`]);
  } finally {
    await close();
  }
});

it('decides a confirmation whose last run was removed from the lane while waiting (cancelled, or the lane drained)', async () => {
  const { db, lane, told, confirmations, close } = confirming('lost', { rounds: 2 });
  // The API's run store and the worker's publish queue, as main.ts wires them.
  const publishQueue = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
  const store = new RunStore({ minions: [{ ...LOCAL_MINION, name: 'lost' }], connection, publishQueue });
  const publishing = await startPublishing({
    connection,
    archiveRoot: path.join(root, 'lost-archive'),
    onRunLost: (runId, data, reason) => confirmations.afterLost(runId, data, reason),
  });
  try {
    const { run, found } = await slowdown(db, 'lost');
    await confirmations.afterResults(run, found);
    const id = found[0]!.id;
    const planned = (await db.regression(id)).confirmation?.runs ?? [];
    expect(planned.map((r) => r.side)).toEqual(['baseline', 'suspect', 'baseline', 'suspect']);
    // Baseline 0 is cancelled while waiting; the others stay queued.
    expect(await store.cancel(planned[0]!.runId, 'not needed')).toEqual({
      id: planned[0]!.runId,
      state: 'cancelled',
    });
    await waitFor(
      async () => (await db.regression(id)).confirmation?.runs[0]?.lost,
      'the loss to be recorded',
    );
    expect((await db.regression(id)).confirmation?.runs[0]?.lost).toBe('cancelled while waiting: not needed');
    // Runs 1 and 2 report; the record still waits for run 3.
    const samples = noisySamples(11);
    for (const planRun of planned.slice(1, 3)) {
      // Taken off the lane as a worker takes it, and reported.
      await (await lane.getJob(planRun.runId))?.remove();
      const probeRun = confirmationRun(id, planRun, 'lost', '2026-08-03', samples);
      await db.ingestRun(probeRun);
      await confirmations.afterResults(probeRun, []);
    }
    expect((await db.regression(id)).status).toBe('confirming');
    // The lane is drained with run 3 in it: the record is decided without it, and listeners hear.
    expect(await store.drain('lost')).toEqual({ removed: 1 });
    await waitFor(
      async () => ((await db.regression(id)).status === 'confirming' ? undefined : true),
      'a decision',
    );
    const decided = await db.regression(id);
    // One baseline run gave results: too few to decide, so back to suspected, saying why.
    expect(decided.status).toBe('suspected');
    expect(decided.confirmation?.result).toMatchObject({
      outcome: 'undecided',
      reason: expect.stringMatching(/1 of 2 baseline, 1 of 2 suspect/),
    });
    expect(decided.confirmation?.runs[3]?.lost).toBe('removed while waiting: the lane was drained');
    expect(told).toContain(`${id} confirming->suspected`);
    // A run removed that no confirmation or bisection waits for sends no news to the worker.
    const plain = await store.enqueue({
      commit: 'abc1234',
      benchmarks: [],
      profile: false,
      minion: 'lost',
      priority: 'manual',
      trigger: { kind: 'api', detail: {} },
    });
    await store.cancel(plain.id, 'changed my mind');
    expect(await publishQueue.getJob(`lost-${plain.id}`)).toBeUndefined();
    expect(await lane.count()).toBe(0);
  } finally {
    await publishing.close();
    await store.close();
    await publishQueue.close();
    await close();
  }
});

it('tells the listeners of status changes made on demand, starts the confirmation, and not twice', async () => {
  const { db, lane, told, confirmations, close } = confirming('news', { rounds: 2 });
  try {
    // Stored without detection; then detection on demand, as POST /history/detect runs it.
    await slowdown(db, 'news', false);
    const { changes } = await db.detectSeriesChanges({ minion: 'news' });
    expect(changes.map((c) => [c.from, c.to])).toEqual([[null, 'suspected']]);
    const id = changes[0]!.regression.id;
    const handle = statusNewsHandler({
      resultsDb: db,
      listeners: [(c) => void told.push(`${c.regression.id} ${c.from}->${c.to}`)],
      confirmations,
      logger,
    });
    const news = {
      changes: changes.map((c) => ({ regression: c.regression.id, from: c.from, to: c.to })),
      source: 'POST /history/detect',
    };
    // Through the publish queue, as the API hands them over.
    const publishQueue = new Queue(PUBLISH_QUEUE, { connection, prefix: QUEUE_PREFIX });
    const store = new RunStore({ minions: [{ ...LOCAL_MINION, name: 'news' }], connection, publishQueue });
    const publishing = await startPublishing({
      connection,
      archiveRoot: path.join(root, 'news'),
      onStatusNews: handle,
    });
    try {
      expect(await store.statusNews(news)).toBe(true);
      await waitFor(async () => (told.length >= 2 ? true : undefined), 'the listeners to be told');
    } finally {
      await publishing.close();
      await store.close();
      await publishQueue.close();
    }
    expect(told).toEqual([`${id} null->suspected`, `${id} suspected->confirming`]);
    expect(await lane.count()).toBe(4);
    // Told again (a retried job) after the record moved on: nothing is announced or started twice.
    await handle(news);
    expect(told).toHaveLength(2);
    expect(await lane.count()).toBe(4);
    // A listener that fails fails the job, so it retries (the record is `confirming` now: told).
    const failing = statusNewsHandler({
      resultsDb: db,
      listeners: [
        () => {
          throw new Error('webhook down');
        },
      ],
      confirmations,
      logger,
    });
    await expect(
      failing({ changes: [{ regression: id, from: 'suspected', to: 'confirming' }], source: 'test' }),
    ).rejects.toThrow(/webhook down/);
  } finally {
    await close();
  }
});
