import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, loadSuite, type RunJobData } from '@benchrunner/core';
import { type GitMirror, TargetResolver } from '@benchrunner/git';
import { openResultsDb, type Regression, type ResultsDb } from '@benchrunner/results-db';
import { createGitRepository, type GitRepoFixture } from '@benchrunner/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BisectInputError, type BisectionDeps, onProbeLost, startBisection } from '../src/index.ts';

// A real git repository and mirror, a real SQLite results database. Every case here ends before
// a probe is enqueued: `enqueued` records what would have gone to a lane, and must stay empty.
let repo: GitRepoFixture;
let root: string;
let results: ResultsDb;
let mirror: GitMirror | undefined;
const enqueued: RunJobData[] = [];

beforeAll(async () => {
  repo = await createGitRepository();
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-bisect-'));
  results = openResultsDb({ dataDir: path.join(root, 'db') });
  const suiteFile = path.join(root, 'suite.yaml');
  await writeFile(
    suiteFile,
    `target: {repository: ${repo.dir}, branch: main}\nbenchmarks:\n  - {name: add, command: [node, -e, "0"]}\n`,
  );
  mirror = new TargetResolver({ gitRoot: path.join(root, 'git') }).mirror(await loadSuite(suiteFile));
});
afterAll(async () => {
  await results?.close();
  await repo?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const deps = (): BisectionDeps => ({
  results,
  mirror: async () => mirror,
  enqueue: async (data) => {
    enqueued.push(data);
    throw new Error('no probe may be enqueued in these cases');
  },
  logger: createLogger({ name: 'bisect-test', level: 'silent' }),
});

function regression(good: string, bad: string): Regression {
  return {
    id: `reg-${good.slice(0, 6)}-${bad.slice(0, 6)}`,
    series: {
      key: 'k',
      benchmark: 'add',
      result: 'add',
      params: {},
      measure: 'latency',
      unit: 'ns',
      direction: 'lower',
      minion: 'local',
      branch: 'main',
    },
    detector: 'baseline',
    kind: 'regression',
    status: 'confirmed',
    lastGood: { commit: good, runId: 'r-good' },
    firstBad: { commit: bad, runId: 'r-bad' },
    before: { median: 1, ci: null },
    after: { median: 2, ci: null },
    change: 1,
    changeCi: null,
    pValue: 0.001,
    runs: [],
    confirmation: null,
    createdAt: '2026-06-01T00:00:00.000Z',
    updatedAt: '2026-06-01T00:00:00.000Z',
  };
}

it("fails with the reason, without hanging, when the range's commits are gone after a force-push", async () => {
  const gone = 'f'.repeat(40);
  const started = await startBisection(deps(), regression(gone, repo.sha.C));
  expect(started.bisection).toMatchObject({
    status: 'failed',
    reason: expect.stringContaining(`commit ${gone} is not in`),
  });
  expect((await results.bisections.forRegression(`reg-ffffff-${repo.sha.C.slice(0, 6)}`))?.status).toBe(
    'failed',
  );
  expect(enqueued).toEqual([]);
});

it('needs no bisection for a range of one commit: it names the culprit', async () => {
  const started = await startBisection(deps(), regression(repo.sha.M, repo.sha.C));
  expect(started).toMatchObject({ bisection: null, culprit: { sha: repo.sha.C, merge: false } });
});

it('walks the first-parent chain: a merge is one commit of the range, with the commits it merged', async () => {
  // B..C on the first-parent chain is M, C; with no stored runs at the ends it fails saying so.
  const started = await startBisection(deps(), regression(repo.sha.B, repo.sha.C));
  expect(started.bisection).toMatchObject({
    status: 'failed',
    commits: 2,
    reason: expect.stringContaining('no stored run'),
  });
  const input = await results.bisections.input(started.bisection?.id ?? '');
  expect(input.commits.map((c) => c.sha)).toEqual([repo.sha.M, repo.sha.C]);
  expect(input.commits[0]?.merged).toEqual([repo.sha.F2, repo.sha.F1]);
});

it('refuses a range given by hand that is empty or names an unknown commit, naming the field', async () => {
  const record = regression(repo.sha.B, repo.sha.C);
  await expect(startBisection(deps(), record, { good: repo.sha.C, bad: repo.sha.B })).rejects.toMatchObject({
    field: 'bad',
  });
  await expect(startBisection(deps(), record, { good: 'no-such-ref' })).rejects.toBeInstanceOf(
    BisectInputError,
  );
  expect(enqueued).toEqual([]);
});

it('skips the commit of a probe run that failed with nothing archived, and ends without waiting for it', async () => {
  const commit = (sha: string, subject: string) => ({
    sha,
    parents: ['0'.repeat(40)],
    subject,
    author: 'A',
    authorTime: '2026-06-01T00:00:00.000Z',
  });
  const input = {
    commits: [commit(repo.sha.M, 'M'), commit(repo.sha.C, 'C')],
    good: [100, 101, 99, 100.5, 102, 98.5, 99.5, 101.5],
    bad: [120, 121, 119, 120.5, 122, 118.5, 119.5, 121.5],
  };
  const series = { key: 'k', benchmark: 'add', minion: 'local', branch: 'main' };
  await results.bisections.create({
    id: 'b-lost',
    regressionId: null,
    series,
    good: repo.sha.B,
    bad: repo.sha.C,
    input,
  });
  await results.bisections.addProbe('b-lost', {
    commit: repo.sha.M,
    position: 0,
    attempt: 1,
    repeats: 5,
    runId: 'run-lost',
  });
  const data = { probe: { kind: 'bisection', bisection: 'b-lost' } };
  await onProbeLost(deps(), 'run-lost', data, 'cancelled before it started: by hand');
  const ended = await results.bisections.get('b-lost');
  expect(ended.probes).toEqual([
    expect.objectContaining({
      outcome: 'skipped',
      reason: expect.stringContaining('cancelled before it started'),
    }),
  ]);
  // Only the skipped commit separated good from bad: both remain candidates.
  expect(ended).toMatchObject({
    status: 'ambiguous',
    candidates: [{ sha: repo.sha.M }, { sha: repo.sha.C }],
  });
  expect(enqueued).toEqual([]);
});
