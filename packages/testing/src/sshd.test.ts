import { execFile, spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SshdFixture, startSshd } from './sshd.ts';

const run = promisify(execFile);

function sshArgs(sshd: SshdFixture): string[] {
  return [
    '-i',
    sshd.privateKeyFile,
    '-p',
    String(sshd.port),
    '-o',
    `UserKnownHostsFile=${sshd.knownHostsFile}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    'BatchMode=yes',
    `${sshd.user}@${sshd.host}`,
  ];
}

describe('startSshd', () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('logs in as the test user with the generated key and pinned known_hosts', async () => {
    const { stdout } = await run('ssh', [...sshArgs(sshd), 'id', '-un']);
    expect(stdout.trim()).toBe(sshd.user);
  });

  it('reports the fingerprint ssh-keygen prints for the served key', async () => {
    const { stdout } = await run('sh', [
      '-c',
      'ssh-keyscan -t ed25519 -p "$1" "$2" 2>/dev/null | ssh-keygen -lf -',
      'sh',
      String(sshd.port),
      sshd.host,
    ]);
    expect(stdout).toContain(sshd.hostKeyFingerprint);
    const minion = sshd.minion('m1');
    expect(minion).toMatchObject({
      kind: 'ssh',
      name: 'm1',
      port: sshd.port,
      hostKeys: [sshd.hostKeyFingerprint],
    });
  });

  it('cuts open connections with killSessions', async () => {
    const client = spawn('ssh', [...sshArgs(sshd), 'sleep', '30'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => client.once('exit', resolve));
    // Wait until the session is being served.
    for (let i = 0; i < 100 && (await sshd.killSessions()) === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    const code = await exited;
    expect(code).not.toBe(0);
  });

  it('regenerates the host key: the old known_hosts entry no longer matches', async () => {
    const before = sshd.hostKeyFingerprint;
    const oldKnownHosts = await readFile(sshd.knownHostsFile, 'utf8');
    await sshd.regenerateHostKey();
    expect(sshd.hostKeyFingerprint).not.toBe(before);
    const stale = `${sshd.knownHostsFile}.old`;
    await writeFile(stale, oldKnownHosts);
    const args = sshArgs(sshd).map((a) =>
      a === `UserKnownHostsFile=${sshd.knownHostsFile}` ? `UserKnownHostsFile=${stale}` : a,
    );
    await expect(run('ssh', [...args, 'true'])).rejects.toThrow(
      /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/,
    );
    const { stdout } = await run('ssh', [...sshArgs(sshd), 'echo', 'ok']);
    expect(stdout.trim()).toBe('ok');
  });
});
