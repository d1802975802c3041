import type { Problem, RunRequest, Suite } from '@benchrunner/core';
import { ApiError } from './errors.ts';

/** Checks a valid request against the suite and the minions; throws a 400 naming each bad field. */
export function checkRequest(request: RunRequest, suite: Suite, hasMinion: (name: string) => boolean): void {
  const problems: Problem[] = [];
  const byName = new Map(suite.spec.benchmarks.map((b) => [b.name, b]));
  request.benchmarks.forEach((name, i) => {
    if (!byName.has(name)) {
      problems.push({
        path: `body.benchmarks[${i}]`,
        message: `unknown benchmark "${name}"; the suite has ${[...byName.keys()].join(', ')}`,
      });
    }
  });
  if (request.minion !== undefined && !hasMinion(request.minion)) {
    problems.push({ path: 'body.minion', message: `unknown minion "${request.minion}"` });
  }
  if (typeof request.profile === 'object') {
    const selected =
      request.benchmarks.length > 0
        ? request.benchmarks.map((n) => byName.get(n)).filter((b) => b !== undefined)
        : suite.spec.benchmarks;
    const fileSets = new Set(selected.flatMap((b) => b.fileSets));
    request.profile.fileSets?.forEach((f, i) => {
      if (!fileSets.has(f))
        problems.push({
          path: `body.profile.fileSets[${i}]`,
          message: `no selected benchmark has file set "${f}"`,
        });
    });
    const profilers = new Set(selected.flatMap((b) => b.profilers));
    request.profile.profilers?.forEach((p, i) => {
      if (!profilers.has(p))
        problems.push({
          path: `body.profile.profilers[${i}]`,
          message: `no selected benchmark declares profiler "${p}"`,
        });
    });
  }
  if (problems.length > 0) {
    const first = problems[0]!;
    throw new ApiError(400, 'invalid_request', `${first.path}: ${first.message}`, problems);
  }
}
