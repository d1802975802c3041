import { createHash } from 'node:crypto';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type CommitInfo, InputError } from '@benchrunner/core';
import { exec, GitError, gitArgv } from './exec.ts';

/** A ref that names no commit of the target repository. */
export class UnknownRefError extends InputError {
  override name = 'UnknownRefError';
  constructor(
    readonly ref: string,
    repository: string,
  ) {
    super(`unknown ref "${ref}": no commit of ${repository} has this name`, [], { code: 'unknown_ref' });
  }
}

/** True for what git reads as a URL (`https://...`, `file://...`, `user@host:path`), not a path. */
export function isRemoteUrl(repository: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(repository) || /^[^/\\:]+@[^/\\:]+:/.test(repository);
}

/** The repository as git should fetch it: a URL as written, a path resolved against `baseDir`. */
export function repositoryLocation(repository: string, baseDir: string): string {
  return isRemoteUrl(repository) ? repository : path.resolve(baseDir, repository);
}

/** Where the mirror of `location` lives under `gitRoot` (DATA_DIR/git): readable name plus a hash. */
export function mirrorDir(gitRoot: string, location: string): string {
  const base =
    location
      .replace(/\.git\/?$/, '')
      .split(/[/\\:]/)
      .filter(Boolean)
      .pop()
      ?.replace(/[^A-Za-z0-9._-]/g, '_') ?? 'repo';
  const hash = createHash('sha256').update(location).digest('hex').slice(0, 12);
  return path.resolve(gitRoot, `${base}-${hash}.git`);
}

export interface GitMirrorOptions {
  /** A URL or an absolute path (see repositoryLocation). */
  location: string;
  /** The bare mirror's directory (see mirrorDir). */
  dir: string;
  /** Milliseconds a fetch (waiting for another process's fetch included) may take. Default 120 s. */
  fetchTimeoutMs?: number;
  /** A fetch younger than this is trusted for names (`main`). Default 10 s. */
  freshMs?: number;
  now?: () => number;
}

export interface Resolved {
  commit: CommitInfo;
  /** Set when the ref names a branch (`main`, `refs/heads/main`). */
  branch?: string;
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const HEXISH = /^[0-9a-f]{4,40}$/i;
/** Local git commands (rev-parse, log) answer in milliseconds; this only stops a wedged one. */
const LOCAL_TIMEOUT_MS = 30_000;
/** Commit metadata never changes: keep this many commits' worth in memory. */
const CACHE_SIZE = 2000;

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find(Boolean) ?? ''
  );
}

/**
 * A bare mirror of the suite's target repository, kept by the controller under DATA_DIR/git.
 * Every git command is an argv array with `--end-of-options` before user input; fetches are
 * serialised across processes (API and worker) with `flock` on `<dir>.lock`, have a timeout that
 * kills git's whole process group, and never prompt for credentials.
 */
export class GitMirror {
  readonly location: string;
  readonly dir: string;
  private readonly fetchTimeoutMs: number;
  private readonly freshMs: number;
  private readonly now: () => number;
  private lastFetch = Number.NEGATIVE_INFINITY;
  private fetching: Promise<void> | undefined;
  private readonly commits = new Map<string, CommitInfo>();
  /** Refs resolved since the last fetch: the mirror's refs only move when it fetches. */
  private readonly names = new Map<string, { sha: string; branch?: string }>();

  constructor(options: GitMirrorOptions) {
    this.location = options.location;
    this.dir = options.dir;
    this.fetchTimeoutMs = options.fetchTimeoutMs ?? 120_000;
    this.freshMs = options.freshMs ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  private locked(args: readonly string[]): string[] {
    const waitS = String(Math.max(1, Math.floor(this.fetchTimeoutMs / 1000) - 1));
    return ['flock', '-w', waitS, `${this.dir}.lock`, ...gitArgv(args)];
  }

  private async git(args: readonly string[]) {
    return exec(gitArgv([`--git-dir=${this.dir}`, ...args]), { timeoutMs: LOCAL_TIMEOUT_MS });
  }

  /** Fetches every ref of the repository into the mirror (creating it first). Concurrent calls share one fetch. */
  fetch(signal?: AbortSignal): Promise<void> {
    this.fetching ??= this.doFetch(signal).finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async doFetch(signal?: AbortSignal): Promise<void> {
    const options = { timeoutMs: this.fetchTimeoutMs, ...(signal ? { signal } : {}) };
    const started = this.now();
    const exists = await access(path.join(this.dir, 'HEAD')).then(
      () => true,
      () => false,
    );
    if (!exists) {
      await mkdir(path.dirname(this.dir), { recursive: true });
      const init = await exec(this.locked(['init', '--quiet', '--bare', this.dir]), options);
      if (init.code !== 0)
        throw new GitError(`cannot create the mirror ${this.dir}: ${firstLine(init.stderr)}`, init.stderr);
    }
    const fetched = await exec(
      this.locked([
        `--git-dir=${this.dir}`,
        'fetch',
        '--quiet',
        '--prune',
        '--force',
        '--end-of-options',
        this.location,
        '+refs/*:refs/*',
      ]),
      options,
    );
    if (fetched.code !== 0) {
      throw new GitError(
        `cannot fetch ${this.location}: ${firstLine(fetched.stderr) || `flock/git exited ${fetched.code}`}`,
        fetched.stderr,
      );
    }
    // An http server that is not git (a web page) answers the dumb protocol with no refs, and git
    // calls that a successful fetch: a target without a single ref is treated as not git.
    const refs = await this.git(['for-each-ref', '--count=1', '--format=%(refname)']);
    if (refs.code !== 0 || refs.stdout.trim() === '') {
      throw new GitError(
        `cannot fetch ${this.location}: it has no branches or tags (is it a git repository?)`,
      );
    }
    this.lastFetch = started;
    this.names.clear();
  }

  private async fetchIfStale(): Promise<boolean> {
    if (this.now() - this.lastFetch < this.freshMs) return false;
    await this.fetch();
    return true;
  }

  /** The full sha `ref` names in the mirror now, or undefined. */
  private async revParse(ref: string): Promise<string | undefined> {
    const result = await this.git([
      'rev-parse',
      '--verify',
      '--quiet',
      '--end-of-options',
      `${ref}^{commit}`,
    ]);
    const sha = result.stdout.trim();
    return result.code === 0 && FULL_SHA.test(sha) ? sha : undefined;
  }

  /**
   * Resolves a branch, tag, full or short sha to a commit. Names are looked up after a fetch (at
   * most one per `freshMs`); a sha is looked up locally first and fetched only when missing; a
   * full sha already seen costs nothing. Throws UnknownRefError when nothing matches.
   */
  async resolve(ref: string): Promise<Resolved> {
    if (ref.length === 0 || ref.startsWith('-') || /[\s\0]/.test(ref)) {
      throw new UnknownRefError(ref, this.location);
    }
    const cached = FULL_SHA.test(ref) ? this.commits.get(ref) : undefined;
    if (cached) return { commit: cached };
    let fetched = false;
    if (!HEXISH.test(ref)) fetched = await this.fetchIfStale();
    const known = this.names.get(ref);
    if (known)
      return { commit: await this.commit(known.sha), ...(known.branch ? { branch: known.branch } : {}) };
    let sha = await this.revParse(ref);
    if (!sha && !fetched && (await this.fetchIfStale())) sha = await this.revParse(ref);
    if (!sha) throw new UnknownRefError(ref, this.location);
    const branchName = ref.replace(/^refs\/heads\//, '');
    const isBranch = !HEXISH.test(ref) && (await this.revParse(`refs/heads/${branchName}`)) === sha;
    const branch = isBranch ? branchName : undefined;
    if (this.names.size >= CACHE_SIZE) this.names.clear();
    this.names.set(ref, { sha, ...(branch ? { branch } : {}) });
    return { commit: await this.commit(sha), ...(branch ? { branch } : {}) };
  }

  /** Metadata of a commit present in the mirror (a full sha). */
  async commit(sha: string): Promise<CommitInfo> {
    const cached = this.commits.get(sha);
    if (cached) return cached;
    const [log, count] = await Promise.all([
      this.git(['log', '-1', '--format=%H%x00%P%x00%an%x00%at%x00%s', '--end-of-options', sha]),
      this.git(['rev-list', '--first-parent', '--count', '--end-of-options', sha]),
    ]);
    if (log.code !== 0 || count.code !== 0) {
      throw new GitError(`cannot read commit ${sha} in ${this.dir}: ${firstLine(log.stderr + count.stderr)}`);
    }
    const [full = '', parents = '', author = '', at = '0', subject = ''] = log.stdout
      .replace(/\n$/, '')
      .split('\0');
    const info: CommitInfo = {
      sha: full,
      parents: parents.split(' ').filter(Boolean),
      subject,
      author,
      authorTime: new Date(Number(at) * 1000).toISOString(),
      firstParentDepth: Number(count.stdout.trim()) - 1,
    };
    if (this.commits.size >= CACHE_SIZE) this.commits.delete(this.commits.keys().next().value as string);
    this.commits.set(sha, info);
    return info;
  }

  /**
   * The newest commit of `sha`'s first-parent chain committed at or before `time`: where a branch
   * stood then. `sha` itself when nothing on the chain is that old.
   */
  async asOf(sha: string, time: Date): Promise<CommitInfo> {
    const before = `--before=${Math.floor(time.getTime() / 1000)}`;
    const result = await this.git([
      'rev-list',
      '--first-parent',
      '--max-count=1',
      before,
      '--end-of-options',
      sha,
    ]);
    if (result.code !== 0)
      throw new GitError(`cannot walk ${sha} in ${this.dir}: ${firstLine(result.stderr)}`);
    return this.commit(result.stdout.trim() || sha);
  }

  /** Full shas of `ref`'s first-parent chain, newest first, at most `limit` of them. */
  async firstParentLog(ref: string, limit: number): Promise<string[]> {
    const sha = await this.revParse(ref);
    if (!sha) throw new UnknownRefError(ref, this.location);
    const result = await this.git([
      'rev-list',
      '--first-parent',
      `--max-count=${limit}`,
      '--end-of-options',
      sha,
    ]);
    if (result.code !== 0)
      throw new GitError(`cannot list ${ref} in ${this.dir}: ${firstLine(result.stderr)}`);
    return result.stdout.split('\n').filter(Boolean);
  }

  /**
   * `git rev-list [--first-parent] from..to`: the commits reachable from `to` but not from `from`,
   * newest first (full shas). Throws GitError when either is not in the mirror.
   */
  async revList(from: string, to: string, options: { firstParent?: boolean } = {}): Promise<string[]> {
    const result = await this.git([
      'rev-list',
      ...(options.firstParent ? ['--first-parent'] : []),
      '--end-of-options',
      `${from}..${to}`,
    ]);
    if (result.code !== 0)
      throw new GitError(`cannot list ${from}..${to} in ${this.dir}: ${firstLine(result.stderr)}`);
    return result.stdout.split('\n').filter(Boolean);
  }

  /** Checks the mirror's object store (`git fsck --strict`); throws GitError naming what is broken. */
  async fsck(): Promise<void> {
    const result = await this.git(['fsck', '--strict', '--no-progress']);
    if (result.code !== 0)
      throw new GitError(`mirror ${this.dir} is corrupt: ${firstLine(result.stderr)}`, result.stderr);
  }
}
