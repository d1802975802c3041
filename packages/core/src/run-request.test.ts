import { describe, expect, it } from 'vitest';
import { RunJobData, RunRequest } from './run-request.ts';

const SHA = 'a'.repeat(40);
const target = {
  repository: '../project',
  ref: 'main',
  branch: 'main',
  commit: {
    sha: SHA,
    parents: [],
    subject: 'first',
    author: 'Ada',
    authorTime: '2026-01-01T00:00:00.000Z',
    firstParentDepth: 0,
  },
};

describe('run request', () => {
  it('takes a branch for runs of a tag or a sha, and refuses one git would read as an option', () => {
    expect(RunRequest.parse({ commit: 'v1.0', branch: 'release/1' }).branch).toBe('release/1');
    const bad = RunRequest.safeParse({ commit: 'v1.0', branch: '--output=/tmp/x' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['branch']);
  });

  it('carries the resolved target in the job, and only a well-formed one', () => {
    const job = { commit: SHA, minion: 'local', trigger: { kind: 'api' } };
    expect(RunJobData.parse({ ...job, target }).target?.commit.sha).toBe(SHA);
    const short = RunJobData.safeParse({
      ...job,
      target: { ...target, commit: { ...target.commit, sha: 'abc' } },
    });
    expect(short.success).toBe(false);
  });
});
