import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalRunner } from '../src/local-runner.ts';
import { runnerContract } from './runner-contract.ts';

runnerContract('LocalRunner', async () => {
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'local-runner-'));
  return {
    open: async () => new LocalRunner({ minion: 'local', workDir }),
    dispose: () => rm(workDir, { recursive: true, force: true }),
  };
});
