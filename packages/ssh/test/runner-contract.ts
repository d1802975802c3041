import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandRunner, OutputStream } from '../src/command-runner.ts';
import { LockedError } from '../src/command-runner.ts';

const run = promisify(execFile);

/** How the contract gets runners: all runners of one target share the same workDir. */
export interface RunnerTarget {
  /** A new runner (a new connection for SSH) on the same target. */
  open(): Promise<CommandRunner>;
  /** Stops whatever the target started (an sshd, temp dirs). */
  dispose(): Promise<void>;
}

/** Strings built to break a shell if they were ever interpolated unquoted. */
export function nastyStrings(canary: string): string[] {
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

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
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
      await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 0, 5000);
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
      await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 0, 5000);
    });

    it('kills the whole group on abort', async () => {
      const sleep = uniqueSleep();
      const controller = new AbortController();
      const running = runner.exec(['sh', '-c', `sleep ${sleep} & sleep ${sleep} & wait`], {
        signal: controller.signal,
      });
      await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 2);
      controller.abort();
      const result = await running;
      expect(result.cancelled).toBe(true);
      expect(result.exitCode).not.toBe(0);
      expect(await pids(`sleep ${sleep}`)).toEqual([]);
      const pre = await runner.exec(['true'], { signal: controller.signal });
      expect(pre.cancelled).toBe(true);
    });

    it('kills a group left by a crashed runner from a new runner', async () => {
      const sleep = uniqueSleep();
      const crashed = await target.open();
      // Not awaited: the "controller" crashes while the command runs.
      const orphan = crashed
        .exec(['sh', '-c', `sleep ${sleep} & sleep ${sleep} & wait`])
        .catch((error: unknown) => error);
      await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 2);
      const next = await target.open();
      try {
        expect(await next.killProcessGroups()).toBeGreaterThanOrEqual(1);
        await waitFor(async () => (await pids(`sleep ${sleep}`)).length === 0, 5000);
        await orphan;
        expect(await next.killProcessGroups()).toBe(0);
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
