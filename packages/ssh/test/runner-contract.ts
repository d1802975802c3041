import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandRunner, OutputStream } from '../src/command-runner.ts';
import { LockedError } from '../src/command-runner.ts';
import { PROCESS_TAG_VAR } from '../src/process-tag.ts';

const run = promisify(execFile);

/** How the contract gets runners: all runners of one target share the same workDir. */
export interface RunnerTarget {
  /** A new runner (a new connection for SSH) on the same target. */
  open(): Promise<CommandRunner>;
  /** Stops whatever the target started (an sshd, temp dirs). */
  dispose(): Promise<void>;
}

/** Strings built to break a shell if they were ever interpolated unquoted. */
function nastyStrings(canary: string): string[] {
  return [
    `$(touch ${canary})`,
    `\`touch ${canary}\``,
    `; touch ${canary}`,
    `' ; touch ${canary} ; '`,
    `"; touch ${canary}; "`,
    `a\nb\ntouch ${canary}`,
    '',
    "'",
    '"',
    '\\',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
    '$HOME ${HOME} $1 $@ $* $$',
    '*',
    '-n',
    '& | > < 2>&1',
    'unicode: ünïcødé 日本語 🚀',
  ];
}

/** PIDs of processes whose whole command line is `pattern` (a regular expression, `pgrep -f`). */
export async function pids(pattern: string): Promise<number[]> {
  try {
    const { stdout } = await run('pgrep', ['-f', `^${pattern}$`]);
    return stdout.split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Names a command may see besides what it was given: the runner's base set and what `sh` adds. */
const BASE_NAMES = /^(PATH|HOME|USER|LOGNAME|SHELL|LANG|LANGUAGE|LC_[A-Z]+|TZ|TMPDIR|PWD|SHLVL|_)$/;

/** Secrets and launcher variables a worker started by `pnpm start` has in its own environment. */
function workerEnvironment(nonce: string): Record<string, string> {
  return {
    API_KEYS: `key-${nonce}`,
    INFLUX_PASSWORD: `influx-${nonce}`,
    GITHUB_WEBHOOK_SECRET: `hook-${nonce}`,
    REDIS_URL: `redis://:redis-${nonce}@127.0.0.1:6379`,
    npm_config_user_agent: `pnpm/10.34.9 npm/? node/v20.20.2 linux x64 ${nonce}`,
    npm_config_registry: `https://registry.npmjs.org/${nonce}`,
    npm_lifecycle_event: `benchrunner-${nonce}`,
    PNPM_SCRIPT_SRC_DIR: `/srv/benchrunner-${nonce}`,
    NODE_OPTIONS: `--require /srv/benchrunner-${nonce}/hook.cjs`,
    // pnpm puts the launcher's bins first on PATH.
    PATH: `/srv/benchrunner-${nonce}/node_modules/.bin:/usr/lib/node_modules/pnpm/dist/node-gyp-bin:${process.env.PATH}`,
  };
}

/** Runs body with extra variables in this process's environment (the LocalRunner's "worker"). */
async function withProcessEnv<T>(env: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await body();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Every process's command line on this machine (the minion of the tests), NULs as spaces. */
async function commandLines(): Promise<string[]> {
  const lines: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      lines.push((await readFile(`/proc/${entry}/cmdline`)).toString().replaceAll('\0', ' '));
    } catch {
      // The process ended meanwhile.
    }
  }
  return lines;
}

/** Kills by PID what a failing test left behind. */
async function killAll(patterns: string[]): Promise<void> {
  for (const pattern of patterns) {
    for (const pid of await pids(pattern)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

/** A `sleep` whose command line no other process has, so pgrep finds exactly ours. */
function uniqueSleep(): string {
  return `3${Math.floor(Math.random() * 1e6)}.${Math.floor(Math.random() * 1e6) + 1}`;
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const full = path.join(entry.parentPath, entry.name);
    const rel = path.relative(dir, full);
    const info = await lstat(full);
    if (info.isSymbolicLink()) out[rel] = `link:${await readlink(full)}`;
    else if (info.isDirectory()) out[rel] = 'dir';
    else out[rel] = `file:${(await readFile(full)).toString('base64')}`;
  }
  return out;
}

/** The behaviour every CommandRunner must have. Runs against LocalRunner and SshRunner. */
export function runnerContract(name: string, setup: () => Promise<RunnerTarget>): void {
  describe(`CommandRunner contract: ${name}`, () => {
    let target: RunnerTarget;
    let runner: CommandRunner;
    let local: string;
    beforeAll(async () => {
      target = await setup();
      runner = await target.open();
      local = await mkdtemp(path.join(os.tmpdir(), 'runner-contract-'));
    });
    afterAll(async () => {
      await runner?.close();
      await target?.dispose();
      if (local) await rm(local, { recursive: true, force: true });
    });

    it('reports exit codes, streams lines in order and keeps tails', async () => {
      const lines: [string, OutputStream][] = [];
      const result = await runner.exec(
        ['sh', '-c', 'printf "a\\nb\\n"; printf "err1\\n" >&2; printf c; exit 3'],
        {
          onLine: (line, stream) => lines.push([line, stream]),
        },
      );
      expect(result.exitCode).toBe(3);
      expect(result.timedOut).toBe(false);
      expect(result.cancelled).toBe(false);
      expect(lines.filter(([, s]) => s === 'stdout').map(([l]) => l)).toEqual(['a', 'b', 'c']);
      expect(lines.filter(([, s]) => s === 'stderr').map(([l]) => l)).toEqual(['err1']);
      expect(result.stdout).toBe('a\nb\nc');
      expect(result.stderr).toBe('err1\n');
      expect((await runner.exec(['true'])).exitCode).toBe(0);
      expect((await runner.exec(['no-such-command-benchrunner'])).exitCode).toBe(127);
    });

    it('passes env and cwd', async () => {
      const canary = `/tmp/benchrunner-canary-${randomBytes(6).toString('hex')}`;
      const value = nastyStrings(canary).join('|');
      const cwd = path.join(runner.workDir, "sub dir 'q'");
      const result = await runner.exec(['sh', '-c', 'printf "%s" "$BENCH_VALUE"; printf "\\n%s" "$(pwd)"'], {
        env: { BENCH_VALUE: value },
        cwd,
      });
      expect(result.exitCode).toBe(0);
      expect(result.stdout).toBe(`${value}\n${cwd}`);
      expect(existsSync(canary)).toBe(false);
    });

    it('passes nasty argv byte for byte and executes nothing', async () => {
      const canary = `/tmp/benchrunner-canary-${randomBytes(6).toString('hex')}`;
      const nasty = nastyStrings(canary);
      const result = await runner.exec(['printf', '%s\\0', ...nasty]);
      expect(result.exitCode).toBe(0);
      expect(result.stdout.split('\0').slice(0, -1)).toEqual(nasty);
      const asCommand = await runner.exec([`$(touch ${canary})`]);
      expect(asCommand.exitCode).toBe(127);
      expect(existsSync(canary)).toBe(false);
    });

    it('leaves no background child alive after the command exits', async () => {
      const sleep = uniqueSleep();
      const result = await runner.exec(['sh', '-c', `sleep ${sleep} >/dev/null 2>&1 & echo started`]);
      expect(result.stdout).toBe('started\n');
      await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 0, 'the sleep to be gone', 5000);
    });

    it('kills the whole group on timeout', async () => {
      const sleep = uniqueSleep();
      const started = Date.now();
      const result = await runner.exec(['sh', '-c', `sleep ${sleep} & sleep ${sleep}; echo never`], {
        timeoutMs: 500,
      });
      expect(result.timedOut).toBe(true);
      expect(result.exitCode).not.toBe(0);
      expect(result.stdout).not.toContain('never');
      expect(Date.now() - started).toBeLessThan(8000);
      await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 0, 'the sleep to be gone', 5000);
    });

    it('kills the whole group on abort', async () => {
      const sleep = uniqueSleep();
      const controller = new AbortController();
      const running = runner.exec(['sh', '-c', `sleep ${sleep} & sleep ${sleep} & wait`], {
        signal: controller.signal,
      });
      await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 2, 'both sleeps to run', 10_000);
      controller.abort();
      const result = await running;
      expect(result.cancelled).toBe(true);
      expect(result.exitCode).not.toBe(0);
      expect(await pids(`sleep ${sleep}`)).toEqual([]);
      const pre = await runner.exec(['true'], { signal: controller.signal });
      expect(pre.cancelled).toBe(true);
    });

    it('gives commands PATH, HOME, locale and what they were given: no worker secret, no npm_config_*', async () => {
      const nonce = randomBytes(6).toString('hex');
      const worker = workerEnvironment(nonce);
      const given = { SUITE_VAR: `suite ${nonce}`, BENCHRUNNER_COMMIT: `commit-${nonce}` };
      const result = await withProcessEnv(worker, () =>
        runner.exec(['cat', '/proc/self/environ'], { env: given }),
      );
      expect(result.exitCode).toBe(0);
      const env = new Map(
        result.stdout
          .split('\0')
          .filter(Boolean)
          .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
      );
      expect(env.get('SUITE_VAR')).toBe(given.SUITE_VAR);
      expect(env.get('BENCHRUNNER_COMMIT')).toBe(given.BENCHRUNNER_COMMIT);
      expect(env.get('HOME')).toBeTruthy();
      expect(env.get('PATH')).toBeTruthy();
      const unexpected = [...env.keys()].filter(
        (name) => !BASE_NAMES.test(name) && !(name in given) && name !== PROCESS_TAG_VAR,
      );
      expect(unexpected).toEqual([]);
      for (const [name, value] of Object.entries(worker)) {
        expect(result.stdout, name).not.toContain(name === 'PATH' ? `/srv/benchrunner-${nonce}` : value);
      }
      expect([...env.keys()].filter((name) => /^(npm|pnpm)_/i.test(name))).toEqual([]);
      expect(
        env
          .get('PATH')
          ?.split(':')
          .filter((dir) => /node_modules\/\.bin$|node-gyp-bin$/.test(dir)),
      ).toEqual([]);
    });

    it('keeps env values off every command line on the target', async () => {
      const nonce = randomBytes(6).toString('hex');
      const env = {
        BENCHRUNNER_COMMIT: `commit-${nonce}`,
        BENCHRUNNER_TAG: `tag-${nonce}`,
        SUITE_VAR: `v-${nonce}`,
      };
      const controller = new AbortController();
      let ready: () => void = () => undefined;
      const started = new Promise<void>((resolve) => {
        ready = resolve;
      });
      const running = runner.exec(['sh', '-c', 'echo ready; exec sleep 60'], {
        env,
        signal: controller.signal,
        onLine: (line) => {
          if (line === 'ready') ready();
        },
      });
      await started;
      const leaks = (await commandLines()).filter((line) => line.includes(nonce));
      controller.abort();
      expect((await running).cancelled).toBe(true);
      expect(leaks).toEqual([]);
    });

    it('kills a detached grandchild (its own session) when its command exits, and reports it', async () => {
      const sleep = uniqueSleep();
      try {
        // What an IPFS daemon started by a benchmark does: a new session, outside the group.
        const script = `require('node:child_process').spawn('sleep', ['${sleep}'], { detached: true, stdio: 'ignore' }).unref()`;
        const result = await runner.exec(['node', '-e', script], { timeoutMs: 30_000 });
        expect(result.exitCode).toBe(0);
        await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 0, 'the sleep to be gone', 5000);
        const report = await runner.killProcessGroups();
        expect(report.processes.map((p) => p.command)).toContain(`sleep ${sleep}`);
        expect((await runner.killProcessGroups()).processes).toEqual([]);
      } finally {
        await killAll([`sleep ${sleep}`]);
      }
    });

    it('the next cleanup kills what a crashed runner left outside its group, and names it', async () => {
      const detached = uniqueSleep();
      const leader = uniqueSleep();
      const crashed = await target.open();
      try {
        // setsid keeps the command's stdout: the runner must not wait for that pipe to close.
        const orphan = crashed
          .exec(['sh', '-c', `setsid sleep ${detached} & exec sleep ${leader}`])
          .catch((error: unknown) => error);
        await waitFor(
          async () =>
            (await pids(`sleep ${detached}`)).length === 1 && (await pids(`sleep ${leader}`)).length === 1,
          'the leader and the detached sleep to run',
          10_000,
        );
        const next = await target.open();
        try {
          const report = await next.killProcessGroups();
          expect(report.groups).toBe(1);
          await waitFor(
            async () =>
              (await pids(`sleep ${detached}`)).length === 0 && (await pids(`sleep ${leader}`)).length === 0,
            'the leader and the detached sleep to be gone',
            5000,
          );
          await orphan;
          // The crashed runner's exec may have killed some itself once its command died: it records
          // them, and the next report names them.
          const killed = [...report.processes, ...(await next.killProcessGroups()).processes];
          expect(killed.map((p) => p.command)).toEqual(
            expect.arrayContaining([`sleep ${detached}`, `sleep ${leader}`]),
          );
        } finally {
          await next.close();
        }
      } finally {
        await crashed.close();
        await killAll([`sleep ${detached}`, `sleep ${leader}`]);
      }
    });

    it('kills a group left by a crashed runner from a new runner', async () => {
      const sleep = uniqueSleep();
      const crashed = await target.open();
      // Not awaited: the "controller" crashes while the command runs.
      const orphan = crashed
        .exec(['sh', '-c', `sleep ${sleep} & sleep ${sleep} & wait`])
        .catch((error: unknown) => error);
      await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 2, 'both sleeps to run', 10_000);
      const next = await target.open();
      try {
        expect((await next.killProcessGroups()).groups).toBeGreaterThanOrEqual(1);
        await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 0, 'the sleep to be gone', 5000);
        await orphan;
        expect((await next.killProcessGroups()).groups).toBe(0);
      } finally {
        await next.close();
        await crashed.close();
      }
    });

    it('lets one runner at a time hold the lock', async () => {
      const a = await target.open();
      const b = await target.open();
      try {
        const held = await a.lock();
        await expect(b.lock()).rejects.toBeInstanceOf(LockedError);
        await held.release();
        await b.lock();
        await expect(a.lock()).rejects.toBeInstanceOf(LockedError);
        await b.close();
        // Closing the holder releases the lock.
        const afterClose = await a.lock();
        await afterClose.release();
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('waits up to waitMs for a held lock, and stops waiting when aborted', async () => {
      const a = await target.open();
      const b = await target.open();
      try {
        const held = await a.lock();
        const waiting = b.lock({ waitMs: 20_000 });
        let got = false;
        void waiting.then(() => {
          got = true;
        });
        // A waiter that is answered at once (as with -n) is rejected here, not given the lock.
        await expect(b.lock()).rejects.toBeInstanceOf(LockedError);
        expect(got).toBe(false);
        await held.release();
        await waitFor(() => got, 'the waiter to get the lock', 10_000);
        const controller = new AbortController();
        const t0 = Date.now();
        const aborted = a.lock({ waitMs: 30_000, signal: controller.signal });
        // While flock waits on the minion (the lock is held by b).
        setTimeout(() => controller.abort(), 200);
        await expect(aborted).rejects.toThrow(/cancelled/);
        expect(Date.now() - t0).toBeLessThan(10_000);
        await (await waiting).release();
        await (await a.lock()).release();
      } finally {
        await a.close();
        await b.close();
      }
    });

    it('round-trips a tree: nested dirs, symlinks, empty and binary files', async () => {
      const source = path.join(local, 'source');
      await mkdir(path.join(source, 'a', 'b', 'c'), { recursive: true });
      await mkdir(path.join(source, 'empty-dir'));
      await writeFile(path.join(source, 'empty.txt'), '');
      await writeFile(path.join(source, 'a', 'b', 'c', 'binary.bin'), randomBytes(300_000));
      await writeFile(path.join(source, "name with spaces 'and' $(quotes).txt"), 'x\n');
      await symlink('a/b/c/binary.bin', path.join(source, 'link-to-binary'));
      const remote = path.join(runner.workDir, 'transfer', randomBytes(4).toString('hex'));
      const up = await runner.putDirectory(source, remote);
      expect(up.files).toBe(3);
      const back = path.join(local, 'back');
      const down = await runner.getDirectory(remote, back);
      expect(down).toEqual({ files: 3, bytes: 300_002 });
      expect(await snapshot(back)).toEqual(await snapshot(source));
      await expect(
        runner.getDirectory(path.join(runner.workDir, 'no-such-dir'), path.join(local, 'x')),
      ).rejects.toThrow();
    });
  });
}
