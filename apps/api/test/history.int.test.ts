import { rm } from 'node:fs/promises';
import type { CommitInfo } from '@benchrunner/core';
import type { HistoryPoint, SeriesInfo } from '@benchrunner/results-db';
import { makeHistory } from '@benchrunner/results-db/test/git-history.ts';
import { manifest } from '@benchrunner/results-db/test/manifests.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './harness.ts';

let h: Harness;
let commits: Record<string, CommitInfo>;
let repo: string;

beforeAll(async () => {
  h = await startHarness();
  ({ commits, dir: repo } = await makeHistory());
  const c = (key: string) => commits[key] as CommitInfo;
  // Written the way the worker writes them; started out of commit order.
  for (const [id, key, at] of [
    ['run-c2', 'c2', '2026-03-02T01:00:00Z'],
    ['run-c0', 'c0', '2026-03-02T02:00:00Z'],
    ['run-m', 'm', '2026-03-02T03:00:00Z'],
  ] as const) {
    await h.deps.results.ingestRun(manifest({ id, startedAt: at, commit: c(key), samples: [1, 2, 3] }));
  }
  await h.deps.results.ingestRun(
    manifest({
      id: 'run-o',
      startedAt: '2026-03-02T04:00:00Z',
      commit: c('c3'),
      minion: 'other',
      samples: [9],
    }),
  );
});

afterAll(async () => {
  await h?.close();
  if (repo) await rm(repo, { recursive: true, force: true });
});

const get = async (path: string) => {
  const response = await h.call(path);
  return {
    status: response.status,
    body: (await response.json()) as {
      series: SeriesInfo & SeriesInfo[];
      points: HistoryPoint[];
      error: { message: string; details: { path: string; message: string }[] };
    },
  };
};

describe('GET /history', () => {
  it('answers the series in first-parent order on the default lane, with commit, subject, time, run, value, CI, n', async () => {
    const { status, body } = await get('/history?benchmark=add&measure=latency&params.fileSet=One4MBFile');
    expect(status).toBe(200);
    expect(body.series).toMatchObject({
      benchmark: 'add',
      result: 'add file',
      minion: 'local',
      branch: 'main',
    });
    expect(body.points.map((p) => p.runId)).toEqual(['run-c0', 'run-c2', 'run-m']);
    expect(body.points[2]).toMatchObject({
      commit: commits.m?.sha,
      subject: 'm: merge feature',
      commitTime: commits.m?.authorTime,
      value: 2,
      n: 3,
      ci: { lower: 1, upper: 3 },
    });
  });

  it('takes minion, branch, limit and before', async () => {
    const other = await get(
      '/history?benchmark=add&measure=latency&params.fileSet=One4MBFile&minion=other&branch=main',
    );
    expect(other.body.points.map((p) => p.runId)).toEqual(['run-o']);
    const page = await get(
      '/history?benchmark=add&measure=latency&params.fileSet=One4MBFile&limit=1&before=run-m',
    );
    expect(page.body.points.map((p) => p.runId)).toEqual(['run-c2']);
  });

  it('answers 400 listing the valid names for unknown ones', async () => {
    const benchmark = await get('/history?benchmark=cat&measure=latency');
    expect(benchmark.status).toBe(400);
    expect(benchmark.body.error.message).toBe("benchmark: no series of benchmark 'cat'; valid: add");
    expect(benchmark.body.error.details).toEqual([
      { path: 'benchmark', message: "no series of benchmark 'cat'" },
    ]);
    const measure = await get('/history?benchmark=add&measure=speed');
    expect(measure.status).toBe(400);
    expect(measure.body.error.message).toBe("measure: unknown value 'speed'; valid: latency, memory");
    const param = await get('/history?benchmark=add&measure=latency&params.size=1');
    expect(param.body.error.message).toBe('params.size: unknown parameter; valid: params.fileSet');
    const ambiguous = await get('/history?benchmark=add&measure=latency');
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.message).toContain('several series match');
    expect(ambiguous.body.error.message).toContain('"fileSet":"OneKBFile"');
    const minion = await get('/history?benchmark=add&measure=latency&minion=nobody');
    expect(minion.body.error.message).toBe("minion: unknown value 'nobody'; valid: local, other");
  });

  it('answers 400 naming a bad or unknown query parameter', async () => {
    const limit = await get('/history?benchmark=add&measure=latency&limit=0');
    expect(limit.status).toBe(400);
    expect(limit.body.error.details[0]?.path).toBe('query.limit');
    const unknown = await get('/history?benchmark=add&measure=latency&paramz.fileSet=x');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('paramz.fileSet');
    const missing = await get('/history?measure=latency');
    expect(missing.body.error.details[0]?.path).toBe('query.benchmark');
    const twice = await get('/history?benchmark=add&benchmark=cat&measure=latency');
    expect(twice.body.error.message).toBe('query.benchmark: given 2 times');
    const before = await get(
      '/history?benchmark=add&measure=latency&params.fileSet=One4MBFile&before=run-zzz',
    );
    expect(before.status).toBe(400);
    expect(before.body.error.message).toContain('before: no run run-zzz');
  });
});

describe('GET /series', () => {
  it('lists the series keys that exist, filtered by benchmark, minion and branch', async () => {
    const all = await get('/series');
    expect(all.status).toBe(200);
    expect(all.body.series).toHaveLength(6);
    const other = await get('/series?benchmark=add&minion=other&branch=main');
    expect(other.body.series.map((s) => [s.measure, s.params.fileSet])).toEqual([
      ['latency', 'One4MBFile'],
      ['memory', 'One4MBFile'],
      ['latency', 'OneKBFile'],
    ]);
    expect((await get('/series?benchmark=add&minion=nobody')).body.series).toEqual([]);
    expect((await get('/series?nope=1')).status).toBe(400);
  });
});
