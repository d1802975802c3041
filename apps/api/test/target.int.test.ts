import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseSuite, type RunJobData, type Suite } from '@benchrunner/core';
import { TargetResolver } from '@benchrunner/git';
import { RunView as RunViewSchema } from '@benchrunner/queue';
import { createGitRepository, type GitRepoFixture } from '@benchrunner/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, json, startHarness } from './harness.ts';

const SECRET = 'webhook-secret-0123456789';
let h: Harness;
let repo: GitRepoFixture;
let root: string;
let gitRoot: string;

function suiteOf(target: string): Suite {
  return parseSuite(
    `${target}\nbenchmarks:\n  - {name: add, command: [node, add.mjs]}\n`,
    path.join(root, 'suite.yaml'),
  );
}

function use(suite: Suite) {
  h.deps.suite = async () => suite;
}

async function jobOf(id: string): Promise<RunJobData> {
  return (await h.lanes.get('local')!.getJob(id))!.data as RunJobData;
}

beforeAll(async () => {
  repo = await createGitRepository();
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-api-target-'));
  gitRoot = path.join(root, 'git');
  h = await startHarness({ webhookSecret: SECRET });
  h.deps.targets = new TargetResolver({ gitRoot });
});
beforeEach(async () => {
  await h.reset();
  use(suiteOf(`target: {repository: ${repo.dir}, branch: main}`));
});
afterAll(async () => {
  await h?.close();
  await repo?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

describe('POST /runs with a suite that names a target', () => {
  it('resolves the ref to a full sha when the run is accepted, and records ref, branch and commit', async () => {
    const response = await h.post('/runs', { commit: 'main' });
    expect(response.status).toBe(202);
    const body = await json(response);
    expect(body).toMatchObject({ commit: repo.sha.C, ref: 'main', branch: 'main' });
    const job = await jobOf(body.id);
    expect(job.commit).toBe(repo.sha.C);
    expect(job.target).toMatchObject({
      repository: repo.dir,
      ref: 'main',
      branch: 'main',
      commit: { sha: repo.sha.C, parents: [repo.sha.M], subject: 'C: after the merge', firstParentDepth: 3 },
    });
    const view = await json(await h.call(`/runs/${body.id}`));
    expect(view.target).toEqual(job.target);
    expect(RunViewSchema.strict().parse(view)).toBeTruthy();
  });

  it('gives a tag or a sha the suite branch, or the branch the request names', async () => {
    const tag = await json(await h.post('/runs', { commit: 'v2' }));
    expect(tag).toMatchObject({ commit: repo.sha.M, ref: 'v2', branch: 'main' });
    const short = repo.sha.D.slice(0, 9);
    const sha = await json(await h.post('/runs', { commit: short, branch: 'topic' }));
    expect(sha).toMatchObject({ commit: repo.sha.D, ref: short, branch: 'topic' });
    expect((await jobOf(sha.id)).target?.commit.firstParentDepth).toBe(4);
  });

  it('takes a branch name and its sha for the same run while it waits', async () => {
    const first = await json(await h.post('/runs', { commit: 'main' }));
    const second = await json(await h.post('/runs', { commit: repo.sha.C }));
    expect(second).toMatchObject({ id: first.id, duplicate: true });
  });

  it('answers 400 naming body.commit for an unknown or hostile ref, and enqueues nothing', async () => {
    for (const commit of [
      'no-such-branch',
      'deadbeef',
      'main; rm -rf /',
      '$(id)',
      '--upload-pack=touch /tmp/x',
    ]) {
      const response = await h.post('/runs', { commit });
      expect(response.status, commit).toBe(400);
      const body = await json(response);
      expect(body.error.details[0].path, commit).toBe('body.commit');
    }
    const unknown = await json(await h.post('/runs', { commit: 'no-such-branch' }));
    expect(unknown.error).toMatchObject({ code: 'unknown_ref' });
    expect(unknown.error.message).toContain('body.commit: unknown ref "no-such-branch"');
    expect(await h.lanes.get('local')!.count()).toBe(0);
  });

  it('answers 503 (not 500) when the target repository cannot be fetched', async () => {
    use(suiteOf(`target: {repository: ${path.join(root, 'gone')}}`));
    const response = await h.post('/runs', { commit: 'main' });
    expect(response.status).toBe(503);
    expect((await json(response)).error).toMatchObject({ code: 'target_unavailable' });
    expect(await h.lanes.get('local')!.count()).toBe(0);
  });

  it('passes the commit on as given, without git, for a suite without a target', async () => {
    use(suiteOf(''));
    const fresh = await mkdtemp(path.join(root, 'untouched-'));
    h.deps.targets = new TargetResolver({ gitRoot: path.join(fresh, 'git') });
    try {
      const body = await json(await h.post('/runs', { commit: 'abc1234' }));
      expect(body.commit).toBeUndefined();
      const job = await jobOf(body.id);
      expect(job.commit).toBe('abc1234');
      expect(job.target).toBeUndefined();
      expect(existsSync(path.join(fresh, 'git'))).toBe(false);
    } finally {
      h.deps.targets = new TargetResolver({ gitRoot });
    }
  });
});

function deliver(event: string, payload: unknown) {
  const body = JSON.stringify(payload);
  return h.app.request('/webhooks/github', {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': 'delivery-1',
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
  });
}

describe('GitHub webhook with a suite that names a target', () => {
  it('records a push with its branch', async () => {
    const response = await deliver('push', { ref: 'refs/heads/topic', after: repo.sha.D, repository: {} });
    expect(response.status).toBe(202);
    const job = await jobOf((await json(response)).id);
    expect(job.target).toMatchObject({ ref: repo.sha.D, branch: 'topic', commit: { sha: repo.sha.D } });
    expect(job.target?.pullRequest).toBeUndefined();
  });

  it('records a pull request with its head sha, head branch, base branch and number', async () => {
    const response = await deliver('pull_request', {
      action: 'opened',
      number: 7,
      pull_request: { number: 7, head: { sha: repo.sha.F2, ref: 'feature' }, base: { ref: 'main' } },
      repository: {},
    });
    expect(response.status).toBe(202);
    const job = await jobOf((await json(response)).id);
    expect(job.target).toMatchObject({
      branch: 'pull/7/head',
      commit: { sha: repo.sha.F2, parents: [repo.sha.F1] },
      pullRequest: { number: 7, headBranch: 'feature', baseBranch: 'main' },
    });
  });

  it('answers 400 naming the payload field for a commit the target does not have', async () => {
    const response = await deliver('push', { ref: 'refs/heads/main', after: 'e'.repeat(40), repository: {} });
    expect(response.status).toBe(400);
    expect((await json(response)).error.details[0].path).toBe('body.after');
    expect(await h.lanes.get('local')!.count()).toBe(0);
  });
});
