import { createLogger } from '@benchrunner/core';
import type { Bisection } from '@benchrunner/results-db';
import { type RedisFixture, startRedis } from '@benchrunner/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Notifier, redisDeliveryLog, SIGNATURE_HEADER, verifySignature } from '../src/index.ts';
import { blockKitProblems } from './block-kit.ts';
import { githubChecker } from './github-openapi.ts';
import { startReceiver } from './receiver.ts';
import { regression } from './regressions.ts';

// Real Redis for the delivery log, real HTTP receivers standing for the webhook's endpoint, Slack
// and GitHub Enterprise (each GitHub request checked against GitHub's OpenAPI description).
const SECRET = 'culprit-secret-0123456789abcdef';
const CULPRIT = 'c'.repeat(40);
const logger = createLogger({ name: 'alerts-test', level: 'silent' });
let redis: RedisFixture;
let client: Redis;

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url, { maxRetriesPerRequest: null });
});
afterAll(async () => {
  client?.disconnect();
  await redis?.close();
});

function bisection(overrides: Partial<Bisection> = {}): Bisection {
  return {
    id: 'b-1',
    regressionId: 'r-culprit',
    status: 'done',
    series: { key: 'k1', benchmark: 'add', minion: 'local', branch: 'main' },
    good: '1'.repeat(40),
    bad: 'a'.repeat(40),
    commits: 8,
    culprit: {
      sha: CULPRIT,
      subject: 'Make <add> & friends slower',
      author: 'Ada Lovelace <ada@example.org>',
      time: '2026-11-29T10:00:00Z',
      merge: false,
      merged: [],
    },
    candidates: null,
    reason: null,
    probes: [],
    createdAt: '2026-11-30T08:10:00.000Z',
    updatedAt: '2026-11-30T08:40:00.000Z',
    ...overrides,
  };
}

it('tells the webhook, Slack and GitHub of the culprit once; the commit status moves to it', async () => {
  const hook = await startReceiver(() => ({ status: 202 }));
  const slack = await startReceiver(() => ({ status: 200 }));
  const github = await startReceiver(() => ({ status: 201, body: { id: 1 } }));
  const check = githubChecker('/api/v3');
  try {
    const notifier = new Notifier({
      channels: {
        webhook: { url: `${hook.url}/hook`, secret: SECRET },
        slackUrl: `${slack.url}/services/T/B/x`,
        github: {
          apiUrl: `${github.url}/api/v3`,
          token: 'ghp_test_token_0123456789',
          repository: 'acme/widgets',
        },
      },
      deliveries: redisDeliveryLog(client),
      logger,
      context: { project: 'demo', publicUrl: 'https://bench.example.org' },
      retry: { baseDelayMs: 10, attempts: 3 },
    });
    const r = regression({ id: 'r-culprit' });
    // Not done: nothing to tell.
    const ambiguous = await notifier.culpritFound(r, bisection({ status: 'ambiguous', culprit: null }));
    expect(ambiguous.sent).toEqual([]);
    const outcome = await notifier.culpritFound(r, bisection());
    expect(outcome.sent.sort()).toEqual(['github-status', 'slack', 'webhook']);
    // Told again (a retried publish): nothing is sent twice.
    expect((await notifier.culpritFound(r, bisection())).skipped.sort()).toEqual([
      'github-status',
      'slack',
      'webhook',
    ]);

    expect(hook.received).toHaveLength(1);
    const [event] = hook.received;
    expect(event?.headers['x-benchrunner-event']).toBe('regression.culprit');
    expect(
      verifySignature(SECRET, event!.body, event!.headers[SIGNATURE_HEADER.toLowerCase()] as string),
    ).toBe(true);
    expect(JSON.parse(event!.body)).toMatchObject({
      event: 'regression.culprit',
      project: 'demo',
      culprit: { sha: CULPRIT, subject: 'Make <add> & friends slower' },
      bisection: { id: 'b-1', commits: 8 },
      regression: { id: 'r-culprit' },
      url: 'https://bench.example.org/regressions/r-culprit',
    });

    expect(slack.received).toHaveLength(1);
    const message = JSON.parse(slack.received[0]!.body);
    expect(blockKitProblems(message)).toEqual([]);
    const text = JSON.stringify(message.blocks);
    expect(message.blocks[0].text.text).toContain('ccccccc Make <add> & friends slower');
    expect(text).toContain('Make &lt;add&gt; &amp; friends slower');
    expect(text).toContain('Ada Lovelace &lt;ada@example.org&gt;');
    expect(text).toContain('<https://bench.example.org/regressions/r-culprit|Open the regression page>');

    expect(github.received.map((q) => [q.method, q.path])).toEqual([
      ['POST', `/api/v3/repos/acme/widgets/statuses/${CULPRIT}`],
      ['POST', `/api/v3/repos/acme/widgets/statuses/${'a'.repeat(40)}`],
    ]);
    for (const request of github.received) expect(check(request)).toEqual([]);
    const [onCulprit, onFirstBad] = github.received.map((q) => JSON.parse(q.body));
    expect(onCulprit).toMatchObject({
      state: 'failure',
      context: 'benchrunner/add file latency (local)',
      target_url: 'https://bench.example.org/regressions/r-culprit',
    });
    expect(onFirstBad).toMatchObject({
      state: 'success',
      description: 'culprit is ccccccc: Make <add> & friends slower',
      context: onCulprit.context,
    });
  } finally {
    await Promise.all([hook.close(), slack.close(), github.close()]);
  }
});

it('sends one status when the culprit is the first bad commit itself', async () => {
  const github = await startReceiver(() => ({ status: 201, body: { id: 1 } }));
  try {
    const notifier = new Notifier({
      channels: {
        github: {
          apiUrl: `${github.url}/api/v3`,
          token: 'ghp_test_token_0123456789',
          repository: 'acme/widgets',
        },
      },
      deliveries: redisDeliveryLog(client),
      logger,
      context: { project: 'demo' },
      retry: { baseDelayMs: 10, attempts: 3 },
    });
    const done = bisection();
    const culprit = { ...done.culprit!, sha: 'a'.repeat(40) };
    await notifier.culpritFound(regression({ id: 'r-same' }), { ...done, culprit });
    expect(github.received.map((q) => q.path)).toEqual([
      `/api/v3/repos/acme/widgets/statuses/${'a'.repeat(40)}`,
    ]);
    expect(JSON.parse(github.received[0]!.body)).toMatchObject({ state: 'failure' });
  } finally {
    await github.close();
  }
});
