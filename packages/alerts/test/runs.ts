import { createHash } from 'node:crypto';
import type { CommitInfo, RunManifest } from '@benchrunner/core';
import { manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';

/** A commit of the target's main line at `depth` (made up: no repository is read). */
export function commit(name: string, depth: number): CommitInfo {
  return {
    sha: createHash('sha1').update(name).digest('hex'),
    parents: [],
    subject: name,
    author: 'Test <test@example.org>',
    authorTime: new Date(Date.UTC(2026, 10, 1) + depth * 3600_000).toISOString(),
    firstParentDepth: depth,
  };
}

const samples = noisySamples(7);

/** A run of main at depth `depth` whose latency level is `level` ns (10 samples, 2 % noise). */
export function mainRun(depth: number, level = 1000): RunManifest {
  return manifest({
    id: `run-main-${depth}`,
    startedAt: new Date(Date.UTC(2026, 10, 2) + depth * 60_000).toISOString(),
    commit: commit(`main-${depth}`, depth),
    samples: samples(level),
  });
}

/** A run of pull request `number` (branch `pull/<n>/head`, base `main`) at latency `level`. */
export function pullRequestRun(number: number, id: string, level: number): RunManifest {
  const run = manifest({
    id,
    startedAt: new Date(Date.UTC(2026, 10, 3)).toISOString(),
    commit: commit(`pr-${number}-${id}`, 50),
    branch: `pull/${number}/head`,
    samples: samples(level),
  });
  run.target!.pullRequest = { number, baseBranch: 'main', headBranch: 'feature' };
  run.request.trigger = { kind: 'github', detail: { event: 'pull_request', repository: 'acme/widgets' } };
  return run;
}

/** The history query of the `add file` latency series (One4MBFile) of `branch` on the local minion. */
export function latencyHistory(branch: string) {
  return {
    benchmark: 'add',
    measure: 'latency',
    minion: 'local',
    branch,
    params: { fileSet: 'One4MBFile' },
    limit: 100,
  };
}
