import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type SshdFixture, startSshd } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINION_PLAYBOOK, runPlaybook, suiteContentHash } from '../src/index.ts';

const run = promisify(execFile);

/** `ssh -G` output as a map of lower-case option name to its values. */
async function sshConfig(args: string[]): Promise<Map<string, string[]>> {
  const { stdout } = await run('ssh', ['-G', ...args]);
  const config = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const [key, ...rest] = line.trim().split(/\s+/);
    if (key) config.set(key, [...(config.get(key) ?? []), rest.join(' ')]);
  }
  return config;
}

describe('the ssh options ansible-playbook passes to ssh', () => {
  let sshd: SshdFixture;
  let scratch: string;
  let calls: string;
  let recorder: string;
  let playbook: string;
  beforeAll(async () => {
    sshd = await startSshd();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'ssh-options-test-'));
    calls = path.join(scratch, 'calls');
    await mkdir(calls);
    // Ansible's ssh executable: records the exact argv of each call, then runs the real ssh.
    recorder = path.join(scratch, 'ssh-recorder');
    await writeFile(recorder, `#!/bin/sh\nprintf '%s\\0' "$@" > ${calls}/call-$$\nexec ssh "$@"\n`);
    await chmod(recorder, 0o755);
    playbook = path.join(scratch, 'eight-tasks.yaml');
    const task = (n: number) => `    - name: Task ${n}\n      ansible.builtin.command: "true"\n`;
    await writeFile(
      playbook,
      `- hosts: minions\n  gather_facts: false\n  tasks:\n${[1, 2, 3, 4, 5, 6, 7, 8].map(task).join('')}`,
    );
  });
  afterAll(async () => {
    await sshd?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('logs in once for a play of eight tasks, and ssh gets each pinning option as its own option', async () => {
    const before = sshd.logins();
    const result = await runPlaybook({
      playbook,
      minion: sshd.minion('m1', { playbookVars: { ansible_ssh_executable: recorder } }),
    });
    expect(result.tasks.filter((t) => t.task.startsWith('Task '))).toHaveLength(8);
    // ControlMaster/ControlPersist: every task reuses the first connection.
    expect(sshd.logins() - before).toBe(1);

    const files = await readdir(calls);
    expect(files.length).toBeGreaterThanOrEqual(8);
    const argv = (await readFile(path.join(calls, files[0] ?? ''), 'utf8')).split('\0').slice(0, -1);
    const config = await sshConfig(argv);
    expect(config.get('batchmode')).toEqual(['yes']);
    expect(config.get('stricthostkeychecking')).toEqual(['true']);
    expect(config.get('controlmaster')).toEqual(['auto']);
    expect(config.get('controlpersist')).toEqual(['30']);
    // Only the pinned key is trusted: no system-wide known_hosts, one private file.
    expect(config.get('globalknownhostsfile')).toEqual(['/dev/null']);
    const userKnownHosts = config.get('userknownhostsfile')?.[0]?.split(' ') ?? [];
    expect(userKnownHosts).toHaveLength(1);
    expect(userKnownHosts[0]).toMatch(/benchrunner-ansible-[^/]+\/known_hosts$/);
  });

  it('provisions a suite with the minion playbook over one login, rsync included', async () => {
    const suite = path.join(scratch, 'suite');
    await mkdir(path.join(suite, 'lib'), { recursive: true });
    await writeFile(path.join(suite, 'suite.yaml'), 'benchmarks: []\n');
    await writeFile(path.join(suite, 'lib', 'bench.js'), 'console.log(1)\n');
    const before = sshd.logins();
    const result = await runPlaybook({
      playbook: MINION_PLAYBOOK,
      minion: sshd.minion('m1'),
      extraVars: {
        benchrunner_install_profilers: false,
        benchrunner_sync: 'synchronize',
        benchrunner_suite_src: suite,
        benchrunner_suite_hash: await suiteContentHash(suite),
      },
    });
    expect(result.tasks.find((t) => t.task === 'Sync the suite (rsync)')?.changed).toBe(true);
    expect(await readFile(path.join(sshd.workDir, 'suite', 'lib', 'bench.js'), 'utf8')).toBe(
      'console.log(1)\n',
    );
    expect(sshd.logins() - before).toBe(1);
  });
});
