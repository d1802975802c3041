import { existsSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, json, startHarness } from './harness.ts';

const BODY_LIMIT = 4096;
const MARKERS = ['/tmp/benchrunner-pwned', '/tmp/benchrunner-pwned-2', '/tmp/benchrunner-pwned-3'];

let h: Harness;

beforeAll(async () => {
  for (const marker of MARKERS) rmSync(marker, { force: true });
  h = await startHarness({ bodyLimitBytes: BODY_LIMIT });
});
afterAll(async () => {
  await h?.close();
});

/** Asserts a 4xx with the error shape whose details name `path`, and returns the body. */
async function rejected(response: Response, path: string, status = 400) {
  expect(response.status, `expected ${status} naming ${path}`).toBe(status);
  const body = await json(response);
  expect(body.error.code).toEqual(expect.any(String));
  expect(body.error.message).toEqual(expect.any(String));
  const paths = (body.error.details ?? []).map((d: { path: string }) => d.path);
  expect(paths, JSON.stringify(body)).toContain(path);
  return body;
}

async function laneSize(): Promise<number> {
  let total = 0;
  for (const queue of h.lanes.values()) total += await queue.count();
  return total;
}

describe('POST /runs body', () => {
  it('rejects malformed JSON and empty bodies', async () => {
    for (const body of ['{', '{"commit": "abc1234",}', "{'commit': 'abc1234'}", 'commit=abc1234', '\u0000']) {
      const response = await h.post('/runs', body);
      const payload = await rejected(response, 'body');
      expect(payload.error.code).toBe('invalid_json');
    }
    for (const body of ['', '   ', '\n']) {
      await rejected(await h.post('/runs', body), 'body');
    }
    // No body at all, and no content type.
    await rejected(await h.call('/runs', { method: 'POST' }), 'body');
  });

  it('rejects JSON that is not an object', async () => {
    for (const body of ['null', '[]', '"abc1234"', '42', 'true', '[{"commit":"abc1234"}]']) {
      const response = await h.post('/runs', body);
      expect(response.status, body).toBe(400);
      expect((await json(response)).error.details.length).toBeGreaterThan(0);
    }
  });

  it('names each field of wrong type', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{}, 'body.commit'],
      [{ commit: 1234567 }, 'body.commit'],
      [{ commit: null }, 'body.commit'],
      [{ commit: ['abc1234'] }, 'body.commit'],
      [{ commit: 'abc1234', benchmarks: 'add' }, 'body.benchmarks'],
      [{ commit: 'abc1234', benchmarks: [1] }, 'body.benchmarks[0]'],
      [{ commit: 'abc1234', benchmarks: ['add', { name: 'x' }] }, 'body.benchmarks[1]'],
      [{ commit: 'abc1234', profile: 'yes' }, 'body.profile'],
      [{ commit: 'abc1234', profile: { profilers: ['perf'] } }, 'body.profile'],
      [{ commit: 'abc1234', minion: 7 }, 'body.minion'],
      [{ commit: 'abc1234', minion: 'a:b' }, 'body.minion'],
      [{ commit: 'abc1234', tag: '' }, 'body.tag'],
      [{ commit: 'abc1234', tag: 'has space' }, 'body.tag'],
      [{ commit: 'abc1234', priority: 'urgent' }, 'body.priority'],
      [{ commit: 'abc1234', priority: 1 }, 'body.priority'],
    ];
    for (const [body, path] of cases) await rejected(await h.post('/runs', body), path);
  });

  it('rejects unknown keys, naming them', async () => {
    const response = await h.post('/runs', { commit: 'abc1234', command: ['rm', '-rf', '/'] });
    const body = await rejected(response, 'body');
    expect(JSON.stringify(body.error.details)).toContain('command');
    // Server-side fields cannot be set by a client.
    for (const key of ['trigger', 'requestedAt', 'nonce']) {
      const r = await h.post('/runs', {
        commit: 'abc1234',
        [key]: key === 'trigger' ? { kind: 'github', detail: {} } : 'x',
      });
      expect(r.status, key).toBe(400);
      expect(JSON.stringify((await json(r)).error.details)).toContain(key);
    }
  });

  it('rejects unknown benchmarks, file sets, profilers and minions against the suite', async () => {
    await rejected(
      await h.post('/runs', { commit: 'abc1234', benchmarks: ['add', 'nope'] }),
      'body.benchmarks[1]',
    );
    await rejected(await h.post('/runs', { commit: 'abc1234', minion: 'ghost' }), 'body.minion');
    await rejected(
      await h.post('/runs', {
        commit: 'abc1234',
        benchmarks: ['extract'],
        profile: { profilers: ['flame'] },
      }),
      'body.profile.profilers[0]',
    );
    await rejected(
      await h.post('/runs', { commit: 'abc1234', profile: { fileSets: ['One4MBFile', 'OneHugeFile'] } }),
      'body.profile.fileSets[1]',
    );
    const many = await json(
      await h.post('/runs', { commit: 'abc1234', benchmarks: ['x1', 'add', 'x2'], minion: 'ghost' }),
    );
    expect(many.error.details.map((d: { path: string }) => d.path)).toEqual([
      'body.benchmarks[0]',
      'body.benchmarks[2]',
      'body.minion',
    ]);
    expect(await laneSize()).toBe(0);
  });

  it('rejects commits a shell or git would read specially, and runs nothing', async () => {
    const hostile = [
      `$(touch ${MARKERS[0]})`,
      `\`touch ${MARKERS[1]}\``,
      `;touch ${MARKERS[2]}`,
      ';rm -rf /',
      '&& rm -rf /',
      '| cat /etc/passwd',
      '--upload-pack=x',
      '-x',
      'a..b',
      'main\nrm -rf /',
      'main\r',
      'main ',
      ' main',
      'main;',
      'refs/heads/../../etc',
      '/etc/passwd',
      'main/',
      'a//b',
      'main.lock',
      'feature/.hidden',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, on purpose.
      '${IFS}',
      'HEAD@{1}',
      'main~1',
      'main^',
      'x'.repeat(1000),
      '',
      'ab\u0000cd',
      'é',
    ];
    for (const commit of hostile) {
      const response = await h.post('/runs', { commit });
      await rejected(response, 'body.commit');
    }
    for (const marker of MARKERS) expect(existsSync(marker), marker).toBe(false);
    expect(await laneSize()).toBe(0);
  });

  it('accepts hex shas and safe refs', async () => {
    for (const commit of [
      'abc1234',
      'A'.repeat(40),
      'f'.repeat(64),
      'main',
      'v1.2.3',
      'refs/pull/12/head',
      'release/2024-01',
    ]) {
      const response = await h.post('/runs', { commit });
      expect(response.status, commit).toBe(202);
    }
  });

  it('rejects 1000-character strings in every field with a length limit', async () => {
    const long = 'a'.repeat(1000);
    await rejected(await h.post('/runs', { commit: 'abc1234', benchmarks: [long] }), 'body.benchmarks[0]');
    await rejected(await h.post('/runs', { commit: 'abc1234', tag: long }), 'body.tag');
    await rejected(await h.post('/runs', { commit: 'abc1234', minion: long }), 'body.minion');
    await rejected(
      await h.post('/runs', { commit: 'abc1234', profile: { fileSets: [long] } }),
      'body.profile.fileSets[0]',
    );
  });

  it('answers 413 to a body over BODY_LIMIT_BYTES, naming the body', async () => {
    const big = JSON.stringify({ commit: 'abc1234', tag: 'x'.repeat(BODY_LIMIT) });
    const body = await rejected(await h.post('/runs', big), 'body', 413);
    expect(body.error.message).toContain(String(BODY_LIMIT));
    // Also when the client lies about the length or streams it without one.
    const streamed = await h.app.request('/runs', {
      method: 'POST',
      headers: { authorization: `Bearer ${h.deps.apiKeys[0]}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 8; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // Queue routes have the same limit.
    expect((await h.post('/queue/drain', big)).status).toBe(413);
  });
});

describe('query parameters', () => {
  it('rejects bad list parameters, naming each', async () => {
    const cases: [string, string][] = [
      ['limit=0', 'query.limit'],
      ['limit=101', 'query.limit'],
      ['limit=abc', 'query.limit'],
      ['limit=1.5', 'query.limit'],
      ['offset=-1', 'query.offset'],
      ['state=bogus', 'query.state'],
      ['minion=a:b', 'query.minion'],
      ['minion=ghost', 'query.minion'],
      ['sort=asc', 'query'],
    ];
    for (const [query, path] of cases) await rejected(await h.call(`/runs?${query}`), path);
  });

  it('rejects bad log parameters and run ids', async () => {
    const create = await json(await h.post('/runs', { commit: 'bad1234' }));
    await rejected(await h.call(`/runs/${create.id}/logs?limit=0`), 'query.limit');
    await rejected(await h.call(`/runs/${create.id}/logs?offset=x`), 'query.offset');
    await rejected(await h.call(`/runs/${create.id}/logs?tail=1`), 'query');
    const badId = await h.call(`/runs/${encodeURIComponent('$(touch /tmp/benchrunner-pwned)')}`);
    expect(badId.status).toBe(400);
    expect((await h.call(`/runs/${'r'.repeat(201)}`)).status).toBe(400);
    expect((await h.call('/runs/no-such-run')).status).toBe(404);
    expect((await h.call('/runs/no-such-run/logs')).status).toBe(404);
    expect((await h.call('/runs/no-such-run', { method: 'DELETE' })).status).toBe(404);
  });

  it('rejects unknown minions and parameters on queue control', async () => {
    for (const path of ['drain', 'pause', 'resume']) {
      await rejected(await h.call(`/queue/${path}?minion=unknown`, { method: 'POST' }), 'query.minion');
      await rejected(await h.call(`/queue/${path}?minion=a%20b`, { method: 'POST' }), 'query.minion');
      await rejected(await h.call(`/queue/${path}?all=1`, { method: 'POST' }), 'query');
    }
    expect(await h.lanes.get('local')!.isPaused()).toBe(false);
  });
});

describe('static files', () => {
  it('serves nothing outside the docs assets, whatever the encoding', async () => {
    for (const path of [
      '/docs/assets/..%2f..%2f..%2fpackage.json',
      '/docs/assets/..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd',
      '/docs/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fpackage.json',
      '/docs/assets/....//....//package.json',
      '/docs/assets/%2fetc%2fpasswd',
      '/docs/assets//etc/passwd',
      '/docs/assets/..\\..\\package.json',
    ]) {
      const response = await h.app.request(path);
      const text = await response.text();
      expect(response.status, path).not.toBe(200);
      expect(text, path).not.toContain('root:');
      expect(text, path).not.toContain('@benchrunner');
    }
    // The assets themselves are there.
    expect((await h.app.request('/docs/assets/swagger-ui-bundle.js')).status).toBe(200);
  });
});

describe('never a 5xx', () => {
  it('answers every hostile request with a 4xx', async () => {
    const bodies: unknown[] = [
      `{"commit": "abc1234", "benchmarks": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
      '{"commit":"abc1234","__proto__":{"admin":true}}',
      '{"commit":"abc1234","constructor":{"prototype":{"polluted":true}}}',
      { commit: { toString: 'abc1234' } },
      { commit: 'abc1234', benchmarks: Array.from({ length: 501 }, () => 'add') },
      { commit: 'abc1234', profile: { profilers: [] } },
      { commit: 'abc1234', profile: { unknown: true } },
    ];
    for (const body of bodies) {
      const response = await h.post('/runs', body);
      const what = (typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 80);
      expect(response.status, what).toBeGreaterThanOrEqual(400);
      expect(response.status, what).toBeLessThan(500);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    for (const marker of MARKERS) expect(existsSync(marker)).toBe(false);
  });
});
