import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.ts';
import { AUTH, type Harness, json, KEYS, startHarness } from './harness.ts';

let h: Harness;
let runId: string;

beforeAll(async () => {
  h = await startHarness();
  const response = await h.post('/runs', { commit: 'abc1234' });
  expect(response.status).toBe(202);
  runId = (await json(response)).id;
});
afterAll(async () => {
  await h?.close();
});

/** Every route of app.ts that needs a bearer key, with a real run id where one is needed. */
const protectedRoutes = (): [string, string][] => [
  ['GET', '/runs'],
  ['POST', '/runs'],
  ['GET', `/runs/${runId}`],
  ['DELETE', `/runs/${runId}`],
  ['GET', `/runs/${runId}/logs`],
  ['POST', `/runs/${runId}/publish`],
  ['POST', '/queue/drain'],
  ['POST', '/queue/pause'],
  ['POST', '/queue/resume'],
  ['GET', '/benchmarks'],
  ['GET', '/minions'],
  ['GET', '/no-such-route'],
];

/** Bull Board's pages and its JSON API. */
const boardRoutes = ['/ui', '/ui/', '/ui/api/queues', '/ui/api/queues/runs-local/runs'];

const wrongAuthorizations: (string | undefined)[] = [
  undefined,
  'Bearer wrong-key-0123456789abcdef',
  `Bearer ${KEYS[0]}x`,
  `Bearer ${KEYS[0].slice(0, -1)}`,
  `Basic ${Buffer.from(`user:${KEYS[0]}`).toString('base64')}`,
  KEYS[0],
  'Bearer ',
];

function body(method: string) {
  return method === 'POST' ? JSON.stringify({ commit: 'abc1234' }) : undefined;
}

describe('bearer keys', () => {
  it('answers 401 with the error shape on every route without a key or with a wrong key', async () => {
    for (const [method, path] of protectedRoutes()) {
      for (const authorization of wrongAuthorizations) {
        const response = await h.app.request(path, {
          method,
          ...(body(method) ? { body: body(method) } : {}),
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        });
        const what = `${method} ${path} with ${authorization ?? 'no Authorization'}`;
        expect(response.status, what).toBe(401);
        expect(response.headers.get('www-authenticate'), what).toMatch(/^Bearer /);
        const payload = await json(response);
        expect(payload.error.code, what).toBe('unauthorized');
        expect(payload.error.message, what).toMatch(/API key/);
      }
    }
    // Nothing the rejected requests asked for happened: the run is still there, one run only.
    const list = await json(await h.call('/runs'));
    expect(list.total).toBe(1);
    expect(await h.lanes.get('local')!.isPaused()).toBe(false);
  });

  it('lets every configured key in, with the scheme in any case', async () => {
    for (const key of KEYS) {
      for (const scheme of ['Bearer', 'bearer']) {
        const response = await h.app.request('/minions', { headers: { authorization: `${scheme} ${key}` } });
        expect(response.status).toBe(200);
      }
    }
    for (const [method, path] of protectedRoutes().filter(
      ([m, p]) => m === 'GET' && p !== '/no-such-route',
    )) {
      const response = await h.call(path, { method });
      expect(response.status, `${method} ${path}`).toBe(200);
    }
  });

  it('keeps /health, /ready, /openapi.json and /docs public', async () => {
    for (const path of [
      '/health',
      '/ready',
      '/openapi.json',
      '/docs',
      '/docs/',
      '/docs/init.js',
      '/docs/assets/swagger-ui.css',
    ]) {
      const response = await h.app.request(path);
      expect(response.status, path).toBe(200);
    }
  });

  it('does not leak public prefixes to look-alike paths', async () => {
    for (const path of ['/healthz', '/ready/x', '/openapi.jsonx', '/docsx', '/runs/../health']) {
      const response = await h.app.request(path);
      expect(response.status, path).toBe(path === '/runs/../health' ? 200 : 401);
    }
  });
});

describe('PUBLIC_READS', () => {
  it('makes GET routes public but never POST or DELETE', async () => {
    const open = createApp({ ...h.deps, publicReads: true });
    for (const [method, path] of protectedRoutes()) {
      if (path === '/no-such-route') continue;
      const response = await open.request(path, {
        method,
        ...(body(method) ? { body: body(method) } : {}),
        headers: { 'content-type': 'application/json' },
      });
      expect(response.status, `${method} ${path}`).toBe(method === 'GET' ? 200 : 401);
    }
    // Bull Board can pause and clean queues: it keeps its password even with public reads.
    expect((await open.request('/ui/api/queues')).status).toBe(401);
  });
});

describe('Bull Board', () => {
  const basic = (user: string, password: string) =>
    `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

  it('answers 401 with a Basic challenge and the error shape without or with wrong credentials', async () => {
    for (const path of boardRoutes) {
      for (const authorization of [
        undefined,
        basic('admin', 'wrong-key-0123456789abcdef'),
        basic(KEYS[0], ''),
        AUTH.authorization,
      ]) {
        const response = await h.app.request(path, { headers: authorization ? { authorization } : {} });
        const what = `${path} with ${authorization ?? 'nothing'}`;
        expect(response.status, what).toBe(401);
        // Without the challenge a browser never asks for (or sends) credentials.
        expect(response.headers.get('www-authenticate'), what).toMatch(/^Basic realm="benchrunner"/);
        const payload = await json(response);
        expect(payload.error.code, what).toBe('unauthorized');
        expect(payload.error.message, what).not.toBe('');
      }
    }
  });

  it('takes any user name with a key as the password', async () => {
    for (const user of ['admin', 'someone', '']) {
      for (const key of KEYS) {
        const page = await h.app.request('/ui', { headers: { authorization: basic(user, key) } });
        expect(page.status).toBe(200);
        expect(await page.text()).toContain('<html');
      }
    }
    const queues = await h.app.request('/ui/api/queues', {
      headers: { authorization: basic('admin', KEYS[1]) },
    });
    expect(queues.status).toBe(200);
    const payload = await json(queues);
    expect(payload.queues.map((q: { name: string }) => q.name).sort()).toEqual([
      'publish',
      'runs-local',
      'runs-other',
    ]);
  });
});
