import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { BenchrunnerError, type Logger, type Minion } from '@benchrunner/core';
import { ProcessGroup } from '@benchrunner/process';
import { keyFingerprint, LineSplitter, shellQuote } from '@benchrunner/ssh';

const run = promisify(execFile);

type SshMinion = Extract<Minion, { kind: 'ssh' }>;

/** Why provisioning failed: a task failed, the host was unreachable, or the run was stopped. */
export type ProvisionFailure = 'failed' | 'unreachable' | 'timeout' | 'cancelled' | 'error';

/** Provisioning failed. The message names the task, the host and the task's own message. */
export class ProvisionError extends BenchrunnerError {
  override name = 'ProvisionError';
  readonly kind: ProvisionFailure;
  readonly task: string | undefined;
  readonly host: string | undefined;
  readonly exitCode: number | null;
  constructor(
    message: string,
    details: { kind: ProvisionFailure; task?: string; host?: string; exitCode?: number | null },
    options?: { cause?: unknown },
  ) {
    super(`provision_${details.kind}`, message, options);
    this.kind = details.kind;
    this.task = details.task;
    this.host = details.host;
    this.exitCode = details.exitCode ?? null;
  }
}

/** What one task did on one host. */
export interface TaskOutcome {
  task: string;
  host: string;
  changed: boolean;
  failed: boolean;
  skipped: boolean;
  unreachable: boolean;
  /** Failed, but the task says `ignore_errors`: the play went on. */
  ignored: boolean;
  msg?: string;
}

export interface PlaybookResult {
  tasks: TaskOutcome[];
  /** Whether any task changed something. */
  changed: boolean;
  durationMs: number;
}

export interface RunPlaybookOptions {
  /** Path of the playbook file. Its hosts should be `minions` (the generated inventory's group). */
  playbook: string;
  minion: SshMinion;
  /** Written to a private JSON file passed as `-e @file`: never in argv or logs. */
  extraVars?: Record<string, unknown>;
  signal?: AbortSignal;
  timeoutMs?: number;
  logger?: Logger;
  /** The ansible-playbook executable (default: from PATH). */
  ansiblePlaybook?: string;
  /**
   * A group_vars folder for the generated inventory (default: `group_vars` beside the playbook's
   * folder, as in infrastructure/ansible), so the same defaults apply as with the example inventory.
   */
  groupVarsDir?: string;
}

interface JsonHostResult {
  changed?: boolean;
  failed?: boolean;
  skipped?: boolean;
  unreachable?: boolean;
  msg?: unknown;
  stderr?: string;
  stdout?: string;
  rc?: number;
  results?: JsonHostResult[];
}
interface JsonOutput {
  plays?: { tasks?: { task?: { name?: string }; hosts?: Record<string, JsonHostResult> }[] }[];
  stats?: Record<string, { failures?: number; unreachable?: number; ignored?: number }>;
}

/** Milliseconds between SIGTERM and SIGKILL when ansible-playbook is stopped: its ssh connections may need longer than a command. */
const ANSIBLE_KILL_GRACE_MS = 5000;

/** Known_hosts lines for the minion: its known_hosts file, plus scanned keys that match a pinned fingerprint. */
async function knownHostsFor(minion: SshMinion, logger?: Logger): Promise<string> {
  let text = '';
  if (minion.knownHostsFile) text += `${await readFile(minion.knownHostsFile, 'utf8')}\n`;
  if (minion.hostKeys.length > 0) {
    let scanned = '';
    try {
      ({ stdout: scanned } = await run('ssh-keyscan', ['-T', '10', '-p', String(minion.port), minion.host]));
    } catch (error) {
      // Unreachable now: ansible will report the host as unreachable with ssh's own reason.
      logger?.warn({ minion: minion.name, err: error }, 'ssh-keyscan failed');
    }
    for (const line of scanned.split('\n')) {
      const blob = line.trim().split(/\s+/)[2];
      if (line.startsWith('#') || !blob) continue;
      const fingerprint = keyFingerprint(Buffer.from(blob, 'base64'));
      if (minion.hostKeys.some((pinned) => pinned.replace(/=+$/, '') === fingerprint))
        text += `${line.trim()}\n`;
    }
  }
  return text;
}

/**
 * The value of ANSIBLE_SSH_ARGS for these ssh options: `-o 'A=1' -o 'B=2'`. Ansible removes the
 * outer quotes of a setting that starts and ends with the same quote, then splits it with shlex:
 * had the value started with a quote (`'-o' ... 'B=2'`), ssh would have received every option as
 * one argument (`-o A=1 -o B=2` is one UserKnownHostsFile list). A bare `-o` first prevents that.
 * Paths inside an option are double-quoted for ssh's own parser (Ansible's IdentityFile is too).
 */
function ansibleSshArgs(options: readonly string[]): string {
  return options.map((option) => `-o ${shellQuote(option)}`).join(' ');
}

function messageOf(result: JsonHostResult): string {
  const parts: string[] = [];
  const inner = result.results?.find((r) => r.failed || r.unreachable);
  const source = inner ?? result;
  if (source.msg !== undefined)
    parts.push(typeof source.msg === 'string' ? source.msg : JSON.stringify(source.msg));
  if (source.rc !== undefined && source.rc !== 0) parts.push(`rc ${source.rc}`);
  const stderr = source.stderr?.trim();
  if (stderr) parts.push(`stderr: ${stderr.slice(-2000)}`);
  else if (source.stdout?.trim() && source.failed) parts.push(`stdout: ${source.stdout.trim().slice(-2000)}`);
  return parts.join('; ') || 'no message';
}

/** Finds the JSON document the json callback printed (warnings may come before it). */
function parseJsonOutput(stdout: string): JsonOutput | undefined {
  const start = stdout.search(/^\{/m);
  if (start < 0) return undefined;
  try {
    return JSON.parse(stdout.slice(start)) as JsonOutput;
  } catch {
    return undefined;
  }
}

/**
 * Runs `ansible-playbook` against one minion: an inventory generated for it (group `minions`),
 * a private known_hosts with its pinned key (through ANSIBLE_SSH_ARGS, which ssh reads before
 * any other option), extra vars from a 0600 JSON file, and the JSON callback, whose output
 * becomes a result or a ProvisionError naming the task, the host and the reason.
 */
export async function runPlaybook(options: RunPlaybookOptions): Promise<PlaybookResult> {
  const { minion, logger } = options;
  const log = logger?.child({ minion: minion.name, playbook: path.basename(options.playbook) });
  const started = Date.now();
  options.signal?.throwIfAborted();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'benchrunner-ansible-'));
  await chmod(dir, 0o700);
  try {
    const knownHosts = path.join(dir, 'known_hosts');
    await writeFile(knownHosts, await knownHostsFor(minion, log), { mode: 0o600 });
    const inventory = path.join(dir, 'inventory.json');
    await writeFile(
      inventory,
      JSON.stringify({
        all: {
          children: {
            minions: {
              hosts: {
                [minion.name]: {
                  // The inventory's other variables first, so the fields benchrunner resolved win.
                  ...minion.playbookVars,
                  ansible_host: minion.host,
                  ansible_port: minion.port,
                  ansible_user: minion.user,
                  ansible_ssh_private_key_file: minion.privateKeyFile,
                  benchrunner_work_dir: minion.workDir,
                  ...(minion.cpus === undefined ? {} : { benchrunner_cpus: minion.cpus }),
                },
              },
            },
          },
        },
      }),
      // The inventory's variables may include secrets (ansible_become_password).
      { mode: 0o600 },
    );
    const groupVars =
      options.groupVarsDir ?? path.join(path.dirname(path.resolve(options.playbook)), '..', 'group_vars');
    if (
      await stat(groupVars).then(
        (s) => s.isDirectory(),
        () => false,
      )
    ) {
      await symlink(path.resolve(groupVars), path.join(dir, 'group_vars'));
    }
    const varsFile = path.join(dir, 'extra-vars.json');
    await writeFile(varsFile, JSON.stringify(options.extraVars ?? {}), { mode: 0o600 });
    const sshArgs = ansibleSshArgs([
      `UserKnownHostsFile="${knownHosts}"`,
      'GlobalKnownHostsFile=/dev/null',
      'StrictHostKeyChecking=yes',
      'BatchMode=yes',
      'ControlMaster=auto',
      'ControlPersist=30s',
      `ControlPath="${path.join(dir, 'cp-%C')}"`,
    ]);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ANSIBLE_STDOUT_CALLBACK: 'json',
      ANSIBLE_SSH_ARGS: sshArgs,
      ANSIBLE_HOST_KEY_CHECKING: 'True',
      ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_PIPELINING: 'True',
      ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
      ANSIBLE_LOCAL_TEMP: path.join(dir, 'tmp'),
      ANSIBLE_DEPRECATION_WARNINGS: 'False',
    };
    const argv = ['-i', inventory, '-e', `@${varsFile}`, options.playbook];
    log?.info({ extraVars: Object.keys(options.extraVars ?? {}) }, 'provisioning');
    const group = new ProcessGroup(options.ansiblePlaybook ?? 'ansible-playbook', argv, { cwd: dir, env });
    const { child } = group;
    const stdoutChunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdoutChunks.push(chunk));
    const stderr = new LineSplitter((line) => {
      if (line.trim()) log?.warn({ line }, 'ansible-playbook stderr');
    });
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    group.watch({ signal: options.signal, timeoutMs: options.timeoutMs, graceMs: ANSIBLE_KILL_GRACE_MS });
    const { code, error: spawnError } = await group.closed;
    group.dispose();
    const stopped = group.stopReason;
    stderr.end();
    await stopControlMasters(dir);

    const where = `minion ${minion.name} (${minion.user}@${minion.host}:${minion.port})`;
    if (spawnError) {
      throw new ProvisionError(
        `cannot start ansible-playbook: ${spawnError.message}`,
        { kind: 'error' },
        { cause: spawnError },
      );
    }
    if (stopped) {
      const reason = stopped === 'timeout' ? `timed out after ${options.timeoutMs} ms` : 'was cancelled';
      throw new ProvisionError(`provisioning ${where} ${reason}`, {
        kind: stopped,
        host: minion.name,
        exitCode: code,
      });
    }
    const output = parseJsonOutput(Buffer.concat(stdoutChunks).toString());
    if (!output) {
      throw new ProvisionError(
        `ansible-playbook exited ${code} for ${where} without a JSON report: ${stderr.finalTail().trim().slice(-2000)}`,
        { kind: 'error', host: minion.name, exitCode: code },
      );
    }
    const tasks: TaskOutcome[] = [];
    let fatal: { outcome: TaskOutcome; result: JsonHostResult } | undefined;
    for (const play of output.plays ?? []) {
      for (const entry of play.tasks ?? []) {
        const task = entry.task?.name || '(unnamed task)';
        for (const [host, result] of Object.entries(entry.hosts ?? {})) {
          const failed = result.failed === true;
          const unreachable = result.unreachable === true;
          const outcome: TaskOutcome = {
            task,
            host,
            changed: result.changed === true,
            failed,
            skipped: result.skipped === true,
            unreachable,
            ignored: false,
            msg: failed || unreachable ? messageOf(result) : undefined,
          };
          tasks.push(outcome);
          log?.debug({ task, host, changed: outcome.changed, failed, skipped: outcome.skipped }, 'task');
          if (failed || unreachable) fatal = { outcome, result };
        }
      }
    }
    const hostStats = output.stats?.[minion.name];
    const failedHost = (hostStats?.failures ?? 0) > 0 || (hostStats?.unreachable ?? 0) > 0;
    // A failure after which the host went on was ignored (ignore_errors); only the last one can be fatal.
    for (const task of tasks)
      if (task.failed && (!failedHost || task !== fatal?.outcome)) task.ignored = true;
    if (code !== 0 || failedHost) {
      if (fatal && failedHost) {
        const { outcome } = fatal;
        const kind = outcome.unreachable ? 'unreachable' : 'failed';
        const hint = /Host key verification failed/i.test(outcome.msg ?? '')
          ? ` The minion's host key does not match benchrunner_host_keys/benchrunner_known_hosts: check it with ssh-keyscan -p ${minion.port} ${minion.host} | ssh-keygen -lf -`
          : '';
        throw new ProvisionError(
          `provisioning ${where} ${kind === 'unreachable' ? 'could not reach the host' : 'failed'} at task "${outcome.task}": ${outcome.msg}${hint}`,
          { kind, task: outcome.task, host: outcome.host, exitCode: code },
        );
      }
      throw new ProvisionError(
        `ansible-playbook exited ${code} for ${where}: ${stderr.finalTail().trim().slice(-2000) || 'no reason given'}`,
        {
          kind: code === 4 ? 'unreachable' : code === 2 ? 'failed' : 'error',
          host: minion.name,
          exitCode: code,
        },
      );
    }
    const result: PlaybookResult = {
      tasks,
      changed: tasks.some((t) => t.changed),
      durationMs: Date.now() - started,
    };
    log?.info({ changed: result.changed, tasks: tasks.length, durationMs: result.durationMs }, 'provisioned');
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Ends the ControlPersist masters this run started, so no ssh process outlives it. */
async function stopControlMasters(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (!name.startsWith('cp-')) continue;
    await run('ssh', ['-o', `ControlPath=${path.join(dir, name)}`, '-O', 'exit', 'benchrunner-minion']).catch(
      () => undefined,
    );
  }
}
