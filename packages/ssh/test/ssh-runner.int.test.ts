import { readFile, writeFile } from 'node:fs/promises';
import { type SshdFixture, startSshd } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '../src/command-runner.ts';
import { HostKeyError, SshRunner } from '../src/ssh-runner.ts';
import { pids } from './runner-contract.ts';

describe('SshRunner against a real sshd', () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('connects with a pinned fingerprint only, or a known_hosts file only', async () => {
    for (const extras of [{ knownHostsFile: undefined }, { hostKeys: [] }]) {
      const runner = await SshRunner.connect(sshd.minion('pinned', extras));
      expect((await runner.exec(['id', '-un'])).stdout).toBe(`${sshd.user}\n`);
      await runner.close();
    }
  });

  it('refuses an unknown key and says how to trust it', async () => {
    const error = await SshRunner.connect(
      sshd.minion('unpinned', { hostKeys: [], knownHostsFile: undefined }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HostKeyError);
    expect(error).toBeInstanceOf(ConnectionError);
    const message = (error as Error).message;
    expect(message).toContain('unknown');
    expect(message).toContain(sshd.hostKeyFingerprint);
    expect(message).toContain(`ssh-keyscan -p ${sshd.port} ${sshd.host} | ssh-keygen -lf -`);
    expect(message).toContain('benchrunner_host_keys of unpinned');
  });

  it('refuses a changed host key, pinned or in known_hosts', async () => {
    const before = sshd.minion('changed');
    const oldKnownHosts = `${sshd.knownHostsFile}.before`;
    await writeFile(oldKnownHosts, await readFile(sshd.knownHostsFile));
    await sshd.regenerateHostKey();
    for (const minion of [
      { ...before, knownHostsFile: undefined },
      { ...before, hostKeys: [], knownHostsFile: oldKnownHosts },
    ]) {
      const error = await SshRunner.connect(minion).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HostKeyError);
      expect((error as Error).message).toContain('CHANGED');
      expect((error as Error).message).toContain(sshd.hostKeyFingerprint);
    }
    const runner = await SshRunner.connect(sshd.minion('changed'));
    expect((await runner.exec(['true'])).exitCode).toBe(0);
    await runner.close();
  });

  it('reports a cut connection as ConnectionError; the next runner cleans up the leftover group', async () => {
    const runner = await SshRunner.connect(sshd.minion('cut', { name: 'cut' }));
    const sleep = `4${Math.floor(Math.random() * 1e6)}.5`;
    const running = runner
      .exec(['sh', '-c', `sleep ${sleep} & sleep ${sleep} & wait`])
      .catch((e: unknown) => e);
    for (let i = 0; i < 200 && (await pids(`sleep ${sleep}`)).length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await sshd.killSessions()).toBeGreaterThan(0);
    const error = await running;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(/connection to minion cut .* lost while running sh/);
    // The command survived the cut (no pty, no SIGHUP): it is the next run's job to kill it.
    expect((await pids(`sleep ${sleep}`)).length).toBe(2);
    await expect(runner.exec(['true'])).rejects.toBeInstanceOf(ConnectionError);
    await runner.close();

    const next = await SshRunner.connect(sshd.minion('cut'));
    expect((await next.killProcessGroups()).groups).toBe(1);
    for (let i = 0; i < 100 && (await pids(`sleep ${sleep}`)).length > 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await pids(`sleep ${sleep}`)).toEqual([]);
    await next.close();
  });

  it('reads small files and reports missing ones', async () => {
    const runner = await SshRunner.connect(sshd.minion('files'));
    await runner.exec(['sh', '-c', 'printf "abc" > small.txt']);
    expect(await runner.readTextFile(`${runner.workDir}/small.txt`)).toBe('abc');
    expect(await runner.readTextFile(`${runner.workDir}/missing.txt`)).toBeUndefined();
    await runner.close();
  });
});
