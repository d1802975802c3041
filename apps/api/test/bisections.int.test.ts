import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type CommitInfo, loadSuite } from '@benchrunner/core';
import { TargetResolver } from '@benchrunner/git';
import { manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';
import { createGitRepository, type GitRepoFixture } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, json, startHarness } from './harness.ts';

let h: Harness;
let repo: GitRepoFixture;
let root: string;
let commits: CommitInfo[];
let regressionId: string;

beforeAll(async () => {
  [h, repo] = await Promise.all([startHarness(), createGitRepository()]);
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-api-bisect-'));
  const suiteFile = path.join(root, 'suite.yaml');
  await writeFile(
    suiteFile,
    `target: {repository: ${repo.dir}, branch: main}\nbenchmarks:\n  - {name: add, command: [node, -e, "0"]}\n`,
  );
  const suite = await loadSuite(suiteFile);
  const targets = new TargetResolver({ gitRoot: path.join(root, 'git') });
  h.deps.suite = async () => suite;
  h.deps.targets = targets;
  const shas: string[] = [];
  for (let i = 0; i < 12; i++) shas.push(await repo.commit('main', `s${i}: step ${i}`));
  const mirror = targets.mirror(suite);
  await mirror?.fetch();
  commits = [];
  for (const sha of shas) commits.push((await mirror!.resolve(sha)).commit);
  // Ten runs at one level, commit 10 never measured, commit 11 20 % slower: the range is (9, 11].
  const samples = noisySamples(3);
  for (const i of [...Array(10).keys(), 11]) {
    const run = manifest({
      id: `run-${String(i).padStart(2, '0')}`,
      startedAt: new Date(Date.parse('2026-06-01T00:00:00Z') + i * 60_000).toISOString(),
      commit: commits[i] as CommitInfo,
      samples: samples(i === 11 ? 1200 : 1000),
    });
    await h.deps.results.ingestRun(run);
    await h.deps.results.detectRun(run.id);
  }
  const [record] = await h.deps.results.regressions({ limit: 10 });
  regressionId = record?.id ?? '';
});

afterAll(async () => {
  await h?.close();
  await repo?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('POST /regressions/:id/bisect', () => {
  it('refuses bad input with a 4xx naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ benchmarks: ['nope'] }, 'body.benchmarks.0'],
      [{ good: 42 }, 'body.good'],
      [{ extra: true }, 'body'],
      [{ good: commits[11]?.sha, bad: commits[9]?.sha }, 'body.bad'],
      [{ good: 'no-such-branch' }, 'body.good'],
    ];
    for (const [body, field] of cases) {
      const response = await h.post(`/regressions/${regressionId}/bisect`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const answer = await json(response);
      expect(
        answer.error.details.map((d: { path: string }) => d.path),
        JSON.stringify(answer),
      ).toContain(field);
    }
    expect((await h.post('/regressions/nope/bisect', {})).status).toBe(404);
  });

  it('names the culprit without a bisection for a range of one commit', async () => {
    const response = await h.post(`/regressions/${regressionId}/bisect`, { good: commits[10]?.sha });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      bisection: null,
      culprit: { sha: commits[11]?.sha, subject: 's11: step 11' },
    });
  });

  it('starts one whose probe waits in the lane as a bisect-class run, and DELETE stops it and removes the probe', async () => {
    const response = await h.call(`/regressions/${regressionId}/bisect`, { method: 'POST' });
    expect(response.status).toBe(202);
    const started = await json(response);
    expect(started).toMatchObject({
      status: 'running',
      commits: 2,
      good: commits[9]?.sha,
      bad: commits[11]?.sha,
    });
    expect(started.probes).toEqual([
      expect.objectContaining({ commit: commits[10]?.sha, outcome: 'pending' }),
    ]);
    const lane = h.lanes.get('local');
    const job = await lane?.getJob(started.probes[0].runId);
    expect(job?.priority).toBe(3);
    expect(job?.data).toMatchObject({
      priority: 'bisect',
      benchmarks: ['add'],
      probe: { kind: 'bisection', bisection: started.id, regression: regressionId },
    });

    const read = await json(await h.call(`/bisections/${started.id}`));
    expect(read.id).toBe(started.id);
    const record = await json(await h.call(`/regressions/${regressionId}`));
    expect(record.bisection.id).toBe(started.id);

    const stopped = await h.call(`/bisections/${started.id}`, { method: 'DELETE' });
    expect(stopped.status).toBe(200);
    const body = await json(stopped);
    expect(body).toMatchObject({ status: 'cancelled', probes: [{ outcome: 'cancelled' }] });
    expect(body.cancelledRuns).toEqual([{ id: started.probes[0].runId, state: 'cancelled' }]);
    expect(await lane?.getJob(started.probes[0].runId)).toBeUndefined();
    expect((await h.call('/bisections/nope')).status).toBe(404);
  });
});
