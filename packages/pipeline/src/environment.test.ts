import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalRunner } from '@benchrunner/ssh';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureEnvironment } from './environment.ts';

describe('captureEnvironment', () => {
  let workDir: string;
  let runner: LocalRunner;
  beforeAll(async () => {
    workDir = await mkdtemp(path.join(os.tmpdir(), 'environment-test-'));
    runner = new LocalRunner({ minion: 'local', workDir });
  });
  afterAll(async () => {
    await runner.close();
    await rm(workDir, { recursive: true, force: true });
  });

  const capture = () =>
    captureEnvironment(runner, { cwd: workDir, env: {}, signal: new AbortController().signal });

  it("records the minion playbook's tuning from <workDir>/tuning.env, and only its tuning_* keys", async () => {
    expect(Object.keys(await capture()).filter((k) => k.startsWith('tuning_'))).toEqual([]);
    await writeFile(
      path.join(workDir, 'tuning.env'),
      'tuning_isolate_cpus=not done: not root (uid 1000) and no sudo without a password\n' +
        'tuning_timers=stopped and masked: apt-daily.timer man-db.timer\n' +
        'node=v0.0.0-not-from-here\n',
    );
    const info = await capture();
    expect(info).toMatchObject({
      tuning_isolate_cpus: 'not done: not root (uid 1000) and no sudo without a password',
      tuning_timers: 'stopped and masked: apt-daily.timer man-db.timer',
    });
    expect(info.node).not.toBe('v0.0.0-not-from-here');
  });
});
