import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CommitInfo } from '@benchrunner/core';
import { makeHistory } from '@benchrunner/results-db/test/git-history.ts';
import { archiveRun, manifest } from '@benchrunner/results-db/test/manifests.ts';
import {
  freePort,
  type RedisFixture,
  type Started,
  startProcess,
  startRedis,
  waitForPort,
} from '@benchrunner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyCommand, reindexCommand } from '../src/commands/history.ts';
import { runInProcess } from './in-process.ts';
import { REPO_ROOT } from './run-cli.ts';

const COMMANDS = [historyCommand, reindexCommand];
const KEY = 'cli-history-key-0123456789abcdef';

let dir: string;
let repo: string;
let redis: RedisFixture;
let api: Started;
let env: NodeJS.ProcessEnv;
let commits: Record<string, CommitInfo>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'benchrunner-cli-history-'));
  ({ commits, dir: repo } = await makeHistory());
  const c = (key: string) => commits[key] as CommitInfo;
  const archive = path.join(dir, 'data', 'runs');
  await archiveRun(
    archive,
    manifest({ id: 'run-c3', startedAt: '2026-03-02T01:00:00Z', commit: c('c3'), samples: [3e6, 3.2e6] }),
  );
  await archiveRun(
    archive,
    manifest({ id: 'run-m', startedAt: '2026-03-02T02:00:00Z', commit: c('m'), samples: [2e6, 2.2e6] }),
  );
  await archiveRun(
    archive,
    manifest({ id: 'run-c0', startedAt: '2026-03-02T03:00:00Z', commit: c('c0'), samples: [1e6, 1.2e6] }),
  );
  redis = await startRedis();
  const port = await freePort();
  env = {
    DATA_DIR: path.join(dir, 'data'),
    BENCHRUNNER_URL: `http://127.0.0.1:${port}`,
    BENCHRUNNER_KEY: KEY,
  };
  // The real API process, reading the same DATA_DIR/results.sqlite that reindex writes.
  api = startProcess(process.execPath, ['--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH,
      REDIS_URL: redis.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEYS: KEY,
      DATA_DIR: env.DATA_DIR,
      NIGHTLY_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    },
  });
  await waitForPort(port, '127.0.0.1', 60_000).catch((error: Error) => {
    throw new Error(`the API did not start: ${api.output()}`, { cause: error });
  });
});

afterAll(async () => {
  await api?.stop();
  await redis?.close();
  for (const folder of [dir, repo]) if (folder) await rm(folder, { recursive: true, force: true });
});

describe('benchrunner reindex and history', () => {
  it('reindex writes every archived run, and again gives the same count', async () => {
    for (let i = 0; i < 2; i++) {
      const run = await runInProcess(['reindex'], { env, commands: COMMANDS });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^reindexed 3 runs, 9 points into sqlite at .*results\.sqlite\n$/);
    }
  });

  it('history prints the series as a table in first-parent order', async () => {
    const run = await runInProcess(
      ['history', '--benchmark', 'add', '--measure', 'latency', '--params', 'fileSet=One4MBFile'],
      { env, commands: COMMANDS },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('add · add file · fileSet=One4MBFile · latency (ns, lower better) · local · main');
    const rows = lines.filter((line) => /^[0-9a-f]{10} /.test(line));
    expect(rows.map((row) => row.split(/\s{2,}/)[3])).toEqual(['run-c0', 'run-m', 'run-c3']);
    expect(rows[1]).toContain(commits.m?.sha.slice(0, 10));
    expect(rows[1]).toContain('m: merge feature');
    expect(rows[1]).toMatch(/2\.1\d* ms/);
  });

  it('history --json prints what the API answered', async () => {
    const run = await runInProcess(
      [
        'history',
        '--benchmark',
        'add',
        '--measure',
        'latency',
        '--params',
        'fileSet=OneKBFile',
        '--json',
        '--limit',
        '2',
      ],
      { env, commands: COMMANDS },
    );
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body.points.map((p: { runId: string }) => p.runId)).toEqual(['run-m', 'run-c3']);
  });

  it('history of an unknown name fails with one line listing the valid ones', async () => {
    const run = await runInProcess(['history', '--benchmark', 'cat', '--measure', 'latency'], {
      env,
      commands: COMMANDS,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      "benchrunner: GET /history?benchmark=cat&measure=latency answered 400: benchmark: no series of benchmark 'cat'; valid: add\n",
    );
    const bad = await runInProcess(
      ['history', '--benchmark', 'add', '--measure', 'latency', '--params', 'x'],
      {
        env,
        commands: COMMANDS,
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'--params' takes KEY=VALUE");
  });

  it('reindex names a DATABASE_URL that is not a PostgreSQL URL', async () => {
    const run = await runInProcess(['reindex'], {
      env: { ...env, DATABASE_URL: 'mysql://root@127.0.0.1/x' },
      commands: COMMANDS,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DATABASE_URL: expected a PostgreSQL URL');
  });

  it('reindex says clearly when the database refuses the connection', async () => {
    const port = await freePort();
    const run = await runInProcess(['reindex'], {
      env: { ...env, DATABASE_URL: `postgres://postgres:pw@127.0.0.1:${port}/nothing` },
      commands: COMMANDS,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^benchrunner: reindex failed: results database postgres at postgres://postgres:\\*\\*\\*@127\\.0\\.0\\.1:${port}/nothing: .*ECONNREFUSED`,
      ),
    );
  });
});
