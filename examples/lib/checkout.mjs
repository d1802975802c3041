// Checks out the commit a run measures: BENCHRUNNER_COMMIT (a full sha) of BENCHRUNNER_REPOSITORY,
// both set by benchrunner when the suite names a `target`. Git runs with argv arrays, never a shell.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Where the target is checked out: EXAMPLE_TARGET_DIR, or a folder in the temp dir. */
function targetDir() {
  return process.env.EXAMPLE_TARGET_DIR ?? path.join(os.tmpdir(), 'benchrunner-example-target');
}

function git(dir, args) {
  return execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
}

/**
 * Fetches `commit` from `repository` into a reused clone and checks it out (detached). Returns the
 * folder, or undefined when the run names no repository (a suite without a target).
 */
export function checkoutTarget(
  repository = process.env.BENCHRUNNER_REPOSITORY,
  commit = process.env.BENCHRUNNER_COMMIT,
) {
  if (!repository || !commit) return undefined;
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`BENCHRUNNER_COMMIT "${commit}" is not a full sha`);
  const dir = targetDir();
  if (!existsSync(path.join(dir, '.git'))) {
    mkdirSync(dir, { recursive: true });
    git(dir, ['init', '--quiet']);
  }
  git(dir, ['fetch', '--quiet', '--no-tags', '--end-of-options', repository, commit]);
  git(dir, ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', '--force', '--detach', commit]);
  const head = git(dir, ['rev-parse', 'HEAD']);
  if (head !== commit) throw new Error(`checked out ${head} in ${dir}, expected ${commit}`);
  return dir;
}
