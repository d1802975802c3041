import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_DIR, callerCwd, dataDir, REPO_ROOT } from './paths.ts';

describe('callerCwd', () => {
  it("takes pnpm's INIT_CWD when run from apps/cli or the repo root", () => {
    expect(callerCwd({ INIT_CWD: '/home/me/work' }, CLI_DIR)).toBe('/home/me/work');
    expect(callerCwd({ INIT_CWD: '/home/me/work' }, REPO_ROOT)).toBe('/home/me/work');
  });

  it('ignores an inherited INIT_CWD elsewhere, and an empty one', () => {
    expect(callerCwd({ INIT_CWD: '/home/me/work' }, '/tmp')).toBe('/tmp');
    expect(callerCwd({ INIT_CWD: '' }, CLI_DIR)).toBe(CLI_DIR);
    expect(callerCwd({}, CLI_DIR)).toBe(CLI_DIR);
  });
});

describe('dataDir', () => {
  it('defaults to .data at the repo root and resolves relative paths from there', () => {
    expect(dataDir({})).toBe(path.join(REPO_ROOT, '.data'));
    expect(dataDir({ DATA_DIR: '' })).toBe(path.join(REPO_ROOT, '.data'));
    expect(dataDir({ DATA_DIR: 'var/data' })).toBe(path.join(REPO_ROOT, 'var/data'));
    expect(dataDir({ DATA_DIR: '/srv/benchrunner' })).toBe('/srv/benchrunner');
  });
});
