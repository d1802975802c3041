import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseSuite } from '@benchrunner/core';
import { createGitRepository, type GitRepoFixture } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TargetResolver, UnknownRefError } from '../src/index.ts';

let repo: GitRepoFixture;
let root: string;
const BENCH = 'benchmarks:\n  - {name: a, command: [x]}\n';

beforeAll(async () => {
  repo = await createGitRepository();
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-target-'));
});
afterAll(async () => {
  await repo?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** A suite file beside the repository, naming it by a relative path. */
function suiteFor(target: string) {
  return parseSuite(`${target}\n${BENCH}`, path.join(path.dirname(repo.dir), 'suite.yaml'));
}

describe('TargetResolver', () => {
  it('leaves suites without a target alone: no mirror, no git', async () => {
    const resolver = new TargetResolver({ gitRoot: path.join(root, 'none') });
    const suite = parseSuite(BENCH, path.join(root, 'suite.yaml'));
    expect(await resolver.resolve(suite, { ref: 'whatever' })).toBeUndefined();
    await resolver.check(suite);
    expect(existsSync(path.join(root, 'none'))).toBe(false);
  });

  it('gives a branch ref its branch, a tag or sha the suite branch unless the trigger names one', async () => {
    const resolver = new TargetResolver({ gitRoot: path.join(root, 'git') });
    const suite = suiteFor(`target: {repository: ${path.basename(repo.dir)}}`);
    const main = await resolver.resolve(suite, { ref: 'main' });
    expect(main).toMatchObject({ repository: path.basename(repo.dir), ref: 'main', branch: 'main' });
    expect(main?.commit.sha).toBe(repo.sha.C);
    expect(await resolver.resolve(suite, { ref: 'feature' })).toMatchObject({ branch: 'feature' });
    expect(await resolver.resolve(suite, { ref: 'v1' })).toMatchObject({ ref: 'v1', branch: 'main' });
    const short = repo.sha.D.slice(0, 10);
    expect(await resolver.resolve(suite, { ref: short, branch: 'topic' })).toMatchObject({
      ref: short,
      branch: 'topic',
      commit: { sha: repo.sha.D, firstParentDepth: 4 },
    });
    const pullRequest = { number: 7, baseBranch: 'main', headBranch: 'feature' };
    expect(
      await resolver.resolve(suite, { ref: repo.sha.F2, branch: 'pull/7/head', pullRequest }),
    ).toMatchObject({
      branch: 'pull/7/head',
      pullRequest,
    });
    await expect(resolver.resolve(suite, { ref: 'nope' })).rejects.toBeInstanceOf(UnknownRefError);
  });

  it('resolves a branch as it stood at a given time (a scheduled run that waited)', async () => {
    const resolver = new TargetResolver({ gitRoot: path.join(root, 'git') });
    const suite = suiteFor(`target: {repository: ${repo.dir}, branch: main}`);
    // B was committed at 01:00, M at 04:00, C at 05:00.
    const asOf = new Date('2026-01-01T04:30:00Z');
    expect((await resolver.resolve(suite, { ref: 'main', asOf }))?.commit.sha).toBe(repo.sha.M);
    expect((await resolver.resolve(suite, { ref: 'main', asOf: new Date('2030-01-01') }))?.commit.sha).toBe(
      repo.sha.C,
    );
    // A tag is what it names, whenever it is asked.
    expect(
      (await resolver.resolve(suite, { ref: 'v2', asOf: new Date('2026-01-01T00:30:00Z') }))?.commit.sha,
    ).toBe(repo.sha.M);
  });

  it('stops the start with the suite file and field named for a bad target', async () => {
    const resolver = new TargetResolver({ gitRoot: path.join(root, 'git') });
    const missing = suiteFor('target: {repository: no-such-repository}');
    const error = await resolver.check(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(
      /suite\.yaml: target\.repository: cannot fetch .*no-such-repository/,
    );
    const branch = suiteFor(`target: {repository: ${repo.dir}, branch: trunk}`);
    await expect(resolver.check(branch)).rejects.toThrow(/target\.branch: branch "trunk" not found/);
    await resolver.check(suiteFor(`target: {repository: ${repo.dir}}`));
  });
});
