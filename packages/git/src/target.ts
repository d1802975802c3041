import path from 'node:path';
import { ConfigError, type RunTarget, type Suite } from '@benchrunner/core';
import { GitMirror, mirrorDir, repositoryLocation } from './mirror.ts';

/** What a trigger asked for, in terms of the target repository. */
export interface TargetRequest {
  /** A branch, a tag, a short or full sha. */
  ref: string;
  /** The branch the run belongs to; default: the ref's own branch, else the suite's target branch. */
  branch?: string;
  pullRequest?: RunTarget['pullRequest'];
  /** Where the branch stood at this time (a scheduled run, resolved after it waited in the lane). */
  asOf?: Date;
}

export interface TargetResolverOptions {
  /** DATA_DIR/git */
  gitRoot: string;
  fetchTimeoutMs?: number;
  freshMs?: number;
}

/** The suite's target repository (a URL, or a path resolved against the suite's folder), or undefined. */
export function targetLocation(suite: Suite): string | undefined {
  const target = suite.spec.target;
  return target ? repositoryLocation(target.repository, path.dirname(path.resolve(suite.file))) : undefined;
}

/** Resolves runs' refs in the mirror of their suite's target; one mirror per repository, kept for the process. */
export class TargetResolver {
  private readonly mirrors = new Map<string, GitMirror>();

  constructor(private readonly options: TargetResolverOptions) {}

  /** The mirror of the suite's target, or undefined for a suite without one. */
  mirror(suite: Suite): GitMirror | undefined {
    const location = targetLocation(suite);
    if (!location) return undefined;
    let mirror = this.mirrors.get(location);
    if (!mirror) {
      mirror = new GitMirror({
        location,
        dir: mirrorDir(this.options.gitRoot, location),
        ...(this.options.fetchTimeoutMs ? { fetchTimeoutMs: this.options.fetchTimeoutMs } : {}),
        ...(this.options.freshMs !== undefined ? { freshMs: this.options.freshMs } : {}),
      });
      this.mirrors.set(location, mirror);
    }
    return mirror;
  }

  /**
   * The run's target commit, or undefined when the suite names no target (the commit is then
   * passed on as given). Throws UnknownRefError for a ref the repository does not have, GitError
   * when the repository cannot be fetched.
   */
  async resolve(suite: Suite, request: TargetRequest): Promise<RunTarget | undefined> {
    const target = suite.spec.target;
    const mirror = this.mirror(suite);
    if (!target || !mirror) return undefined;
    const resolved = await mirror.resolve(request.ref);
    const commit =
      request.asOf && resolved.branch
        ? await mirror.asOf(resolved.commit.sha, request.asOf)
        : resolved.commit;
    return {
      repository: target.repository,
      ref: request.ref,
      branch: request.branch ?? resolved.branch ?? target.branch,
      commit,
      ...(request.pullRequest ? { pullRequest: request.pullRequest } : {}),
    };
  }

  /**
   * Checks at start that the suite's target can be fetched and has its branch: a ConfigError naming
   * the suite file and the field otherwise, so a bad target stops the API and the worker at once.
   */
  async check(suite: Suite): Promise<void> {
    const target = suite.spec.target;
    const mirror = this.mirror(suite);
    if (!target || !mirror) return;
    try {
      await mirror.fetch();
    } catch (cause) {
      const message = (cause as Error).message;
      throw new ConfigError(`suite file ${suite.file}: target.repository: ${message}`, [
        { path: 'target.repository', message },
      ]);
    }
    try {
      await mirror.resolve(target.branch);
    } catch (cause) {
      const message = `branch "${target.branch}" not found in ${mirror.location}`;
      throw new ConfigError(
        `suite file ${suite.file}: target.branch: ${message}`,
        [{ path: 'target.branch', message }],
        {
          cause,
        },
      );
    }
  }
}
