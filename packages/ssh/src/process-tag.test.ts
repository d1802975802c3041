import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  execTag,
  ownerTag,
  PROCESS_TAG_VAR,
  parseKilled,
  SWEEP_FUNCTION,
  tagPattern,
} from './process-tag.ts';

const run = promisify(execFile);

function sweep(pattern: string) {
  return run('sh', ['-c', `${SWEEP_FUNCTION}\nsweep "$1"`, 'sh', pattern]);
}

describe('sweep', () => {
  it('kills and lists exactly the processes with the tag, once each, and succeeds when there are none', async () => {
    const owner = ownerTag(`/tmp/process-tag-test-${process.pid}-${Date.now()}`);
    const tag = execTag(owner);
    const other = execTag(owner);
    const sleep = (t: string) =>
      spawn('sleep', ['300'], { env: { PATH: process.env.PATH, [PROCESS_TAG_VAR]: t }, stdio: 'ignore' });
    const mine = [sleep(tag), sleep(tag)];
    const theirs = sleep(other);
    try {
      await new Promise((r) => setTimeout(r, 200));
      const killed = parseKilled((await sweep(tagPattern(tag))).stdout);
      expect(killed.map((p) => p.pid).sort()).toEqual(mine.map((c) => c.pid).sort());
      expect(killed.map((p) => p.command)).toEqual(['sleep 300', 'sleep 300']);
      expect(theirs.exitCode).toBeNull();
      // The owner's pattern finds every command of the workDir.
      expect(parseKilled((await sweep(tagPattern(owner))).stdout).map((p) => p.pid)).toEqual([theirs.pid]);
      expect((await sweep(tagPattern(owner))).stdout).toBe('');
    } finally {
      for (const child of [...mine, theirs]) child.kill('SIGKILL');
    }
  });
});
