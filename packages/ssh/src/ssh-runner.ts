import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Logger, Minion } from '@benchrunner/core';
import { StopWatch } from '@benchrunner/process';
import { NodeSSH } from 'node-ssh';
import type { Client, ClientChannel } from 'ssh2';
import { channelExit, channelExitFull, pipeTar, signalName } from './channel.ts';
import type {
  CleanupReport,
  CommandRunner,
  ExecOptions,
  ExecResult,
  LockHandle,
  TransferStats,
} from './command-runner.ts';
import { ConnectionError } from './command-runner.ts';
import { countFiles } from './count-files.ts';
import { cancelledBeforeStart } from './exec-result.ts';
import { flockArgv, holdLock } from './flock.ts';
import { hostCheck, type SshMinion } from './host-check.ts';
import { LineSplitter } from './lines.ts';
import { execTag, ownerTag, PROCESS_TAG_VAR, parseKilled } from './process-tag.ts';
import { shellExports, shellJoin, shellQuote } from './quote.ts';
import { execWrapper, killGroupsScript, stopGroupScript } from './remote-scripts.ts';

/** The first stderr line of every command: the process-group id its wrapper created. */
const PGID_MARKER = /^BENCHRUNNER_PGID=(\d+)$/;

/** The minion's host key is unknown or changed: the connection was refused. */
export class HostKeyError extends ConnectionError {
  override name = 'HostKeyError';
}

export interface SshRunnerOptions {
  logger?: Logger;
  /** Aborts connecting. */
  signal?: AbortSignal;
  /** Default 15 s. */
  connectTimeoutMs?: number;
  /** Keepalive probes every this many ms (default 10 s); 3 missed probes drop the connection. */
  keepaliveIntervalMs?: number;
}

/**
 * Runs commands on a minion over one SSH connection (node-ssh on ssh2), with the host key pinned.
 * Each command is wrapped by a small POSIX script that starts it with `setsid` (its own process
 * group) and `env -i` (only the session's base variables), records the group id in
 * `<workDir>/pgids/<pgid>`, and after it exits kills whatever it left behind: its group and every
 * process with its tag. The command's environment travels on the channel's stdin, never on a
 * command line (`ps` on the minion would show it). Cancel and timeout kill the group from a second
 * exec channel.
 */
export class SshRunner implements CommandRunner {
  readonly minion: string;
  readonly workDir: string;
  private readonly pgidDir: string;
  private readonly owner: string;
  private readonly locks = new Set<LockHandle>();
  private lost: Error | undefined;
  private closing = false;

  private constructor(
    private readonly target: SshMinion,
    private readonly ssh: NodeSSH,
    private readonly client: Client,
    private readonly logger: Logger | undefined,
  ) {
    this.minion = target.name;
    this.workDir = target.workDir.replace(/\/+$/, '') || '/';
    this.pgidDir = `${this.workDir}/pgids`;
    this.owner = ownerTag(this.workDir);
    // Without a listener, a later ECONNRESET is an unhandled 'error' event that kills the process.
    client.on('error', (error) => {
      this.lost ??= error;
      this.logger?.warn({ minion: this.minion, err: error }, 'ssh connection error');
    });
    client.on('close', () => {
      this.lost ??= new Error('connection closed');
    });
  }

  /** Opens the run's connection. Refuses unknown or changed host keys with a HostKeyError. */
  static async connect(minion: Minion, options: SshRunnerOptions = {}): Promise<SshRunner> {
    if (minion.kind !== 'ssh') throw new TypeError(`minion ${minion.name} is not reached over ssh`);
    if (!path.posix.isAbsolute(minion.workDir)) {
      throw new ConnectionError(
        `workDir of minion ${minion.name} must be an absolute path, got ${minion.workDir}`,
      );
    }
    const check = await hostCheck(minion);
    const ssh = new NodeSSH();
    const where = `minion ${minion.name} (${minion.user}@${minion.host}:${minion.port})`;
    options.signal?.throwIfAborted();
    const connecting = ssh.connect({
      host: minion.host,
      port: minion.port,
      username: minion.user,
      privateKeyPath: minion.privateKeyFile,
      readyTimeout: options.connectTimeoutMs ?? 15_000,
      keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => check.verify(key),
    });
    const onAbort = () => ssh.dispose();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await connecting;
    } catch (cause) {
      ssh.dispose();
      if (check.refusal) throw new HostKeyError(check.refusal, { cause });
      if (options.signal?.aborted)
        throw new ConnectionError(`connecting to ${where} was cancelled`, { cause });
      throw new ConnectionError(`cannot connect to ${where}: ${(cause as Error).message}`, { cause });
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
    const client = ssh.connection;
    if (!client) throw new ConnectionError(`cannot connect to ${where}: no connection`);
    // Without this, Nagle's algorithm adds ~30 ms to every small exchange (each command).
    client.setNoDelay(true);
    const runner = new SshRunner(minion, ssh, client, options.logger);
    options.logger?.debug({ minion: minion.name, host: minion.host, port: minion.port }, 'ssh connected');
    return runner;
  }

  private connectionError(doing: string, cause?: unknown): ConnectionError {
    const reason = this.lost?.message ?? (cause as Error | undefined)?.message ?? 'connection lost';
    return new ConnectionError(
      `connection to minion ${this.minion} (${this.target.host}:${this.target.port}) lost while ${doing}: ${reason}`,
      { cause: this.lost ?? cause },
    );
  }

  /** Opens an exec channel for a shell command string; fails with ConnectionError. */
  private openChannel(command: string, doing: string): Promise<ClientChannel> {
    if (this.lost || this.closing) return Promise.reject(this.connectionError(doing));
    return new Promise((resolve, reject) => {
      try {
        this.client.exec(command, (error, channel) => {
          if (error) {
            reject(this.connectionError(doing, error));
            return;
          }
          // Listen for the exit status now: a fast command's status can arrive in the same read
          // as the exec confirmation, before an awaiting caller could attach its listener.
          channelExitFull(channel);
          resolve(channel);
        });
      } catch (error) {
        reject(this.connectionError(doing, error));
      }
    });
  }

  /**
   * Runs a shell script and collects its output (for the runner's own short housekeeping commands).
   * Rejects with ConnectionError when the channel ends without an exit status.
   */
  private async script(
    command: string,
    doing: string,
  ): Promise<{ code: number; stdout: string; stderr: string }> {
    const channel = await this.openChannel(command, doing);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    channel.on('data', (chunk: Buffer) => out.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const code = await channelExit(channel);
    if (code === null) throw this.connectionError(doing);
    return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
  }

  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
    const [file] = argv;
    if (!file) throw new TypeError('exec needs a non-empty argv');
    const started = Date.now();
    if (options.signal?.aborted) return cancelledBeforeStart();
    const cwd = options.cwd ?? this.workDir;
    const tag = execTag(this.owner);
    // Sent on stdin and evaluated by the group leader: values never appear on a command line.
    const environment = shellExports({ ...options.env, [PROCESS_TAG_VAR]: tag });
    const command = execWrapper({ pgidDir: this.pgidDir, cwd, argv, tag });
    const log = this.logger?.child({ minion: this.minion, cmd: file });
    const doing = `running ${file}`;
    const channel = await this.openChannel(command, doing);
    channel.end(environment);

    const stdout = new LineSplitter(options.onLine && ((line) => options.onLine?.(line, 'stdout')));
    const stderr = new LineSplitter(options.onLine && ((line) => options.onLine?.(line, 'stderr')));
    let pgid: number | undefined;
    let head: Buffer | undefined = Buffer.alloc(0);
    let stopping: Promise<void> | undefined;
    const stop = () => {
      if (pgid === undefined || stopping) return;
      stopping = this.stopGroup(pgid).catch((error: unknown) => {
        log?.warn({ err: error, pgid }, 'cannot stop process group');
      });
    };
    const watch = new StopWatch({ signal: options.signal, timeoutMs: options.timeoutMs }, stop);
    channel.on('data', (chunk: Buffer) => stdout.push(chunk));
    channel.stderr.on('data', (chunk: Buffer) => {
      if (head === undefined) {
        stderr.push(chunk);
        return;
      }
      // Until the first newline, hold stderr back: it starts with the wrapper's pgid line.
      head = Buffer.concat([head, chunk]);
      const newline = head.indexOf(0x0a);
      if (newline < 0 && head.length < 256) return;
      const first = head.subarray(0, newline < 0 ? head.length : newline).toString();
      const match = PGID_MARKER.exec(first);
      const rest = match ? head.subarray(newline + 1) : head;
      head = undefined;
      if (match) {
        pgid = Number(match[1]);
        // Stopped before the group was known: stop it now.
        if (watch.stopped) stop();
      }
      if (rest.length > 0) stderr.push(rest);
    });
    let exit: { code: number | null; signal: string | null };
    try {
      exit = await channelExitFull(channel);
    } finally {
      watch.dispose();
    }
    if (head !== undefined && head.length > 0) stderr.push(head);
    stdout.end();
    stderr.end();
    await stopping;
    if (exit.code === null && exit.signal === null) {
      // No exit status: the channel died with the connection. The group may still run on the
      // minion; the next run's killProcessGroups() removes it.
      log?.warn({ pgid }, 'connection lost during command');
      throw this.connectionError(doing);
    }
    let { code, signal } = exit;
    if (watch.stopped && code !== null && code > 128) {
      // The wrapper reports a killed command as 128+N, like any shell.
      signal = signalName(code - 128);
      code = null;
    }
    const result: ExecResult = {
      exitCode: code,
      signal,
      timedOut: watch.timedOut,
      cancelled: watch.cancelled,
      durationMs: Date.now() - started,
      stdout: stdout.finalTail(),
      stderr: stderr.finalTail(),
    };
    log?.debug({ pgid, exitCode: result.exitCode, durationMs: result.durationMs }, 'command finished');
    return result;
  }

  /** SIGTERM to the group, SIGKILL after the grace period, from a second exec channel. */
  private async stopGroup(pgid: number): Promise<void> {
    await this.script(stopGroupScript(pgid), `stopping process group ${pgid}`);
  }

  async killProcessGroups(): Promise<CleanupReport> {
    // The records first: a wrapper whose command the sweep ends removes its own, and records
    // what it killed then (read last).
    const { code, stdout, stderr } = await this.script(
      killGroupsScript(this.pgidDir, this.owner),
      'killing leftover processes',
    );
    const groups = /^groups=(\d+)$/m.exec(stdout);
    if (code !== 0 || !groups) {
      throw new Error(`cannot kill leftover processes on minion ${this.minion}: ${stderr.trim()}`);
    }
    const report = { groups: Number(groups[1]), processes: parseKilled(stdout) };
    if (report.groups > 0 || report.processes.length > 0) {
      this.logger?.info({ minion: this.minion, ...report }, 'killed leftover processes');
    }
    return report;
  }

  async lock(options: { waitMs?: number; signal?: AbortSignal } = {}): Promise<LockHandle> {
    const lockFile = `${this.workDir}/lock`;
    const channel = await this.openChannel(
      `mkdir -p ${shellQuote(this.workDir)} && exec ${shellJoin(flockArgv(lockFile, options.waitMs))}`,
      'locking',
    );
    return holdLock(
      {
        stdout: channel,
        stderr: channel.stderr,
        exited: channelExit(channel),
        // sshd ends the session once flock is gone: signal it, or the channel stays open while flock waits.
        abort: () => {
          channel.signal('TERM');
          channel.close();
        },
        release: () => channel.end(),
      },
      {
        signal: options.signal,
        held: this.locks,
        minion: this.minion,
        lockFile,
        failure: (code, stderr) => {
          if (code === null) return this.connectionError('locking');
          return new Error(
            `cannot lock ${lockFile} on minion ${this.minion} (flock exited ${code}): ${stderr}`,
          );
        },
      },
    );
  }

  /** Reads a small text file on the minion (up to maxBytes); undefined when it does not exist. */
  async readTextFile(remoteFile: string, maxBytes = 64 * 1024): Promise<string | undefined> {
    const { code, stdout, stderr } = await this.script(
      `[ -f ${shellQuote(remoteFile)} ] || exit 3\nexec head -c ${Math.floor(maxBytes)} ${shellQuote(remoteFile)}`,
      `reading ${remoteFile}`,
    );
    if (code === 3) return undefined;
    if (code !== 0) throw new Error(`cannot read ${remoteFile} on minion ${this.minion}: ${stderr.trim()}`);
    return stdout;
  }

  async getDirectory(
    remoteDir: string,
    localDir: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<TransferStats> {
    await mkdir(localDir, { recursive: true });
    const doing = `retrieving ${remoteDir}`;
    const channel = await this.openChannel(`cd ${shellQuote(remoteDir)} && exec tar -cf - .`, doing);
    const tar = spawn('tar', ['-x', '-f', '-', '-C', localDir, '--no-same-owner'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    await pipeTar(channel, tar, 'down', doing, options.signal, this.asTransferEnd());
    return countFiles(localDir);
  }

  async putDirectory(
    localDir: string,
    remoteDir: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<TransferStats> {
    const doing = `sending ${localDir} to ${remoteDir}`;
    const tar = spawn('tar', ['-c', '-f', '-', '-C', localDir, '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const channel = await this.openChannel(
      `mkdir -p ${shellQuote(remoteDir)} && cd ${shellQuote(remoteDir)} && exec tar -x -f - --no-same-owner`,
      doing,
    );
    // Nothing comes back on stdout, but the channel only closes once it is read to its end.
    channel.resume();
    await pipeTar(channel, tar, 'up', doing, options.signal, this.asTransferEnd());
    return countFiles(localDir);
  }

  /** How pipeTar names this minion and its connection errors. */
  private asTransferEnd() {
    return { name: this.minion, connectionError: (doing: string) => this.connectionError(doing) };
  }

  async close(): Promise<void> {
    for (const handle of [...this.locks]) await handle.release().catch(() => undefined);
    this.closing = true;
    this.ssh.dispose();
  }
}
