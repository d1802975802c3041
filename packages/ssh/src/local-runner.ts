import { execFile, spawn } from 'node:child_process';
import { appendFile, cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { killGroup, ProcessGroup } from '@benchrunner/process';
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
import { countFiles } from './count-files.ts';
import { cancelledBeforeStart } from './exec-result.ts';
import { flockArgv, holdLock } from './flock.ts';
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
    const group = new ProcessGroup(file, args, {
      cwd,
      env: { ...baseEnvironment(process.env), ...options.env, [PROCESS_TAG_VAR]: tag },
    });
    const { child } = group;
    // Listen at once: a command that exits before the first await would otherwise lose its
    // output (Node drains unread pipes of an exited child).
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const failed = await group.started;
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
    group.watch({ signal: options.signal, timeoutMs: options.timeoutMs });
    try {
      const [code, signal] = await group.exited;
      await this.killLeftovers(tag, pgid);
      const drained = setTimeout(() => {
        // A process that cleared its environment and left the group still holds the pipes.
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_MS);
      await group.closed;
      clearTimeout(drained);
      stdout.end();
      stderr.end();
      return {
        ...group.outcome(code, signal),
        durationMs: Date.now() - started,
        stdout: stdout.finalTail(),
        stderr: stderr.finalTail(),
      };
    } finally {
      group.dispose();
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
    const [file, ...args] = flockArgv(lockFile, options.waitMs) as [string, ...string[]];
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    return holdLock(
      {
        stdout: child.stdout,
        stderr: child.stderr,
        exited: new Promise((resolve) => {
          child.once('close', (code) => resolve(code));
          child.once('error', () => resolve(null));
        }),
        abort: () => child.kill('SIGTERM'),
        release: () => child.stdin.end(),
      },
      {
        signal: options.signal,
        held: this.locks,
        minion: this.minion,
        lockFile,
        failure: (code, stderr) => new Error(`cannot lock ${lockFile} (flock exited ${code}): ${stderr}`),
      },
    );
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
