import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SshRunner } from '@benchrunner/ssh';
import { type SshdFixture, startSshd } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionIfNeeded } from '../src/index.ts';

const FAST = { benchrunner_install_profilers: false };

/** `key=value` lines of the minion's tuning record. */
function record(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

// The test user is not root and has no sudo, and this machine runs no systemd: the playbook must
// say so for every step, without failing, and record it for the runs.
describe('quiet-machine tuning by the minion playbook, over a real sshd', () => {
  let sshd: SshdFixture;
  let runner: SshRunner;
  let scratch: string;
  let suite: string;
  beforeAll(async () => {
    sshd = await startSshd();
    runner = await SshRunner.connect(sshd.minion('m1'));
    scratch = await mkdtemp(path.join(os.tmpdir(), 'tuning-test-'));
    suite = path.join(scratch, 'suite');
    await mkdir(suite, { recursive: true });
    await writeFile(path.join(suite, 'suite.yaml'), 'benchmarks: []\n');
  });
  afterAll(async () => {
    await runner?.close();
    await sshd?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  const provision = async (vars: Record<string, unknown>) => {
    const outcome = await provisionIfNeeded({
      minion: sshd.minion('m1'),
      runner,
      suiteDir: suite,
      force: true,
      extraVars: { ...FAST, ...vars },
    });
    const uid = (await runner.exec(['id', '-u'])).stdout.trim();
    const tuning = await runner.exec(['cat', 'tuning.env']);
    expect(tuning.exitCode).toBe(0);
    return { outcome, uid, tuning: record(tuning.stdout) };
  };

  it('reports each step it could not take and why, says what it would do, and goes on', async () => {
    const { outcome, uid, tuning } = await provision({
      benchrunner_tune: true,
      benchrunner_isolate_cpus: true,
      benchrunner_cpus: `${os.availableParallelism() - 1}`,
    });
    expect(outcome.provisioned).toBe(true);
    expect(outcome.result?.tasks.find((t) => t.task === "Record the installed suite's hash")?.failed).toBe(
      false,
    );
    const noRoot = `not root (uid ${uid}), no sudo without a password and no ansible_become_password`;
    const noSystemd = 'no systemd (/run/systemd/system is missing)';
    const others = [...Array(os.availableParallelism() - 1).keys()].join(',');
    expect(tuning).toEqual({
      tuning_isolate_cpus: `not done: ${noRoot}; ${noSystemd}, would set AllowedCPUs=${others} on system.slice and init.scope`,
      tuning_timers: `not done: ${noRoot}; ${noSystemd}`,
      tuning_governor: `not done: ${noRoot}`,
      tuning_turbo: `not done: ${noRoot}`,
      tuning_aslr: `not done: ${noRoot}`,
    });
    // Nothing that needs root was tried.
    const tried = outcome.result?.tasks.filter((t) => !t.skipped).map((t) => t.task) ?? [];
    expect(tried).not.toContain('Set the CPU governor to performance');
    expect(tried).not.toContain('Keep system services and init off the benchmark CPUs');
  });

  it('says why CPUs cannot be isolated without a CPU list, and records "off" for what was not asked', async () => {
    const { tuning } = await provision({ benchrunner_isolate_cpus: true });
    expect(tuning.tuning_isolate_cpus).toMatch(/^not done: benchrunner_cpus is not set; not root/);
    expect(tuning.tuning_timers).toBe('off');
    expect((await provision({})).tuning).toEqual({
      tuning_isolate_cpus: 'off',
      tuning_timers: 'off',
      tuning_governor: 'off',
      tuning_turbo: 'off',
      tuning_aslr: 'off',
    });
  });
});
