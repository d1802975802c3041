import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Minion } from '@benchrunner/core';
import { freePort, waitForPort } from './ports.ts';

const run = promisify(execFile);

/** The system user the sshd fixture logs in as (created once per machine). */
export const SSHD_TEST_USER = 'benchminion';

/** A running OpenSSH server on loopback with its own config, host key, user and client key. */
export interface SshdFixture {
  host: string;
  port: number;
  user: string;
  /** The client's ed25519 private key (no passphrase). */
  privateKeyFile: string;
  /** `SHA256:...` of the current host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** A known_hosts file with the current host key for `[host]:port`. */
  knownHostsFile: string;
  /** A folder owned by the test user, for a minion's workDir. */
  workDir: string;
  /** A core Minion of kind 'ssh' pointing at this server (host key pinned, workDir under the fixture). */
  minion(name?: string, extras?: Partial<Extract<Minion, { kind: 'ssh' }>>): Extract<Minion, { kind: 'ssh' }>;
  /** Stops the server (only the sshd this fixture started) and removes its files. */
  stop(): Promise<void>;
  /** Stops and starts the server on the same port. */
  restart(): Promise<void>;
  /** Kills the sshd processes serving open connections (not the listener): cuts every connection. */
  killSessions(): Promise<number>;
  /** Replaces the host key with a new one and restarts: pinned clients must now refuse. */
  regenerateHostKey(): Promise<void>;
  /** How many logins (accepted authentications) this server has logged since it started. */
  logins(): number;
}

/** Fingerprint of a public key line (`type base64 [comment]`): `SHA256:` + unpadded base64. */
export function publicKeyFingerprint(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not a public key line: ${publicKeyLine}`);
  const digest = createHash('sha256').update(Buffer.from(blob, 'base64')).digest('base64');
  return `SHA256:${digest.replace(/=+$/, '')}`;
}

/** Creates the test user once: an unlocked account (no password) with a home and /bin/sh. */
async function ensureUser(user: string): Promise<void> {
  try {
    await run('id', ['-u', user]);
    return;
  } catch {
    // Missing: create it below. Two test files may race here, hence flock and a second check.
  }
  await run('flock', [
    '/tmp/benchrunner-useradd.lock',
    'sh',
    '-c',
    'id -u "$1" >/dev/null 2>&1 || { useradd -m -s /bin/sh "$1" && usermod -p "*" "$1"; }',
    'sh',
    user,
  ]);
}

/** Descendant PIDs of `root` (not including it), with their command names. */
async function descendants(root: number): Promise<{ pid: number; comm: string }[]> {
  const { stdout } = await run('ps', ['-e', '-o', 'pid=,ppid=,comm=']);
  const rows = stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 3)
    .map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm: comm ?? '' }));
  const out: { pid: number; comm: string }[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const row of rows) {
      if (row.ppid !== parent) continue;
      out.push({ pid: row.pid, comm: row.comm });
      queue.push(row.pid);
    }
  }
  return out;
}

/**
 * Starts a real OpenSSH server on 127.0.0.1 with a fresh host key, a generated ed25519 client key
 * and its own config (`UsePAM no`, keys only), logging in as a system test user.
 */
export async function startSshd(options: { user?: string } = {}): Promise<SshdFixture> {
  const user = options.user ?? SSHD_TEST_USER;
  await ensureUser(user);
  await mkdir('/run/sshd', { recursive: true });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-sshd-'));
  // The test user must reach its workDir and read authorized_keys below this folder.
  await chmod(dir, 0o755);
  const { stdout: ids } = await run('id', ['-u', user]);
  const { stdout: gids } = await run('id', ['-g', user]);
  const workDir = path.join(dir, 'work');
  await mkdir(workDir);
  await chown(workDir, Number(ids.trim()), Number(gids.trim()));

  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  const knownHostsFile = path.join(dir, 'known_hosts');
  const config = path.join(dir, 'sshd_config');
  await run('ssh-keygen', [
    '-q',
    '-t',
    'ed25519',
    '-N',
    '',
    '-C',
    'benchrunner-test-client',
    '-f',
    clientKey,
  ]);
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, await readFile(`${clientKey}.pub`), { mode: 0o644 });
  const port = await freePort();
  const host = '127.0.0.1';
  await writeFile(
    config,
    [
      `Port ${port}`,
      `ListenAddress ${host}`,
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${authorizedKeys}`,
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'StrictModes no',
      `AllowUsers ${user}`,
      'MaxSessions 64',
      'MaxStartups 64:30:128',
      // INFO logs one "Accepted publickey" line per login, which logins() counts.
      'LogLevel INFO',
      'Subsystem sftp /usr/lib/openssh/sftp-server',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  let fingerprint = '';
  let log = '';
  let logins = 0;
  let partial = '';

  const newHostKey = async () => {
    await rm(hostKey, { force: true });
    await rm(`${hostKey}.pub`, { force: true });
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'benchrunner-test-host', '-f', hostKey]);
    const publicLine = (await readFile(`${hostKey}.pub`, 'utf8')).trim();
    fingerprint = publicKeyFingerprint(publicLine);
    const [type, blob] = publicLine.split(/\s+/);
    await writeFile(knownHostsFile, `[${host}]:${port} ${type} ${blob}\n`);
  };

  const start = async () => {
    log = '';
    const proc = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-4000);
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      logins += lines.filter((line) => line.startsWith('Accepted ')).length;
    });
    child = proc;
    const exited = new Promise<never>((_, reject) => {
      proc.once('exit', (code) =>
        reject(new Error(`sshd exited with ${code} before listening: ${log.trim()}`)),
      );
    });
    await Promise.race([waitForPort(port, host, 10_000), exited]);
  };

  const stopServer = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await gone;
  };

  await newHostKey();
  await start();

  const fixture: SshdFixture = {
    host,
    port,
    user,
    privateKeyFile: clientKey,
    get hostKeyFingerprint() {
      return fingerprint;
    },
    knownHostsFile,
    workDir,
    minion(name = 'sshd-test', extras = {}) {
      return {
        kind: 'ssh',
        name,
        host,
        port,
        user,
        privateKeyFile: clientKey,
        hostKeys: [fingerprint],
        knownHostsFile,
        workDir,
        labels: {},
        ...extras,
      };
    },
    async stop() {
      await stopServer();
      await rm(dir, { recursive: true, force: true });
    },
    async restart() {
      await stopServer();
      await start();
    },
    async killSessions() {
      const pid = child?.pid;
      if (!pid) return 0;
      // Only the sshd processes under our listener: the user's own processes stay, as after a
      // real network cut.
      const victims = (await descendants(pid)).filter((p) => p.comm === 'sshd');
      for (const victim of victims) {
        try {
          process.kill(victim.pid, 'SIGKILL');
        } catch {
          // Already gone with its parent.
        }
      }
      return victims.length;
    },
    async regenerateHostKey() {
      await stopServer();
      await newHostKey();
      await start();
    },
    logins() {
      return logins;
    },
  };
  return fixture;
}
