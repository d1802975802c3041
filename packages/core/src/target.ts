import { z } from 'zod';

/** A full git object name (40 hex digits, SHA-1 repositories). */
export const CommitSha = z.string().regex(/^[0-9a-f]{40}$/, 'expected a full 40-digit commit sha');
export type CommitSha = z.infer<typeof CommitSha>;

/** One commit of the target repository, as the controller's mirror reports it. */
export const CommitInfo = z.object({
  sha: CommitSha,
  /** Parents in git's order: the first is the first parent; two or more for a merge. */
  parents: z.array(CommitSha),
  subject: z.string(),
  author: z.string(),
  /** Author time, ISO 8601 UTC. */
  authorTime: z.iso.datetime(),
  /**
   * Number of commits on the first-parent chain below this one (`git rev-list --first-parent
   * --count <sha>` minus one). Strictly increases along a branch's first-parent history, so it
   * orders a branch's points without asking git again.
   */
  firstParentDepth: z.number().int().nonnegative(),
});
export type CommitInfo = z.infer<typeof CommitInfo>;

/**
 * What a run measured, in terms of the target repository: recorded in the run's manifest when the
 * suite names a `target`, so that the results history can be rebuilt from the archive alone.
 */
export const RunTarget = z.object({
  /** The suite's `target.repository` (URL or path), as written in the suite file. */
  repository: z.string(),
  /** What was asked for (`main`, a tag, a short sha). */
  ref: z.string(),
  /** The branch the run belongs to (the suite's target branch unless the trigger said another). */
  branch: z.string(),
  commit: CommitInfo,
  /** For pull request runs. */
  pullRequest: z
    .object({ number: z.number().int().positive(), baseBranch: z.string(), headBranch: z.string() })
    .optional(),
});
export type RunTarget = z.infer<typeof RunTarget>;
