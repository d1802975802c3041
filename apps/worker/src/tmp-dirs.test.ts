import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTmpDirs, workerTmpDir } from './tmp-dirs.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('removeStaleTmpDirs', () => {
  it('removes the folders of dead workers only', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-tmp-dirs-'));
    const mine = workerTmpDir(dir);
    const root = path.dirname(mine);
    for (const name of ['worker-101', 'worker-102', 'other'])
      await mkdir(path.join(root, name), { recursive: true });
    await mkdir(mine);
    const removed = await removeStaleTmpDirs(root, (pid) => pid === 102);
    expect(removed).toEqual(['worker-101']);
    expect((await readdir(root)).sort()).toEqual(['other', path.basename(mine), 'worker-102'].sort());
  });

  it('finds nothing where there is no folder', async () => {
    expect(await removeStaleTmpDirs('/nonexistent/benchrunner/tmp')).toEqual([]);
  });
});
