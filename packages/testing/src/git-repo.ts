import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A real git repository made for a test, with a known history. */
export interface GitRepoFixture {
  dir: string;
  /** Full shas by name: A, B, F1, F2, M (merge), C on main; D on topic. */
  sha: Record<'A' | 'B' | 'F1' | 'F2' | 'M' | 'C' | 'D', string>;
  /** Commits a file on `branch` (checked out) and returns the new sha; `when` sets its dates. */
  commit(branch: string, message: string, when?: Date): Promise<string>;
  git(...args: string[]): string;
  stop(): Promise<void>;
}

/**
 * `git init` in a temp folder, then:
 *
 * ```
 * main:    A - B ------- M - C        tags: v1 (lightweight) at B, v2 (annotated) at M
 *               \       /
 * feature:       F1 - F2
 * topic:                     C - D
 * ```
 *
 * Author times are 2026-01-01T00:00:00Z plus one hour per commit, in the order A B F1 F2 M C D.
 */
export async function createGitRepository(): Promise<GitRepoFixture> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-git-'));
  let tick = 0;
  let at: Date | undefined;
  const git = (...args: string[]) => {
    const when = `${at ? Math.floor(at.getTime() / 1000) : 1767225600 + tick * 3600} +0000`;
    return execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Ada Tester',
        GIT_AUTHOR_EMAIL: 'ada@example.test',
        GIT_COMMITTER_NAME: 'Ada Tester',
        GIT_COMMITTER_EMAIL: 'ada@example.test',
        GIT_AUTHOR_DATE: when,
        GIT_COMMITTER_DATE: when,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_CONFIG_GLOBAL: '/dev/null',
      },
    }).trim();
  };
  const commit = async (branch: string, message: string, when?: Date) => {
    at = when;
    if (git('symbolic-ref', '--short', 'HEAD') !== branch) git('checkout', '--quiet', branch);
    await writeFile(path.join(dir, 'file.txt'), `${message}\n`);
    git('add', 'file.txt');
    git('commit', '--quiet', '-m', message);
    tick++;
    at = undefined;
    return git('rev-parse', 'HEAD');
  };
  git('init', '--quiet', '--initial-branch=main');
  const A = await commit('main', 'A: first');
  const B = await commit('main', 'B: second');
  git('tag', 'v1');
  git('branch', 'feature');
  const F1 = await commit('feature', 'F1: feature one');
  const F2 = await commit('feature', 'F2: feature two');
  git('checkout', '--quiet', 'main');
  git('merge', '--quiet', '--no-ff', '-m', 'M: merge feature', 'feature');
  tick++;
  const M = git('rev-parse', 'HEAD');
  git('tag', '-a', '-m', 'release two', 'v2');
  const C = await commit('main', 'C: after the merge');
  git('branch', 'topic');
  const D = await commit('topic', 'D: topic work');
  git('checkout', '--quiet', 'main');
  return {
    dir,
    sha: { A, B, F1, F2, M, C, D },
    commit,
    git,
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}
