import { createLogger } from '@benchrunner/core';
import { type RedisFixture, startRedis } from '@benchrunner/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Notifier, pullRequestOf, pullRequestReport, redisDeliveryLog, reportMarker } from '../src/index.ts';
import { githubChecker } from './github-openapi.ts';
import { type Answer, type Received, startReceiver } from './receiver.ts';
import { regression } from './regressions.ts';
import { mainRun, pullRequestRun } from './runs.ts';

const TOKEN = 'ghp_test_token_0123456789';
const logger = createLogger({ name: 'alerts-test', level: 'silent' });

/** A small GitHub Enterprise stand-in: a real HTTP server keeping the comments of issue 7. */
async function startGitHub() {
  const comments: { id: number; body: string }[] = Array.from({ length: 120 }, (_, i) => ({
    id: i + 1,
    body: `someone else's comment ${i}`,
  }));
  let nextId = 1000;
  const server = await startReceiver((request: Received): Answer => {
    const url = new URL(request.path, 'http://x');
    const p = url.pathname;
    if (request.method === 'POST' && /\/statuses\/[0-9a-f]{40}$/.test(p))
      return { status: 201, body: { id: 1 } };
    if (request.method === 'GET' && p === '/api/v3/repos/acme/widgets/issues/7/comments') {
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const page = Number(url.searchParams.get('page') ?? 1);
      return { status: 200, body: comments.slice((page - 1) * perPage, page * perPage) };
    }
    if (request.method === 'POST' && p === '/api/v3/repos/acme/widgets/issues/7/comments') {
      const comment = { id: nextId++, body: JSON.parse(request.body).body };
      comments.push(comment);
      return { status: 201, body: comment };
    }
    const edit = /^\/api\/v3\/repos\/acme\/widgets\/issues\/comments\/(\d+)$/.exec(p);
    if (request.method === 'PATCH' && edit) {
      const comment = comments.find((c) => c.id === Number(edit[1]));
      if (!comment) return { status: 404, body: { message: 'Not Found' } };
      comment.body = JSON.parse(request.body).body;
      return { status: 200, body: comment };
    }
    return { status: 404, body: { message: 'Not Found' } };
  });
  return { ...server, comments };
}

describe('GitHub', () => {
  let redis: RedisFixture;
  let client: Redis;
  const check = githubChecker('/api/v3');

  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: null });
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  const notifier = (apiUrl: string) =>
    new Notifier({
      channels: { github: { apiUrl, token: TOKEN } },
      deliveries: redisDeliveryLog(client),
      logger,
      context: { project: 'demo', publicUrl: 'https://bench.example.org' },
      targetRepository: 'acme/widgets',
      retry: { baseDelayMs: 10, attempts: 3 },
    });

  it('the OpenAPI check refuses what GitHub would refuse', () => {
    const base = {
      headers: {
        authorization: 'Bearer x',
        'x-github-api-version': '2022-11-28',
        'content-type': 'application/json',
      },
    };
    const sha = 'a'.repeat(40);
    expect(
      check({
        ...base,
        method: 'POST',
        path: `/api/v3/repos/o/r/statuses/${sha}`,
        body: '{"state":"success"}',
      }),
    ).toEqual([]);
    expect(
      check({
        ...base,
        method: 'POST',
        path: `/api/v3/repos/o/r/statuses/${sha}`,
        body: '{"state":"broken"}',
      }),
    ).not.toEqual([]);
    expect(
      check({
        ...base,
        method: 'POST',
        path: `/api/v3/repos/o/r/statuses/${sha}`,
        body: '{"description":"x"}',
      }),
    ).not.toEqual([]);
    expect(
      check({ ...base, method: 'PUT', path: `/api/v3/repos/o/r/statuses/${sha}`, body: '' }),
    ).not.toEqual([]);
    expect(
      check({
        ...base,
        method: 'GET',
        path: '/api/v3/repos/o/r/issues/7/comments?per_page=100&pages=2',
        body: '',
      }),
    ).not.toEqual([]);
    expect(
      check({ ...base, method: 'PATCH', path: '/api/v3/repos/o/r/issues/comments/12', body: '{"text":"x"}' }),
    ).not.toEqual([]);
  });

  it('sets a commit status on the first bad commit', async () => {
    const github = await startGitHub();
    try {
      const r = regression({ id: 'gh-1' });
      const outcome = await notifier(`${github.url}/api/v3`).statusChanged(r, 'confirming');
      expect(outcome.sent).toEqual(['github-status']);
      expect(github.received).toHaveLength(1);
      const [request] = github.received;
      expect(check(request!)).toEqual([]);
      expect(request?.path).toBe(`/api/v3/repos/acme/widgets/statuses/${'a'.repeat(40)}`);
      expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
      const body = JSON.parse(request!.body);
      expect(body).toEqual({
        state: 'failure',
        description:
          'Confirmed regression: add/add file latency {fileSet=One4MBFile} +20.0 % on local (main)',
        context: 'benchrunner/add file latency (local)',
        target_url: 'https://bench.example.org/regressions/gh-1',
      });
      // Fixed later: the same context turns green; the same status again sends nothing.
      await notifier(`${github.url}/api/v3`).statusChanged({ ...r, status: 'fixed' }, 'confirmed');
      await notifier(`${github.url}/api/v3`).statusChanged({ ...r, status: 'fixed' }, 'confirmed');
      expect(github.received).toHaveLength(2);
      expect(check(github.received[1]!)).toEqual([]);
      expect(JSON.parse(github.received[1]!.body)).toMatchObject({ state: 'success', context: body.context });
    } finally {
      await github.close();
    }
  });

  it('keeps one comment per pull request, edited in place by each run', async () => {
    const github = await startGitHub();
    try {
      const base = mainRun(10, 1000);
      const first = pullRequestRun(7, 'run-pr-1', 1000);
      const second = pullRequestRun(7, 'run-pr-2', 1300);
      const report = (run: typeof first) => pullRequestReport(run, pullRequestOf(run, 'main')!, base);
      const n = notifier(`${github.url}/api/v3`);
      const one = await n.pullRequestRun(report(first), { repository: 'acme/widgets' });
      expect(one.sent.sort()).toEqual(['github-comment', 'github-status']);
      const two = await n.pullRequestRun(report(second), { repository: 'acme/widgets' });
      expect(two.sent.sort()).toEqual(['github-comment', 'github-status']);
      for (const request of github.received)
        expect(check(request), `${request.method} ${request.path}`).toEqual([]);
      const marker = reportMarker('demo', 'local');
      const mine = github.comments.filter((c) => c.body.includes(marker));
      expect(mine).toHaveLength(1);
      expect(github.received.filter((r) => r.method === 'POST' && r.path.endsWith('/comments'))).toHaveLength(
        1,
      );
      expect(github.received.filter((r) => r.method === 'PATCH')).toHaveLength(1);
      // 120 other comments: the second page was read too.
      expect(github.received.some((r) => r.path.endsWith('per_page=100&page=2'))).toBe(true);
      const body = mine[0]!.body;
      expect(body).toContain('| add/add file {fileSet=One4MBFile} | latency |');
      expect(body).toMatch(
        /\| add\/add file \{fileSet=One4MBFile\} \| latency \| [^|]+ \| [^|]+ \| \+[23]\d\.\d % \| [^|]+ \| [^|]+ \| 🔴 regressed \|/,
      );
      expect(body).toContain('1 regressed');
      expect(body).toContain('run-pr-2');
      const statuses = github.received
        .filter((r) => r.path.includes('/statuses/'))
        .map((r) => JSON.parse(r.body));
      expect(statuses.map((s) => s.state)).toEqual(['success', 'failure']);
    } finally {
      await github.close();
    }
  });
});
