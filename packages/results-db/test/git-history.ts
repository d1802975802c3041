import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { CommitInfo } from '@benchrunner/core';
import { createGitRepository } from '@benchrunner/testing';

const run = promisify(execFile);

/**
 * A real git repository with a known first-parent history, merge included:
 *
 *   main:    c0 - c1 - c2 - m - c3      (m merges feature; its first parent is c2)
 *   feature:        \- f1 - f2 -/
 *
 * First-parent depths: c0 0, c1 1, c2 2, m 3, c3 4; f1 2, f2 3.
 */
export async function makeHistory(): Promise<{ dir: string; commits: Record<string, CommitInfo> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-git-'));
  let clock = Date.parse('2026-03-01T10:00:00Z');
  const git = async (...args: string[]) => {
    const date = new Date(clock).toISOString();
    const { stdout } = await run('git', args, {
      cwd: dir,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Ada',
        GIT_AUTHOR_EMAIL: 'ada@example.org',
        GIT_COMMITTER_NAME: 'Ada',
        GIT_COMMITTER_EMAIL: 'ada@example.org',
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      },
    });
    return stdout.trim();
  };
  const commit = async (subject: string) => {
    clock += 60_000;
    await git('commit', '--allow-empty', '-q', '-m', subject);
    return git('rev-parse', 'HEAD');
  };
  await git('init', '-q', '-b', 'main');
  const shas: Record<string, string> = {};
  shas.c0 = await commit('c0: start');
  shas.c1 = await commit('c1: faster add');
  await git('checkout', '-q', '-b', 'feature');
  shas.f1 = await commit('f1: feature work');
  shas.f2 = await commit('f2: more feature work');
  await git('checkout', '-q', 'main');
  shas.c2 = await commit('c2: slower add');
  clock += 60_000;
  await git('merge', '-q', '--no-ff', '-m', 'm: merge feature', 'feature');
  shas.m = await git('rev-parse', 'HEAD');
  shas.c3 = await commit('c3: fix');

  const commits: Record<string, CommitInfo> = {};
  for (const [name, sha] of Object.entries(shas)) commits[name] = await commitInfo(git, sha);
  return { dir, commits };
}

/**
 * `count` commits on main after the fixture's history ({@link createGitRepository}), oldest first,
 * with what a run's target records of each.
 */
export async function linearCommits(
  count: number,
): Promise<{ commits: CommitInfo[]; stop(): Promise<void> }> {
  const repo = await createGitRepository();
  const commits: CommitInfo[] = [];
  for (let i = 0; i < count; i++) {
    commits.push(await commitInfo(repo.git, await repo.commit('main', `p${i}: step ${i}`)));
  }
  return { commits, stop: repo.stop };
}

/** What a run's target records of a commit, read from the repository. */
async function commitInfo(
  git: (...args: string[]) => string | Promise<string>,
  sha: string,
): Promise<CommitInfo> {
  const [parents = '', subject = '', author = '', time = ''] = (
    await git('show', '-s', '--format=%P%x00%s%x00%an <%ae>%x00%aI', sha)
  ).split('\0');
  return {
    sha,
    parents: parents.split(' ').filter(Boolean),
    subject,
    author,
    authorTime: new Date(time).toISOString(),
    firstParentDepth: Number(await git('rev-list', '--first-parent', '--count', sha)) - 1,
  };
}
