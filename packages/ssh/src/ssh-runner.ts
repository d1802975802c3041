import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Logger, Minion } from '@benchrunner/core';
import { KILL_GRACE_MS, StopWatch } from '@benchrunner/process';
import { NodeSSH } from 'node-ssh';
import type { Client, ClientChannel } from 'ssh2';
import { shellBaseEnvironment } from './base-env.ts';
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
import {
  keyFingerprint,
  keyType,
  knownHostsFingerprints,
  knownHostsName,
  sameFingerprint,
} from './host-keys.ts';
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
import { shellExports, shellJoin, shellQuote } from './quote.ts';

type SshMinion = Extract<Minion, { kind: 'ssh' }>;

/** KILL_GRACE_MS in tenths of a second, for the stop script's `sleep 0.1` loop. */
const KILL_GRACE_TENTHS = Math.round(KILL_GRACE_MS / 100);
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

interface HostCheck {
  verify(key: Buffer): boolean;
  /** Why the last key was refused, with how to trust it; undefined when it was accepted. */
  refusal?: string;
}

async function hostCheck(minion: SshMinion): Promise<HostCheck> {
  const pinned = [...minion.hostKeys];
  const revoked: string[] = [];
  let knownHostsNote = '';
  if (minion.knownHostsFile) {
    let text: string;
    try {
      text = await readFile(minion.knownHostsFile, 'utf8');
    } catch (cause) {
      throw new ConnectionError(
        `cannot read known_hosts file ${minion.knownHostsFile} of minion ${minion.name}: ${(cause as Error).message}`,
        { cause },
      );
    }
    const found = knownHostsFingerprints(text, minion.host, minion.port);
    pinned.push(...found.trusted);
    revoked.push(...found.revoked);
    knownHostsNote = ` or to ${minion.knownHostsFile} (as "${knownHostsName(minion.host, minion.port)} <type> <key>")`;
  }
  const check: HostCheck = {
    verify(key) {
      const fingerprint = keyFingerprint(key);
      const how =
        `If the minion really has this key (check on it: ssh-keygen -lf /etc/ssh/ssh_host_${keyType(key).replace(/^ssh-/, '')}_key.pub, ` +
        `or from here: ssh-keyscan -p ${minion.port} ${minion.host} | ssh-keygen -lf -), ` +
        `add ${fingerprint} to benchrunner_host_keys of ${minion.name} in the inventory${knownHostsNote}.`;
      const where = `minion ${minion.name} (${minion.host}:${minion.port})`;
      if (revoked.some((r) => sameFingerprint(r, fingerprint))) {
        check.refusal = `host key ${fingerprint} of ${where} is marked @revoked in ${minion.knownHostsFile}: refusing to connect.`;
        return false;
      }
      if (pinned.some((p) => sameFingerprint(p, fingerprint))) {
        check.refusal = undefined;
        return true;
      }
      check.refusal =
        pinned.length === 0
          ? `host key of ${where} is unknown: it presented ${keyType(key)} ${fingerprint} and no key is pinned for it. ${how}`
          : `host key of ${where} has CHANGED: it presented ${keyType(key)} ${fingerprint}, expected ${pinned.join(' or ')}. ` +
            `This can mean the minion was reinstalled, or someone is intercepting the connection. ${how}`;
      return false;
    },
  };
  return check;
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
    const pgids = shellQuote(this.pgidDir);
    const tag = execTag(this.owner);
    // Sent on stdin and evaluated by the group leader: values never appear on a command line.
    const environment = shellExports({ ...options.env, [PROCESS_TAG_VAR]: tag });
    // The wrapper: the group leader records itself, announces its pgid on stderr, sources its
    // environment from stdin (3: an asynchronous list's own stdin is /dev/null) and execs; the outer
    // shell (outside the group) waits, then kills what the command left: every process with its
    // tag (named in killed.tsv for the next report), the rest of the group, and the record.
    const command = [
      `P=${pgids}`,
      `[ -d "$P" ] || mkdir -p "$P" || exit 125`,
      `[ -d ${shellQuote(cwd)} ] || mkdir -p ${shellQuote(cwd)} || exit 125`,
      `cd ${shellQuote(cwd)} || exit 125`,
      'exec 3<&0',
      `setsid env -i ${shellBaseEnvironment()} sh -c 'echo $$ >"$0/$$"; echo "BENCHRUNNER_PGID=$$" >&2; . /dev/stdin; exec "$@" </dev/null' "$P" ${shellJoin(argv)} <&3 3<&- &`,
      'g=$!',
      'exec 3<&-',
      // 2>/dev/null: the shell's own "Terminated" report is not the command's output.
      'wait "$g" 2>/dev/null; s=$?',
      SWEEP_FUNCTION,
      `sweep ${shellQuote(tagPattern(tag))} >>"$P/${KILLED_FILE}"`,
      'kill -KILL -"$g" 2>/dev/null',
      'rm -f "$P/$g"',
      'exit "$s"',
    ].join('\n');
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
    await this.script(
      [
        `g=${pgid}`,
        'kill -TERM -"$g" 2>/dev/null || exit 0',
        'i=0',
        // Zombies count as gone: PID 1 may reap orphans late (containers), they hold nothing.
        `while ps -e -o pgid=,stat= | awk -v g="$g" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; do`,
        `  if [ "$i" -ge ${KILL_GRACE_TENTHS} ]; then kill -KILL -"$g" 2>/dev/null; break; fi`,
        '  sleep 0.1; i=$((i+1))',
        'done',
        'exit 0',
      ].join('\n'),
      `stopping process group ${pgid}`,
    );
  }

  async killProcessGroups(): Promise<CleanupReport> {
    // The records first: a wrapper whose command the sweep ends removes its own, and records
    // what it killed then (read last).
    const { code, stdout, stderr } = await this.script(
      [
        `P=${shellQuote(this.pgidDir)}`,
        SWEEP_FUNCTION,
        'g=',
        'for f in "$P"/*; do',
        '  [ -f "$f" ] || continue',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: shell text, not a template
        '  n=${f##*/}',
        '  case "$n" in ""|*[!0-9]*|0|1) continue ;; esac',
        '  g="$g $n"',
        'done',
        `k=$(sweep ${shellQuote(tagPattern(this.owner))})`,
        'c=0',
        'for n in $g; do kill -KILL -"$n" 2>/dev/null; rm -f "$P/$n"; c=$((c+1)); done',
        'echo "groups=$c"',
        `if [ -f "$P/${KILLED_FILE}" ]; then cat "$P/${KILLED_FILE}" && rm -f "$P/${KILLED_FILE}"; fi`,
        `[ -z "$k" ] || printf '%s\n' "$k"`,
      ].join('\n'),
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
    await this.transfer(channel, tar, 'down', doing, options.signal);
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
    await this.transfer(channel, tar, 'up', doing, options.signal);
    return countFiles(localDir);
  }

  /**
   * Pipes one tar into the other with backpressure (never the whole tree in memory). The reading
   * tar stops at the end-of-archive marker and may exit before the writer's padding is consumed:
   * the rest is then drained, and each tar's exit status decides success.
   */
  private async transfer(
    channel: ClientChannel,
    tar: ChildProcessByStdio<Writable | null, Readable | null, Readable>,
    direction: 'up' | 'down',
    doing: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const remoteErr = new LineSplitter();
    const localErr = new LineSplitter();
    channel.stderr.on('data', (chunk: Buffer) => remoteErr.push(chunk));
    tar.stderr.on('data', (chunk: Buffer) => localErr.push(chunk));
    const localExit = new Promise<number | null>((resolve) => {
      tar.once('error', () => resolve(null));
      tar.once('close', (code) => resolve(code));
    });
    const remoteExit = channelExitFull(channel);
    const from: Readable = direction === 'down' ? channel : (tar.stdout as Readable);
    const to: Writable = direction === 'down' ? (tar.stdin as Writable) : channel;
    let pipeError: Error | undefined;
    from.on('error', (error: Error) => {
      pipeError ??= error;
    });
    // EPIPE and the like when the reader exits early: its exit status tells whether that was fine.
    to.on('error', () => undefined);
    from.pipe(to);
    const readerDone = direction === 'down' ? localExit : remoteExit;
    void readerDone.then(() => {
      from.unpipe(to);
      from.resume();
    });
    const onAbort = () => {
      channel.close();
      tar.kill('SIGKILL');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const [localCode, remote] = await Promise.all([localExit, remoteExit]);
      if (signal?.aborted) throw new Error(`${doing} on minion ${this.minion} was cancelled`);
      if (remote.code === null && remote.signal === null) throw this.connectionError(doing);
      if (remote.code !== 0) {
        throw new Error(
          `${doing} failed on minion ${this.minion} (tar exited ${remote.code}): ${remoteErr.finalTail().trim()}`,
        );
      }
      if (localCode !== 0) {
        throw new Error(`${doing} failed locally (tar exited ${localCode}): ${localErr.finalTail().trim()}`);
      }
      if (pipeError) throw new Error(`${doing} failed: ${pipeError.message}`, { cause: pipeError });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    for (const handle of [...this.locks]) await handle.release().catch(() => undefined);
    this.closing = true;
    this.ssh.dispose();
  }
}

/** Resolves with the exit status, or null when the channel closed without one. */
async function channelExit(channel: ClientChannel): Promise<number | null> {
  return (await channelExitFull(channel)).code;
}

const exits = new WeakMap<ClientChannel, Promise<{ code: number | null; signal: string | null }>>();

/** Exit code and signal of a channel; both null when it closed without an exit status (connection lost). */
function channelExitFull(channel: ClientChannel): Promise<{ code: number | null; signal: string | null }> {
  const known = exits.get(channel);
  if (known) return known;
  const exit = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    let code: number | null = null;
    let signal: string | null = null;
    channel.on('exit', (exitCode: number | null, exitSignal?: string) => {
      code = exitCode ?? null;
      signal = exitSignal ? `SIG${exitSignal}` : null;
    });
    channel.on('close', () => resolve({ code, signal }));
  });
  exits.set(channel, exit);
  return exit;
}

function signalName(n: number): string {
  return Object.entries(constants.signals).find(([, value]) => value === n)?.[0] ?? `SIG${n}`;
}
