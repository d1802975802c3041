import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { appendFile, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { baseEnvironment } from './base-env.ts';
import type {
  CleanupReport,
  CommandRunner,
  ExecOptions,
  ExecResult,
  KilledProcess,
  LockHandle,
  TransferStats,
} from './command-runner.ts';
import { LockedError } from './command-runner.ts';
import { countFiles } from './count-files.ts';
import { cancelledBeforeStart } from './exec-result.ts';
import { LineSplitter } from './lines.ts';
import {
  execTag,
  KILLED_FILE,
  ownerTag,
  PROCESS_TAG_VAR,
  parseKilled,
  SWEEP_FUNCTION,
  tagPattern,
} from './process-tag.ts';

/** Seconds between SIGTERM and SIGKILL when a process group is stopped. */
const KILL_GRACE_MS = 3000;
/** How long output may still arrive once everything the command started is killed. */
const DRAIN_MS = 2000;

const execFileAsync = promisify(execFile);

/** Kills every process on this machine whose environment matches the tag pattern; lists them. */
async function sweep(pattern: string): Promise<KilledProcess[]> {
  const { stdout } = await execFileAsync('sh', ['-c', `${SWEEP_FUNCTION}\nsweep "$1"`, 'sh', pattern], {
    env: baseEnvironment(process.env),
  });
  return parseKilled(stdout);
}

/** Kills a process group; true when it existed. */
function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Runs commands on the controller itself: the embedded default minion. Each command is started
 * with `detached` (setsid), so it leads its own process group, whose id is recorded under
 * `workDir/pgids/` until the group is gone. Its environment is the base set of the worker's
 * (never the worker's secrets), what exec was given, and the runner's process tag.
 */
export class LocalRunner implements CommandRunner {
  readonly minion: string;
  readonly workDir: string;
  private readonly pgidDir: string;
  private readonly owner: string;
  private readonly locks = new Set<LockHandle>();

  constructor(options: { minion: string; workDir: string }) {
    this.minion = options.minion;
    this.workDir = path.resolve(options.workDir);
    this.pgidDir = path.join(this.workDir, 'pgids');
    this.owner = ownerTag(this.workDir);
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [file, ...args] = argv;
    if (!file) throw new TypeError('exec needs a non-empty argv');
    await mkdir(this.pgidDir, { recursive: true });
    const started = Date.now();
    const stdout = new LineSplitter(options.onLine && ((line) => options.onLine?.(line, 'stdout')));
    const stderr = new LineSplitter(options.onLine && ((line) => options.onLine?.(line, 'stderr')));
    const cwd = options.cwd ?? this.workDir;
    await mkdir(cwd, { recursive: true });

    if (options.signal?.aborted) return cancelledBeforeStart();
    const tag = execTag(this.owner);
    const child = spawn(file, args, {
      cwd,
      env: { ...baseEnvironment(process.env), ...options.env, [PROCESS_TAG_VAR]: tag },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Listen at once: a command that exits before the first await would otherwise lose its
    // output (Node drains unread pipes of an exited child), and 'error' would reject `closed`.
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const spawnError = once(child, 'spawn').then(
      () => undefined,
      (error: Error) => error,
    );
    // 'exit', not 'close': a detached child may hold the pipes open until it is killed below.
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
      child.once('exit', (code, signal) => resolve([code, signal]));
    });
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const failed = await spawnError;
    if (failed) {
      return {
        exitCode: 127,
        signal: null,
        timedOut: false,
        cancelled: false,
        durationMs: Date.now() - started,
        stdout: '',
        stderr: `cannot start ${file}: ${failed.message}`,
      };
    }
    const pgid = child.pid!;
    const pgidFile = path.join(this.pgidDir, String(pgid));
    await writeFile(pgidFile, `${pgid}\n`);

    let timedOut = false;
    let cancelled = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      killGroup(pgid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), KILL_GRACE_MS);
    };
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stop();
          }, options.timeoutMs);
    try {
      const [code, signal] = await exited;
      await this.killLeftovers(tag, pgid);
      const drained = setTimeout(() => {
        // A process that cleared its environment and left the group still holds the pipes.
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_MS);
      await closed;
      clearTimeout(drained);
      stdout.end();
      stderr.end();
      return {
        exitCode: code,
        signal,
        timedOut,
        cancelled,
        durationMs: Date.now() - started,
        stdout: stdout.finalTail(),
        stderr: stderr.finalTail(),
      };
    } finally {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      killGroup(pgid, 'SIGKILL');
      await rm(pgidFile, { force: true });
    }
  }

  /**
   * Whatever the command left running goes with it: first every process with its tag (in the
   * group or detached from it), recorded for the next report, then the rest of its group.
   */
  private async killLeftovers(tag: string, pgid: number): Promise<void> {
    const killed = await sweep(tagPattern(tag));
    killGroup(pgid, 'SIGKILL');
    if (killed.length === 0) return;
    await appendFile(
      path.join(this.pgidDir, KILLED_FILE),
      killed.map((p) => `${p.pid}\t${p.command}\n`).join(''),
    );
  }

  async lock(options: { waitMs?: number; signal?: AbortSignal } = {}): Promise<LockHandle> {
    await mkdir(this.workDir, { recursive: true });
    const lockFile = path.join(this.workDir, 'lock');
    const wait = options.waitMs ? ['-w', String(Math.max(1, Math.ceil(options.waitMs / 1000)))] : ['-n'];
    // flock holds the lock while `cat` reads our stdin: if this process dies, the pipe closes and
    // the lock is released, so a crashed controller can never leave the minion locked.
    const child = spawn(
      'flock',
      ['-E', '75', ...wait, lockFile, 'sh', '-c', 'echo locked; exec cat >/dev/null'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const stderr = new LineSplitter();
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const exited = once(child, 'close') as Promise<[number | null]>;
    const acquired = new Promise<boolean>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('locked')) resolve(true);
      });
      void exited.then(() => resolve(false));
      child.once('error', () => resolve(false));
    });
    const onAbort = () => child.kill('SIGTERM');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const ok = await acquired;
    options.signal?.removeEventListener('abort', onAbort);
    if (!ok) {
      const [code] = await exited;
      if (code === 75) throw new LockedError(`minion ${this.minion} is busy: another run holds ${lockFile}`);
      throw new Error(`cannot lock ${lockFile} (flock exited ${code}): ${stderr.finalTail().trim()}`);
    }
    const handle: LockHandle = {
      release: async () => {
        if (!this.locks.delete(handle)) return;
        child.stdin.end();
        await exited;
      },
    };
    this.locks.add(handle);
    return handle;
  }

  async killProcessGroups(): Promise<CleanupReport> {
    // The records first: an exec whose command the sweep ends removes its own.
    const entries = (await readdir(this.pgidDir).catch(() => [] as string[])).filter(
      (entry) => /^\d+$/.test(entry) && Number(entry) > 1,
    );
    const processes = await sweep(tagPattern(this.owner));
    for (const entry of entries) {
      killGroup(Number(entry), 'SIGKILL');
      await rm(path.join(this.pgidDir, entry), { force: true });
    }
    // Read last: such an exec also records what it killed once its command ended.
    const killedFile = path.join(this.pgidDir, KILLED_FILE);
    const afterExit = parseKilled(await readFile(killedFile, 'utf8').catch(() => ''));
    await rm(killedFile, { force: true });
    return { groups: entries.length, processes: [...afterExit, ...processes] };
  }

  async getDirectory(remoteDir: string, localDir: string): Promise<TransferStats> {
    await mkdir(localDir, { recursive: true });
    await cp(remoteDir, localDir, { recursive: true, force: true, verbatimSymlinks: true });
    return countFiles(localDir);
  }

  async putDirectory(localDir: string, remoteDir: string): Promise<TransferStats> {
    await mkdir(remoteDir, { recursive: true });
    await cp(localDir, remoteDir, { recursive: true, force: true, verbatimSymlinks: true });
    return countFiles(remoteDir);
  }

  async close(): Promise<void> {
    for (const handle of [...this.locks]) await handle.release();
  }
}
