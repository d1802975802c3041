import type { RunManifest, RunTarget } from '@benchrunner/core';
import { targetLocation } from '@benchrunner/git';
import type { PipelineDeps, RunContext } from './context.ts';

/**
 * The run's target commit: the one resolved when the run was accepted, or, for runs queued
 * without one (the nightly scheduler, the CLI), the ref resolved now in the controller's mirror.
 * Undefined for a suite without a target, or when no mirror is configured.
 */
async function runTarget(deps: PipelineDeps, ctx: RunContext): Promise<RunTarget | undefined> {
  const spec = deps.suite.spec.target;
  if (!spec) return undefined;
  const given = ctx.request.target;
  if (given && given.repository === spec.repository) return given;
  return deps.targets?.resolve(deps.suite, {
    ref: ctx.request.commit,
    ...(ctx.request.branch ? { branch: ctx.request.branch } : {}),
    ...(given?.pullRequest ? { pullRequest: given.pullRequest } : {}),
    ...(ctx.scheduledAt ? { asOf: ctx.scheduledAt } : {}),
  });
}

/**
 * Records the run's target in the manifest and gives the setup and the benchmarks the full sha
 * (BENCHRUNNER_COMMIT) and where to fetch it (BENCHRUNNER_REPOSITORY).
 */
export async function recordTarget(
  deps: PipelineDeps,
  ctx: RunContext,
  manifest: Pick<RunManifest, 'target'>,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<void> {
  const target = await runTarget(deps, ctx);
  const location = targetLocation(deps.suite);
  if (!target || !location) return;
  manifest.target = target;
  env.BENCHRUNNER_COMMIT = target.commit.sha;
  env.BENCHRUNNER_REPOSITORY = location;
  log(
    `target ${location} ${target.ref} -> ${target.commit.sha} on ${target.branch} (first-parent depth ${target.commit.firstParentDepth})`,
  );
}
