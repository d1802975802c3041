import type { CommitInfo } from '@benchrunner/core';
import type { Regression } from '@benchrunner/results-db';
import { linearCommits } from '@benchrunner/results-db/test/git-history.ts';
import { manifest, noisySamples } from '@benchrunner/results-db/test/manifests.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegressionSchema } from '../src/openapi.ts';
import { type Harness, startHarness } from './harness.ts';

let h: Harness;
let commits: CommitInfo[];
let stopRepo: () => Promise<void>;
let id: string;

beforeAll(async () => {
  h = await startHarness();
  const history = await linearCommits(11);
  commits = history.commits;
  stopRepo = history.stop;
  // Ten runs at one level, the eleventh 20 % slower: written and judged as the worker does.
  const samples = noisySamples(3);
  for (const [i, commit] of commits.entries()) {
    const level = i === 10 ? 1200 : 1000;
    const run = manifest({
      id: `run-${String(i).padStart(2, '0')}`,
      startedAt: new Date(Date.parse('2026-06-01T00:00:00Z') + i * 60_000).toISOString(),
      commit,
      samples: samples(level),
    });
    await h.deps.results.ingestRun(run);
    await h.deps.results.detectRun(run.id);
  }
});

afterAll(async () => {
  await h?.close();
  await stopRepo?.();
});

const get = async (path: string, method?: 'POST') => {
  const response = method ? await h.post(path, {}) : await h.call(path);
  return {
    status: response.status,
    body: (await response.json()) as Regression & { regressions: Regression[]; error: { message: string } },
  };
};

/** Every record answered has exactly the documented shape. */
const checked = (record: unknown): Regression => {
  const parsed = RegressionSchema.strict().safeParse(record);
  expect(parsed.success, parsed.error?.message).toBe(true);
  return record as Regression;
};

describe('GET /regressions', () => {
  it('lists the suspected regression with its range, levels and evidence', async () => {
    const { status, body } = await get('/regressions');
    expect(status).toBe(200);
    expect(body.regressions).toHaveLength(1);
    const record = checked(body.regressions[0]);
    expect(record).toMatchObject({
      detector: 'baseline',
      kind: 'regression',
      status: 'suspected',
      series: { benchmark: 'add', measure: 'latency', minion: 'local', branch: 'main' },
      lastGood: { commit: commits[9]?.sha, runId: 'run-09' },
      firstBad: { commit: commits[10]?.sha, runId: 'run-10' },
    });
    id = record.id;
  });

  it('filters by status, minion and benchmark', async () => {
    expect(
      (await get('/regressions?status=suspected&minion=local&benchmark=add')).body.regressions,
    ).toHaveLength(1);
    expect((await get('/regressions?minion=other')).body.regressions).toEqual([]);
    expect((await get('/regressions?benchmark=extract')).body.regressions).toEqual([]);
    expect((await get('/regressions?status=fixed')).body.regressions).toEqual([]);
  });

  it('answers 400 naming the field for a bad filter', async () => {
    for (const [query, field] of [
      ['status=broken', 'query.status'],
      ['limit=0', 'query.limit'],
      ['minion=a:b', 'query.minion'],
      ['colour=red', 'colour'],
    ] as const) {
      const { status, body } = await get(`/regressions?${query}`);
      expect(status, query).toBe(400);
      expect(body.error.message, query).toContain(field);
    }
  });
});

describe('POST /regressions/:id/confirm', () => {
  it('queues the interleaved confirmation runs with priority bisect and answers the record, confirming', async () => {
    const response = await h.post(`/regressions/${id}/confirm`, {});
    expect(response.status).toBe(202);
    const record = checked(await response.json());
    expect(record.status).toBe('confirming');
    const planned = record.confirmation?.runs ?? [];
    expect(planned.map((r) => r.side)).toEqual([
      'baseline',
      'suspect',
      'baseline',
      'suspect',
      'baseline',
      'suspect',
    ]);
    const lane = h.lanes.get('local')!;
    const jobs = await Promise.all(planned.map((r) => lane.getJob(r.runId)));
    expect(jobs.map((j) => j?.data.commit)).toEqual(
      planned.map((r) => (r.side === 'baseline' ? commits[9]?.sha : commits[10]?.sha)),
    );
    for (const [i, job] of jobs.entries()) {
      expect(job?.opts.priority).toBe(3);
      expect(job?.data).toMatchObject({
        benchmarks: ['add'],
        priority: 'bisect',
        probe: { kind: 'confirmation', regression: id, side: planned[i]?.side, round: i },
      });
    }
    await Promise.all(jobs.map((j) => j?.remove()));
    expect(checked((await get(`/regressions/${id}`)).body).confirmation?.runs).toEqual(planned);
  });

  it('answers 404 for an unknown record', async () => {
    const response = await h.post('/regressions/0123456789abcdef0123/confirm', {});
    expect(response.status).toBe(404);
  });
});

describe('GET /regressions/:id and POST /regressions/:id/acknowledge', () => {
  it('answers one record, and 404 for an unknown id', async () => {
    const { status, body } = await get(`/regressions/${id}`);
    expect(status).toBe(200);
    expect(checked(body).id).toBe(id);
    const missing = await get('/regressions/0123456789abcdef0123');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('0123456789abcdef0123');
  });

  it('acknowledges a record, and 404s for an unknown one', async () => {
    const response = await h.post(`/regressions/${id}/acknowledge`, {});
    expect(response.status).toBe(200);
    expect(checked(await response.json()).status).toBe('acknowledged');
    expect(
      (await get('/regressions?status=acknowledged')).body.regressions.map((r: Regression) => r.id),
    ).toEqual([id]);
    expect((await h.post('/regressions/nope/acknowledge', {})).status).toBe(404);
  });

  it('refuses to confirm an acknowledged record: 409 naming the status', async () => {
    const { status, body } = await get(`/regressions/${id}/confirm`, 'POST');
    expect(status).toBe(409);
    expect(body.error.message).toMatch(/status is acknowledged/);
  });
});
