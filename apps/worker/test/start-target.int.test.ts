import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startProcess, waitForExit } from '@benchrunner/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WORKER_DIR } from './fixtures.ts';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-worker-start-target-'));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

it('the worker refuses to start with a suite whose target is not a git repository, naming the field', async () => {
  const suiteFile = path.join(root, 'suite.yaml');
  await writeFile(
    suiteFile,
    `target: {repository: ${root}}\nbenchmarks:\n  - {name: a, command: [node, a.mjs]}\n`,
  );
  const worker = startProcess(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: WORKER_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/root',
      // Nothing listens here: the target check comes before Redis.
      REDIS_URL: 'redis://127.0.0.1:1',
      DATA_DIR: path.join(root, 'data'),
      SUITE_FILE: suiteFile,
    },
  });
  try {
    const code = await waitForExit(worker.child, 60_000);
    expect(code, worker.output()).not.toBe(0);
    expect(worker.output()).toMatch(/suite\.yaml: target\.repository: cannot fetch .*not .*git repository/);
  } finally {
    await worker.stop();
  }
});
