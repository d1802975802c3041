import { BenchrunnerError } from '@benchrunner/core';
import { ProcessGroup } from '@benchrunner/process';

/** A git command failed, timed out or could not start. */
export class GitError extends BenchrunnerError {
  override name = 'GitError';
  constructor(
    message: string,
    readonly stderr = '',
    options?: { cause?: unknown },
  ) {
    super('git_failed', message, options);
  }
}

export interface ExecOptions {
  /** Working directory (the bare mirror). */
  cwd?: string;
  /** Milliseconds before the command's whole process group is killed. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Never ask anyone anything: no terminal prompt, no askpass program, no credential helper, ssh in
 * batch mode. A fetch that needs credentials fails at once instead of hanging until the timeout.
 */
const QUIET_ENV: Record<string, string> = {
  GIT_TERMINAL_PROMPT: '0',
  GIT_ASKPASS: 'true',
  SSH_ASKPASS: 'true',
  GCM_INTERACTIVE: 'never',
};
/** Options before the subcommand: no credential helper, no `ext::` transport, no background gc. */
const QUIET_CONFIG = [
  '-c',
  'credential.helper=',
  '-c',
  'protocol.ext.allow=never',
  '-c',
  'gc.autoDetach=false',
  '-c',
  'maintenance.autoDetach=false',
];

/**
 * Runs `argv` (git, or `flock ... git`) as an argv array, in its own process group so that a
 * timeout kills git's helpers (upload-pack, ssh, remote-http) too. Resolves with the exit code;
 * rejects only when the command could not start, timed out or was aborted.
 */
export async function exec(argv: readonly string[], options: ExecOptions): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  const group = new ProcessGroup(cmd!, args, {
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: {
      ...process.env,
      ...QUIET_ENV,
      // The operator's ssh command (a deploy key) is kept; batch mode is added to it.
      GIT_SSH_COMMAND: `${process.env.GIT_SSH_COMMAND ?? 'ssh'} -o BatchMode=yes`,
      LC_ALL: 'C',
    },
  });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  group.child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  group.child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  // Nothing of a fetch is worth keeping once it is stopped: SIGKILL at once.
  group.watch({ signal: options.signal, timeoutMs: options.timeoutMs, graceMs: 0 });
  const { code, error } = await group.closed;
  group.dispose();
  if (error) throw new GitError(`cannot run ${cmd}: ${error.message}`, '', { cause: error });
  const err = Buffer.concat(stderr).toString('utf8');
  const stopped =
    group.stopReason === 'timeout'
      ? `timed out after ${options.timeoutMs} ms`
      : group.stopReason === 'cancelled'
        ? `aborted: ${String(options.signal?.reason ?? 'aborted')}`
        : undefined;
  if (stopped) throw new GitError(`${argv.slice(0, 4).join(' ')} ${stopped}`, err);
  return { code: code ?? -1, stdout: Buffer.concat(stdout).toString('utf8'), stderr: err };
}

/** `git <QUIET_CONFIG> ...args` as an argv array. */
export function gitArgv(args: readonly string[]): string[] {
  return ['git', ...QUIET_CONFIG, ...args];
}
