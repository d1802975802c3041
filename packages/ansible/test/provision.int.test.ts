import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { SshRunner } from '@benchrunner/ssh';
import { type SshdFixture, startSshd } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProvisionError, provisionIfNeeded, runPlaybook } from '../src/index.ts';
import { needsProvisioning, suiteContentHash, suiteDirOnMinion } from '../src/suite-hash.ts';

const FAST = { benchrunner_install_profilers: false };

describe('provisioning a minion with ansible-playbook over a real sshd', () => {
  let sshd: SshdFixture;
  let runner: SshRunner;
  let suite: string;
  let scratch: string;
  beforeAll(async () => {
    sshd = await startSshd();
    runner = await SshRunner.connect(sshd.minion('m1'));
    scratch = await mkdtemp(path.join(os.tmpdir(), 'provision-test-'));
    suite = path.join(scratch, 'suite');
    await mkdir(path.join(suite, 'lib'), { recursive: true });
    await writeFile(path.join(suite, 'suite.yaml'), 'benchmarks: []\n');
    await writeFile(path.join(suite, 'lib', 'bench.js'), 'console.log(1)\n');
  });
  afterAll(async () => {
    await runner?.close();
    await sshd?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('provisions once, skips when unchanged, provisions again after a file changes', async () => {
    const first = await provisionIfNeeded({
      minion: sshd.minion('m1'),
      runner,
      suiteDir: suite,
      extraVars: FAST,
    });
    expect(first.provisioned).toBe(true);
    expect(first.result?.tasks.find((t) => t.task === "Record the installed suite's hash")?.changed).toBe(
      true,
    );
    const installed = await runner.exec(['cat', 'suite.sha256', 'suite/lib/bench.js']);
    expect(installed.stdout).toBe(`${first.hash}\nconsole.log(1)\n`);
    expect(suiteDirOnMinion(runner.workDir)).toBe(`${sshd.workDir}/suite`);

    const second = await provisionIfNeeded({
      minion: sshd.minion('m1'),
      runner,
      suiteDir: suite,
      extraVars: FAST,
    });
    expect(second).toEqual({ provisioned: false, hash: first.hash });

    await writeFile(path.join(suite, 'lib', 'bench.js'), 'console.log(2)\n');
    const hash = await suiteContentHash(suite);
    expect(hash).not.toBe(first.hash);
    expect(await needsProvisioning(runner, hash)).toBe(true);
    const third = await provisionIfNeeded({
      minion: sshd.minion('m1'),
      runner,
      suiteDir: suite,
      extraVars: FAST,
    });
    expect(third.provisioned).toBe(true);
    expect(await needsProvisioning(runner, hash)).toBe(false);
    expect((await runner.exec(['cat', 'suite/lib/bench.js'])).stdout).toBe('console.log(2)\n');
  });

  it('names the failing task and its message', async () => {
    const playbook = path.join(scratch, 'failing.yaml');
    await writeFile(
      playbook,
      `- hosts: minions
  gather_facts: false
  tasks:
    - name: A step that works
      ansible.builtin.command: "true"
    - name: Ignored failure
      ansible.builtin.command: "false"
      ignore_errors: true
    - name: Break on purpose
      ansible.builtin.shell: echo "disk on fire" >&2; exit 3
    - name: Never reached
      ansible.builtin.command: "true"
`,
    );
    const error = await runPlaybook({
      playbook,
      minion: sshd.minion('m1'),
      extraVars: { secret_value: 'hunter2' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionError);
    const failure = error as ProvisionError;
    expect(failure.kind).toBe('failed');
    expect(failure.task).toBe('Break on purpose');
    expect(failure.host).toBe('m1');
    expect(failure.exitCode).toBe(2);
    expect(failure.message).toContain('disk on fire');
    expect(failure.message).toContain('rc 3');
    expect(failure.message).not.toContain('hunter2');
  });

  it("hands the inventory's other variables to the playbook, below extra vars and benchrunner's own fields", async () => {
    const playbook = path.join(scratch, 'vars.yaml');
    await writeFile(
      playbook,
      `- hosts: minions
  gather_facts: false
  tasks:
    - name: Check the host's variables
      ansible.builtin.assert:
        that:
          - probe_from_inventory == 'inventory'
          - probe_overridden == 'extra vars'
          - ansible_port | int == ${sshd.port}
          - benchrunner_work_dir == '${sshd.workDir}'
`,
    );
    const minion = sshd.minion('m1', {
      playbookVars: {
        probe_from_inventory: 'inventory',
        probe_overridden: 'inventory',
        ansible_port: 1, // benchrunner's resolved field wins
        benchrunner_work_dir: '/elsewhere',
      },
    });
    const result = await runPlaybook({ playbook, minion, extraVars: { probe_overridden: 'extra vars' } });
    expect(result.tasks.map((t) => t.task)).toContain("Check the host's variables");
    // Without the variable the same play fails: the assertion is real.
    const without = await runPlaybook({ playbook, minion: sshd.minion('m1') }).catch((e: unknown) => e);
    expect(without).toBeInstanceOf(ProvisionError);
  });

  it('reports an unreachable host as unreachable', async () => {
    const minion = sshd.minion('m1', { port: 1 });
    const error = await runPlaybook({
      playbook: path.join(scratch, 'failing.yaml'),
      minion,
      timeoutMs: 60_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProvisionError);
    expect((error as ProvisionError).kind).toBe('unreachable');
    expect((error as ProvisionError).exitCode).toBe(4);
    expect((error as Error).message).toMatch(/could not reach the host at task "A step that works"/);
  });

  it('stops on timeout and on cancel', async () => {
    const playbook = path.join(scratch, 'slow.yaml');
    await writeFile(
      playbook,
      '- hosts: minions\n  gather_facts: false\n  tasks:\n    - ansible.builtin.command: sleep 60\n',
    );
    const started = Date.now();
    const timedOut = await runPlaybook({ playbook, minion: sshd.minion('m1'), timeoutMs: 1500 }).catch(
      (e: unknown) => e,
    );
    expect((timedOut as ProvisionError).kind).toBe('timeout');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const cancelled = await runPlaybook({
      playbook,
      minion: sshd.minion('m1'),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect((cancelled as ProvisionError).kind).toBe('cancelled');
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('checks the controller playbook syntax', async () => {
    const dir = path.resolve(import.meta.dirname, '../../../infrastructure/ansible');
    const { stdout } = await promisify(execFile)('ansible-playbook', [
      '--syntax-check',
      '-i',
      path.join(dir, 'inventory.example.yaml'),
      path.join(dir, 'playbooks/controller.yaml'),
      path.join(dir, 'playbooks/minion.yaml'),
    ]);
    expect(stdout).toContain('playbook: ');
    expect(existsSync(path.join(dir, 'group_vars/minions.yaml'))).toBe(true);
  });
});
