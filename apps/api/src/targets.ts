import type { RunTarget, Suite } from '@benchrunner/core';
import { GitError, type TargetRequest, UnknownRefError } from '@benchrunner/git';
import type { ApiDeps } from './deps.ts';
import { ApiError } from './errors.ts';

/**
 * The run's target commit, resolved when the run is accepted; undefined (and no git at all) for a
 * suite without a `target`. An unknown ref is a 400 naming `field`; a repository that cannot be
 * fetched now is a 503.
 */
export async function acceptTarget(
  deps: ApiDeps,
  suite: Suite,
  request: TargetRequest,
  field: string,
): Promise<RunTarget | undefined> {
  if (!deps.targets || !suite.spec.target) return undefined;
  try {
    return await deps.targets.resolve(suite, request);
  } catch (error) {
    if (error instanceof UnknownRefError) {
      throw new ApiError(400, 'unknown_ref', `${field}: ${error.message}`, [
        { path: field, message: error.message },
      ]);
    }
    if (error instanceof GitError) {
      throw new ApiError(
        503,
        'target_unavailable',
        `cannot resolve "${request.ref}" in the target repository now: ${error.message}`,
        undefined,
        { cause: error },
      );
    }
    throw error;
  }
}
