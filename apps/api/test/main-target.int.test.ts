import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createGitRepository, type GitRepoFixture, startProcess, waitForExit } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEYS, REPO_ROOT } from './harness.ts';

const TSX = path.join(REPO_ROOT, 'apps/api/node_modules/.bin/tsx');
const MAIN = path.join(REPO_ROOT, 'apps/api/src/main.ts');

let root: string;
let repo: GitRepoFixture;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-api-main-target-'));
  repo = await createGitRepository();
});
afterAll(async () => {
  await repo?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

/** Runs the API with a suite naming this target until it exits (it must not get to Redis). */
async function startWith(target: string) {
  const suiteFile = path.join(root, 'suite.yaml');
  await writeFile(suiteFile, `target: ${target}\nbenchmarks:\n  - {name: a, command: [node, a.mjs]}\n`);
  const api = startProcess(TSX, [MAIN], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      SUITE_FILE: suiteFile,
      DATA_DIR: path.join(root, 'data'),
      API_KEYS: KEYS[0],
      // Nothing listens here: a start that got past the target check would fail on Redis instead.
      REDIS_URL: 'redis://127.0.0.1:1',
    },
  });
  try {
    return { code: await waitForExit(api.child, 60_000), output: api.output() };
  } finally {
    await api.stop();
  }
}

describe('API start with a bad suite target', () => {
  it('exits naming the suite file and target.repository for a missing or non-git repository', async () => {
    for (const repository of [path.join(root, 'missing'), root]) {
      const { code, output } = await startWith(`{repository: ${repository}}`);
      expect(code, output).not.toBe(0);
      expect(output).toMatch(/suite\.yaml: target\.repository: cannot fetch/);
      expect(output).not.toMatch(/redis/i);
    }
  });

  it('exits naming target.branch for a branch the repository does not have', async () => {
    const { code, output } = await startWith(`{repository: ${repo.dir}, branch: trunk}`);
    expect(code, output).not.toBe(0);
    expect(output).toContain('target.branch: branch "trunk" not found');
  });
});
